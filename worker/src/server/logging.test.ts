// Log fan-out to MCP sessions, through a real client and server joined in memory,
// serving the real engine on the fixture project (testdata/project).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LoggingMessageNotificationSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { McpLogFanout, mcpLevelOf } from './logging.js';
import { createMcpServer } from './mcp.js';
import { openFixture, type OpenFixture } from './testdata/open-fixture.js';

let fixture: OpenFixture;
beforeAll(async () => {
  fixture = await openFixture();
});
afterAll(async () => {
  await fixture?.cleanup();
});

async function connected(logs: McpLogFanout) {
  const server = createMcpServer(fixture.engine, { caller: 'stdio', logs });
  const client = new Client({ name: 'log-test', version: '1.0.0' });
  const levels: LoggingLevel[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    levels.push(n.params.level);
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  return { server, client, levels };
}

describe('MCP log fan-out', () => {
  it('sends warnings and above to a session that never set a level', async () => {
    const logs = new McpLogFanout();
    const { client, levels } = await connected(logs);
    logs.send('info', 'quiet');
    logs.send('warning', 'loud');
    await expect.poll(() => levels).toEqual(['warning']);
    await client.close();
  });

  it('follows the level the session chose and forgets a closed session', async () => {
    const logs = new McpLogFanout();
    const { client, levels } = await connected(logs);
    await client.setLoggingLevel('debug');
    logs.send('debug', 'now visible');
    await expect.poll(() => levels).toEqual(['debug']);
    expect(logs.size).toBe(1);
    await client.close();
    await expect.poll(() => logs.size).toBe(0);
    expect(() => logs.send('error', 'nobody listening')).not.toThrow();
  });

  it('maps winston levels to MCP levels', () => {
    expect(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'].map(mcpLevelOf)).toEqual([
      'error',
      'warning',
      'info',
      'debug',
      'debug',
      'debug',
      'debug',
    ]);
  });
});
