// The direct dispatch must see the SDK's private Protocol handlers (an upgrade that renames them
// would silently bring back the slow path) and must route requests, notifications and responses
// exactly as the SDK would.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { dispatchValidatedMessages } from './sdk-dispatch.js';

describe('dispatchValidatedMessages', () => {
  it('takes over the dispatch of the pinned SDK, and requests, notifications and responses still flow', async () => {
    const server = new Server({ name: 't', version: '1' }, { capabilities: { tools: {}, logging: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [{ name: 'x', inputSchema: { type: 'object' } }],
    }));
    let initialized = false;
    server.oninitialized = () => {
      initialized = true;
    };
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const sdkDispatch = serverSide.onmessage;
    expect(dispatchValidatedMessages(server, serverSide)).toBe(true);
    expect(serverSide.onmessage).not.toBe(sdkDispatch);

    const client = new Client({ name: 'c', version: '1' });
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.data);
    });
    await client.connect(clientSide); // initialize (request) + notifications/initialized
    expect(initialized).toBe(true);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['x']);
    // A request the server sends: the client's answer is a response, routed by the SDK's path.
    await expect(server.ping()).resolves.toEqual({});
    // An unknown method still gets the SDK's -32601.
    await expect(client.request({ method: 'nope' as 'ping' }, z.any())).rejects.toThrow(/Method not found/);
    await server.sendLoggingMessage({ level: 'info', data: 'hi' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logs).toEqual(['hi']);
    await client.close();
  });

  it('leaves a server without the private handlers alone', () => {
    const transport = { onmessage: () => undefined } as unknown as InMemoryTransport;
    const before = transport.onmessage;
    expect(dispatchValidatedMessages({} as Server, transport)).toBe(false);
    expect(transport.onmessage).toBe(before);
  });
});
