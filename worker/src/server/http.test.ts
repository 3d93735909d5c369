// The HTTP server through the real SDK client, over streamable HTTP (stateful and
// stateless) and legacy SSE, serving the real engine on the fixture project in
// testdata/project (real DuckDB, endpoints with inline SQL).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  LoggingMessageNotificationSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { startHttpServer, type HttpServerHandle } from './http.js';
import { packageVersion } from './mcp.js';
import { openFixture, watchEngine, type OpenFixture, type WatchedEngine } from './testdata/open-fixture.js';

/** What list_people and users://{id} read (testdata/project). */
const PEOPLE = [
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Grace' },
];

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

// One copy of the project and one engine for the whole file; servers come and go around it.
let fixture: OpenFixture;
beforeAll(async () => {
  fixture = await openFixture();
});
afterAll(async () => {
  await fixture?.cleanup();
});
const engine = () => fixture.engine;

const clients: Client[] = [];
async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'server-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
});

function textOf(result: unknown): string {
  const content = (result as { content: unknown }).content as Array<{ type: string; text?: string }>;
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  return content[0].text ?? '';
}

describe('stateful streamable HTTP', () => {
  let server: HttpServerHandle;
  let watched: WatchedEngine;
  beforeAll(async () => {
    watched = watchEngine(engine());
    server = await startHttpServer(watched, { host: '127.0.0.1', port: 0, stateless: false });
  });
  afterAll(async () => {
    await server.close();
  });

  it('binds port 0 to a real port and reports the MCP URL', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.mcpUrl).toBe(`http://127.0.0.1:${server.port}/mcp`);
  });

  it('identifies itself as "MXCP Server" with the package version and declares its capabilities', async () => {
    const client = await connect(server.mcpUrl);
    expect(client.getServerVersion()).toEqual({ name: 'MXCP Server', version: packageVersion() });
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    const caps = client.getServerCapabilities();
    expect(caps).toMatchObject({ tools: {}, resources: {}, prompts: {}, logging: {} });
  });

  it('lists tools with schemas, output schema, title and annotations passed through', async () => {
    const client = await connect(server.mcpUrl);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['fail', 'greet', 'list_people', 'stats', 'whoami']);
    const greet = tools.find((t) => t.name === 'greet')!;
    expect(greet).toMatchObject({
      title: 'Greeter',
      description: 'Returns a greeting string.',
      inputSchema: { type: 'object', required: ['name'] },
      annotations: { title: 'Greeter', readOnlyHint: true },
    });
    // A scalar return is wrapped as {result: …}; no declared return means no output schema.
    expect(greet.outputSchema).toMatchObject({ type: 'object', required: ['result'] });
    expect(tools.find((t) => t.name === 'whoami')!.outputSchema).toBeUndefined();
    expect(tools.find((t) => t.name === 'list_people')!.outputSchema).toMatchObject({
      properties: { result: { type: ['array', 'null'] } },
    });
  });

  it('answers a string result with its raw text, not a JSON-quoted string', async () => {
    const client = await connect(server.mcpUrl);
    const result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('Hello, Ada!');
    expect(result.structuredContent).toEqual({ result: 'Hello, Ada!' });
  });

  it('answers rows with ONE JSON text block for the whole value, plus structuredContent', async () => {
    const client = await connect(server.mcpUrl);
    await client.listTools(); // lets the client validate structuredContent against outputSchema
    const result = await client.callTool({ name: 'list_people', arguments: {} });
    expect(textOf(result)).toBe(JSON.stringify(PEOPLE, null, 2));
    expect(result.structuredContent).toEqual({ result: PEOPLE });
  });

  it('serialises an object result (with an integer beyond 2^53 kept exact) as indented JSON', async () => {
    const client = await connect(server.mcpUrl);
    await client.listTools();
    const result = await client.callTool({ name: 'stats', arguments: {} });
    expect(JSON.parse(textOf(result))).toEqual({ count: 2, big: '9007199254740993' });
    expect(textOf(result)).toContain('\n  "count": 2');
    expect(result.structuredContent).toEqual({ count: 2, big: '9007199254740993' });
  });

  it('answers a tool without a declared return with its rows as JSON and no structuredContent', async () => {
    const client = await connect(server.mcpUrl);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    const rows = JSON.parse(textOf(result));
    expect(rows).toHaveLength(1);
    expect(result.structuredContent).toBeUndefined();
  });

  it("turns an engine error into isError with MXCP's message, and keeps serving", async () => {
    const client = await connect(server.mcpUrl);
    const failed = await client.callTool({ name: 'fail', arguments: {} });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toBe(
      'Error executing tool fail: Failed to execute SQL: Invalid Input Error: this tool always fails',
    );
    const after = await client.callTool({ name: 'greet', arguments: { name: 'again' } });
    expect(textOf(after)).toBe('Hello, again!');
  });

  it('answers invalid arguments with isError naming the parameter', async () => {
    const client = await connect(server.mcpUrl);
    const result = await client.callTool({ name: 'greet', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Error executing tool greet: Required parameter missing: name');
  });

  it('answers an unknown tool with isError', async () => {
    const client = await connect(server.mcpUrl);
    const result = await client.callTool({ name: 'nope', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Error executing tool nope: Unknown tool: nope');
  });

  it('passes lower-cased request headers, the session id and caller "http" to the engine', async () => {
    const client = await connect(server.mcpUrl, { 'X-Test': 'acme' });
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    // What the tool's SQL sees through get_request_header() and get_username().
    const [row] = JSON.parse(textOf(result));
    expect(row.x_test).toBe('acme');
    expect(row.host).toBe(`127.0.0.1:${server.port}`);
    expect(row.session_header).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.username).toBeNull();
    // What SQL cannot see: the context the engine was handed for this call.
    const ctx = watched.contexts.at(-1)!;
    expect(ctx.headers['x-test']).toBe('acme');
    expect(ctx.caller).toBe('http');
    expect(ctx.user).toBeNull();
    expect(ctx.sessionId).toBe(row.session_header);
  });

  it('lists static resources and templates separately', async () => {
    const client = await connect(server.mcpUrl);
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      { uri: 'data://status', name: 'status', description: 'Service status', mimeType: 'application/json' },
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      {
        uriTemplate: 'users://{id}',
        name: 'user',
        description: 'One user by id',
        mimeType: 'application/json',
      },
    ]);
  });

  it('reads a static and a templated resource by URI', async () => {
    const client = await connect(server.mcpUrl);
    const status = await client.readResource({ uri: 'data://status' });
    expect(status.contents).toEqual([
      { uri: 'data://status', mimeType: 'application/json', text: '{\n  "ok": true\n}' },
    ]);
    const user = await client.readResource({ uri: 'users://2' });
    expect(user.contents).toHaveLength(1);
    expect(user.contents[0]).toMatchObject({ uri: 'users://2', mimeType: 'application/json' });
    expect(JSON.parse(String((user.contents[0] as { text: string }).text))).toEqual({ id: 2, name: 'Grace' });
  });

  it('fails a resource read as a JSON-RPC error naming the URI', async () => {
    const client = await connect(server.mcpUrl);
    await expect(client.readResource({ uri: 'users://99' })).rejects.toThrow(
      'Error reading resource users://99: No results returned',
    );
    await expect(client.readResource({ uri: 'nothing://here' })).rejects.toMatchObject({ code: -32002 });
  });

  it('lists prompts with their arguments and renders system, user and assistant messages', async () => {
    const client = await connect(server.mcpUrl);
    const { prompts } = await client.listPrompts();
    expect(prompts).toEqual([
      {
        name: 'review',
        description: 'Asks for a review of a topic.',
        arguments: [
          { name: 'topic', description: 'What to review', required: true },
          { name: 'tone', required: false },
        ],
      },
    ]);
    const got = await client.getPrompt({ name: 'review', arguments: { topic: 'SQL', tone: 'kind' } });
    // MCP has no system role: the system message goes out as a user message.
    expect(got.description).toBe('Asks for a review of a topic.');
    expect(got.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'You are a careful reviewer.' } },
      { role: 'user', content: { type: 'text', text: 'Please review SQL.' } },
      { role: 'assistant', content: { type: 'text', text: 'I will review SQL in a kind tone.' } },
    ]);
    const defaulted = await client.getPrompt({ name: 'review', arguments: { topic: 'SQL' } });
    expect(defaulted.messages[2].content).toEqual({
      type: 'text',
      text: 'I will review SQL in a neutral tone.',
    });
  });

  it('fails a prompt as a JSON-RPC error naming the prompt', async () => {
    const client = await connect(server.mcpUrl);
    await expect(client.getPrompt({ name: 'review', arguments: {} })).rejects.toThrow(
      'Error rendering prompt review: Required parameter missing: topic',
    );
    await expect(client.getPrompt({ name: 'nope', arguments: {} })).rejects.toThrow(
      'Error rendering prompt nope: Unknown prompt: nope',
    );
  });

  it('answers ping and logging/setLevel', async () => {
    const client = await connect(server.mcpUrl);
    await expect(client.ping()).resolves.toEqual({});
    await expect(client.setLoggingLevel('debug')).resolves.toEqual({});
  });

  it('returns an Mcp-Session-Id, refuses unknown sessions, and ends a session on DELETE', async () => {
    const init = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: POST_HEADERS,
      body: JSON.stringify(INIT),
    });
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id');
    expect(sessionId).toBeTruthy();
    await init.text();
    expect(server.sessionCount).toBeGreaterThan(0);

    const unknown = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...POST_HEADERS, 'mcp-session-id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });
    expect(unknown.status).toBe(404);

    const noSession = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: POST_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });
    expect(noSession.status).toBe(400);

    const del = await fetch(server.mcpUrl, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-06-18' },
    });
    expect(del.status).toBe(200);
    const afterDelete = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...POST_HEADERS, 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }),
    });
    expect(afterDelete.status).toBe(404);
  });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const res = await fetch(server.mcpUrl, { method: 'POST', headers: POST_HEADERS, body: '{not json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32700 } });
  });
});

describe('DNS rebinding protection', () => {
  let server: HttpServerHandle;
  beforeAll(async () => {
    server = await startHttpServer(engine(), { host: '127.0.0.1', port: 0, stateless: false });
  });
  afterAll(async () => {
    await server.close();
  });

  // fetch() forbids setting Host, so these go through node:http.
  async function post(host: string, origin?: string): Promise<number> {
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/mcp',
          method: 'POST',
          headers: { ...POST_HEADERS, host, ...(origin ? { origin } : {}) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
  }

  it('rejects a foreign Host with 403 before the MCP handler', async () => {
    expect(await post('evil.example.com', 'http://evil.example.com')).toBe(403);
    expect(await post('evil.example.com')).toBe(403);
  });

  it('rejects a localhost Host with a foreign Origin', async () => {
    expect(await post(`localhost:${server.port}`, 'http://evil.example.com')).toBe(403);
  });

  it('accepts localhost and 127.0.0.1 hosts and origins', async () => {
    expect(await post(`localhost:${server.port}`, `http://localhost:${server.port}`)).toBe(200);
    expect(await post(`127.0.0.1:${server.port}`)).toBe(200);
  });

  it('is off for a wildcard bind unless allowedHosts is given, and then enforces that list', async () => {
    const open = await startHttpServer(engine(), { host: '0.0.0.0', port: 0, stateless: true });
    const listed = await startHttpServer(engine(), {
      host: '0.0.0.0',
      port: 0,
      stateless: true,
      allowedHosts: ['mcp.internal'],
    });
    try {
      const { request } = await import('node:http');
      const status = (port: number, host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { ...POST_HEADERS, host } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify(INIT));
        });
      expect(await status(open.port, 'anything.example.com')).toBe(200);
      expect(await status(listed.port, 'anything.example.com')).toBe(403);
      expect(await status(listed.port, `mcp.internal:${listed.port}`)).toBe(200);
    } finally {
      await open.close();
      await listed.close();
    }
  });
});

describe('stateless streamable HTTP', () => {
  let server: HttpServerHandle;
  let watched: WatchedEngine;
  beforeAll(async () => {
    watched = watchEngine(engine());
    server = await startHttpServer(watched, { host: '127.0.0.1', port: 0, stateless: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends no Mcp-Session-Id', async () => {
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: POST_HEADERS,
      body: JSON.stringify(INIT),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(await res.text()).toContain('"MXCP Server"');
  });

  it('serves a full client conversation with a null session id in the context', async () => {
    const client = await connect(server.mcpUrl);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(5);
    const [row] = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(row.session_header).toBeNull();
    expect(watched.contexts.at(-1)).toMatchObject({ sessionId: null, caller: 'http' });
    expect(textOf(await client.callTool({ name: 'greet', arguments: { name: 'B' } }))).toBe('Hello, B!');
    const failed = await client.callTool({ name: 'fail', arguments: {} });
    expect(failed.isError).toBe(true);
    expect(server.sessionCount).toBe(0);
  });

  it('refuses GET with 405 since there is no session stream', async () => {
    const res = await fetch(server.mcpUrl, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(405);
  });
});

describe('legacy SSE transport', () => {
  let server: HttpServerHandle;
  let watched: WatchedEngine;
  beforeAll(async () => {
    watched = watchEngine(engine());
    server = await startHttpServer(watched, { host: '127.0.0.1', port: 0, stateless: false });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves tools, resources and prompts over GET /sse + POST /messages/', async () => {
    const client = new Client({ name: 'sse-test', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
    clients.push(client);
    expect(client.getServerVersion()?.name).toBe('MXCP Server');
    expect(textOf(await client.callTool({ name: 'greet', arguments: { name: 'SSE' } }))).toBe('Hello, SSE!');
    await client.callTool({ name: 'whoami', arguments: {} });
    expect(watched.contexts.at(-1)).toMatchObject({ caller: 'http', sessionId: expect.any(String) });
    expect(watched.contexts.at(-1)!.sessionId).not.toBe('');
    const user = await client.readResource({ uri: 'users://1' });
    expect(JSON.parse(String((user.contents[0] as { text: string }).text))).toEqual({ id: 1, name: 'Ada' });
    expect((await client.getPrompt({ name: 'review', arguments: { topic: 'x' } })).messages).toHaveLength(3);
  });

  it('forwards server log events at or above the session level as notifications/message', async () => {
    const client = new Client({ name: 'sse-log-test', version: '1.0.0' });
    const received: LoggingMessageNotification['params'][] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      received.push(n.params);
    });
    await client.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
    clients.push(client);
    await client.setLoggingLevel('warning');
    server.logs.send('info', { msg: 'below the level' });
    server.logs.send('error', { msg: 'reload failed' }, 'mxcp.reload');
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(received[0]).toEqual({ level: 'error', logger: 'mxcp.reload', data: { msg: 'reload failed' } });
    expect(received.some((r) => r.level === 'info')).toBe(false);
  });

  it('refuses a POST for an unknown SSE session', async () => {
    const res = await fetch(`${server.url}/messages/?sessionId=nope`, {
      method: 'POST',
      headers: POST_HEADERS,
      body: '{}',
    });
    expect(res.status).toBe(404);
  });
});

describe('extension hooks', () => {
  it("passes the auth middleware's verified token to resolveUser and the user to the engine", async () => {
    const server = await startHttpServer(engine(), {
      host: '127.0.0.1',
      port: 0,
      stateless: true,
      // Stands in for requireBearerAuth: it sets req.auth the way the SDK middleware does.
      mcpMiddleware: [
        (req, _res, next) => {
          (req as typeof req & { auth?: unknown }).auth = {
            token: 't',
            clientId: 'c',
            scopes: [],
            extra: { login: 'ada' },
          };
          next();
        },
      ],
      resolveUser: (auth) =>
        auth
          ? {
              provider: 'test',
              user_id: String(auth.extra?.login),
              username: String(auth.extra?.login),
              email: null,
              name: null,
              raw_profile: {},
              external_token: auth.token,
              capabilities: [],
            }
          : null,
    });
    try {
      const client = await connect(server.mcpUrl);
      // The user as the tool's SQL sees it: get_username(), get_user_provider(), get_user_external_token().
      const [row] = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
      expect(row).toMatchObject({ provider: 'test', username: 'ada', token: 't' });
    } finally {
      await server.close();
    }
  });

  it('mounts configureApp routes outside the MCP host check', async () => {
    const server = await startHttpServer(engine(), {
      host: '127.0.0.1',
      port: 0,
      stateless: true,
      configureApp: (app) => app.get('/.well-known/test', (_req, res) => void res.json({ ok: true })),
    });
    try {
      const res = await fetch(`${server.url}/.well-known/test`);
      expect(await res.json()).toEqual({ ok: true });
    } finally {
      await server.close();
    }
  });

  it('mounts only the transports asked for', async () => {
    const server = await startHttpServer(engine(), {
      host: '127.0.0.1',
      port: 0,
      stateless: false,
      transports: { sse: false },
    });
    try {
      const res = await fetch(`${server.url}/sse`, { headers: { accept: 'text/event-stream' } });
      expect(res.status).toBe(404);
      await res.body?.cancel();
    } finally {
      await server.close();
    }
  });
});

describe('probes and lifecycle', () => {
  it('answers /health at once and /ready only when ready', async () => {
    let ready = false;
    const server = await startHttpServer(engine(), {
      host: '127.0.0.1',
      port: 0,
      stateless: false,
      ready: () => ready,
    });
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const notReady = await fetch(`${server.url}/ready`);
      expect(notReady.status).toBe(503);
      await notReady.body?.cancel();
      ready = true;
      const isReady = await fetch(`${server.url}/ready`);
      expect(isReady.status).toBe(200);
      expect(await isReady.json()).toEqual({ status: 'ready' });
    } finally {
      await server.close();
    }
  });

  it('closes sessions and stops accepting connections on close()', async () => {
    const server = await startHttpServer(engine(), {
      host: '127.0.0.1',
      port: 0,
      stateless: false,
    });
    const client = await connect(server.mcpUrl);
    await client.ping();
    expect(server.sessionCount).toBe(1);
    await server.close();
    expect(server.sessionCount).toBe(0);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('lets an in-flight tool call finish before closing', async () => {
    const watched = watchEngine(engine());
    // A generous grace period: the point is the order of events, not how fast this machine is.
    const server = await startHttpServer(watched, {
      host: '127.0.0.1',
      port: 0,
      stateless: false,
      shutdownGraceMs: 60_000,
    });
    const client = await connect(server.mcpUrl);
    const release = watched.hold();
    const call = client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
    await expect.poll(() => watched.inFlight, { timeout: 30_000, interval: 5 }).toBe(1);
    // Without draining, close() would settle while the call is still held.
    let settled = false;
    const closed = server.close().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    expect(watched.inFlight).toBe(1);
    release();
    expect(textOf(await call)).toContain('Ada');
    await closed;
    expect(settled).toBe(true);
    expect(watched.inFlight).toBe(0);
  });

  it('waits for a call answered on the legacy SSE stream too (its POST returned 202 at once)', async () => {
    const watched = watchEngine(engine());
    const server = await startHttpServer(watched, {
      host: '127.0.0.1',
      port: 0,
      stateless: false,
      shutdownGraceMs: 60_000,
    });
    const client = new Client({ name: 'sse-drain', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
    const release = watched.hold();
    const call = client.callTool({ name: 'greet', arguments: { name: 'Grace' } });
    await expect.poll(() => watched.inFlight, { timeout: 30_000, interval: 5 }).toBe(1);
    let settled = false;
    const closed = server.close().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    release();
    expect(textOf(await call)).toContain('Grace');
    await closed;
    expect(settled).toBe(true);
  });

  it('rejects a port already in use', async () => {
    const first = await startHttpServer(engine(), { host: '127.0.0.1', port: 0, stateless: true });
    try {
      await expect(
        startHttpServer(engine(), { host: '127.0.0.1', port: first.port, stateless: true }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
