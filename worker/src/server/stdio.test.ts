// The stdio transport in a real child process (stdio-server.fixture.ts, serving the
// stand-in test engine), driven by the SDK's StdioClientTransport and by hand.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serveStdio } from './stdio.js';
import { createTestEngine } from './test-engine.fixture.js';

const FIXTURE = fileURLToPath(new URL('./stdio-server.fixture.ts', import.meta.url));
const NODE_ARGS = ['--import', 'tsx', FIXTURE];

describe('stdio transport', () => {
  it('serves tools, resources and prompts to an SDK client in a child process with caller "stdio"', async () => {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: NODE_ARGS, stderr: 'pipe' }),
    );
    try {
      expect(client.getServerVersion()?.name).toBe('MXCP Server');
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('greet');
      const greet = await client.callTool({ name: 'greet', arguments: { name: 'stdio' } });
      expect(greet.content).toEqual([{ type: 'text', text: 'Hello, stdio!' }]);
      const whoami = (await client.callTool({ name: 'whoami', arguments: {} })) as {
        content: Array<{ text: string }>;
      };
      const ctx = JSON.parse(whoami.content[0].text);
      expect(ctx).toMatchObject({ caller: 'stdio', headers: {}, sessionId: null });
      const failed = await client.callTool({ name: 'fail', arguments: {} });
      expect(failed.isError).toBe(true);
      expect((await client.listResourceTemplates()).resourceTemplates[0].uriTemplate).toBe('users://{id}');
      expect((await client.getPrompt({ name: 'review', arguments: { topic: 'T' } })).messages[0].role).toBe(
        'user',
      );
      await expect(client.ping()).resolves.toEqual({});
    } finally {
      await client.close();
    }
  });

  it('writes only JSON-RPC messages to stdout and exits when stdin ends', async () => {
    const child = spawn(process.execPath, NODE_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    child.stdin.write(`${JSON.stringify(init)}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_people', arguments: {} } })}\n`,
    );
    await expect.poll(() => stdout.split('\n').filter(Boolean).length, { timeout: 30_000 }).toBe(2);
    child.stdin.end();
    expect(await exited).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    const messages = lines.map((line) => JSON.parse(line));
    expect(messages.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(messages[1].result.content).toHaveLength(1);
  });

  it('resolves `closed` when the input stream ends', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const handle = await serveStdio(createTestEngine(), { stdin, stdout });
    stdin.end();
    await expect(handle.closed).resolves.toBeUndefined();
  });
});
