// The streamable HTTP transport at the wire level (raw fetch against the real server
// and engine): header checks, SSE and JSON answers, batches, notifications, the GET
// stream. The SDK client and the conformance suite cover whole conversations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle } from './http.js';
import { openFixture, watchEngine, type OpenFixture, type WatchedEngine } from './testdata/open-fixture.js';

const VERSION = '2025-06-18';
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let fixture: OpenFixture;
beforeAll(async () => {
  fixture = await openFixture();
});
afterAll(async () => {
  await fixture?.cleanup();
});

/** Opens a session and returns the headers its later requests carry. */
async function openSession(url: string): Promise<Record<string, string>> {
  const init = await fetch(url, { method: 'POST', headers: POST_HEADERS, body: JSON.stringify(INIT) });
  expect(init.status).toBe(200);
  const sessionId = init.headers.get('mcp-session-id');
  expect(sessionId).toBeTruthy();
  await init.text();
  const headers = { ...POST_HEADERS, 'mcp-session-id': sessionId!, 'mcp-protocol-version': VERSION };
  const initialized = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(initialized.status).toBe(202);
  expect(await initialized.text()).toBe('');
  return headers;
}

/** The JSON-RPC messages in an SSE body. */
function sseMessages(body: string): unknown[] {
  return body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
}

describe('streamable HTTP transport, SSE answers', () => {
  let server: HttpServerHandle;
  let watched: WatchedEngine;
  beforeAll(async () => {
    watched = watchEngine(fixture.engine);
    server = await startHttpServer(watched, { host: '127.0.0.1', port: 0, stateless: false });
  });
  afterAll(async () => {
    await server.close();
  });

  it('opens the SSE stream of a slow call before its answer is ready', async () => {
    const headers = await openSession(server.mcpUrl);
    const release = watched.hold();
    const call = fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'greet', arguments: { name: 'Ada' } },
      }),
    });
    // The call is held, so no answer exists yet: the headers still arrive (after 1 s).
    const response = await call;
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(watched.inFlight).toBe(1);
    release();
    const messages = sseMessages(await response.text());
    expect(messages).toEqual([expect.objectContaining({ id: 9, result: expect.anything() })]);
  });

  it('answers a call as one SSE event with the session id and no-cache headers', async () => {
    const headers = await openSession(server.mcpUrl);
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(res.headers.get('mcp-session-id')).toBe(headers['mcp-session-id']);
    const body = await res.text();
    expect(body.startsWith('event: message\n')).toBe(true);
    expect(sseMessages(body)).toEqual([{ jsonrpc: '2.0', id: 7, result: {} }]);
  });

  it('answers every request of a batch on the same stream', async () => {
    const headers = await openSession(server.mcpUrl);
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'ping' },
        { jsonrpc: '2.0', id: 'b', method: 'no/such/method' },
      ]),
    });
    const messages = sseMessages(await res.text()) as Array<{
      id: string;
      result?: unknown;
      error?: { code: number };
    }>;
    expect(messages.map((m) => m.id).sort()).toEqual(['a', 'b']);
    expect(messages.find((m) => m.id === 'a')?.result).toEqual({});
    expect(messages.find((m) => m.id === 'b')?.error?.code).toBe(-32601);
  });

  it('refuses a POST that does not accept SSE (406) or is not JSON (415)', async () => {
    const headers = await openSession(server.mcpUrl);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const notAcceptable = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...headers, accept: 'application/json' },
      body,
    });
    expect(notAcceptable.status).toBe(406);
    expect(await notAcceptable.json()).toMatchObject({ error: { code: -32000 }, id: null });
    const notJson = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body,
    });
    expect(notJson.status).toBe(415);
  });

  it('refuses an unknown MCP-Protocol-Version and a message that is not JSON-RPC', async () => {
    const headers = await openSession(server.mcpUrl);
    const badVersion = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { ...headers, 'mcp-protocol-version': '1999-01-01' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(badVersion.status).toBe(400);
    expect(((await badVersion.json()) as { error: { message: string } }).error.message).toContain(
      'Unsupported protocol version: 1999-01-01',
    );
    const notRpc = await fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(notRpc.status).toBe(400);
    // Valid JSON that is not a JSON-RPC message: Invalid Request, not a parse error.
    expect(await notRpc.json()).toMatchObject({ error: { code: -32600 } });
  });

  it('refuses a second initialize on a live session', async () => {
    const headers = await openSession(server.mcpUrl);
    const again = await fetch(server.mcpUrl, { method: 'POST', headers, body: JSON.stringify(INIT) });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: { code: -32600 } });
  });

  it('opens one GET stream per session at once, refuses a second (409), and frees it on disconnect', async () => {
    const headers = await openSession(server.mcpUrl);
    const getHeaders = {
      accept: 'text/event-stream',
      'mcp-session-id': headers['mcp-session-id']!,
      'mcp-protocol-version': VERSION,
    };
    const first = new AbortController();
    const stream = await fetch(server.mcpUrl, { headers: getHeaders, signal: first.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const second = await fetch(server.mcpUrl, { headers: getHeaders });
    expect(second.status).toBe(409);
    first.abort();
    await stream.body?.cancel().catch(() => undefined);
    // The server learns of the disconnect asynchronously.
    let reopened = 0;
    for (let attempt = 0; attempt < 50 && reopened !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = await fetch(server.mcpUrl, { headers: getHeaders, signal: AbortSignal.timeout(2000) });
      reopened = again.status;
      await again.body?.cancel().catch(() => undefined);
    }
    expect(reopened).toBe(200);
  });
});

describe('streamable HTTP transport, JSON answers', () => {
  let server: HttpServerHandle;
  beforeAll(async () => {
    server = await startHttpServer(fixture.engine, {
      host: '127.0.0.1',
      port: 0,
      stateless: false,
      jsonResponse: true,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers one request with one JSON object and a batch with an array in request order', async () => {
    const headers = await openSession(server.mcpUrl);
    const one = await fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(one.headers.get('content-type')).toBe('application/json');
    expect(one.headers.get('mcp-session-id')).toBe(headers['mcp-session-id']);
    expect(await one.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });

    const batch = await fetch(server.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { jsonrpc: '2.0', id: 3, method: 'ping' },
      ]),
    });
    const answers = (await batch.json()) as Array<{ id: number }>;
    expect(answers.map((a) => a.id)).toEqual([2, 3]);
  });
});

describe('streamable HTTP sessions: cleanup', () => {
  let server: HttpServerHandle;
  beforeAll(async () => {
    server = await startHttpServer(fixture.engine, {
      host: '127.0.0.1',
      port: 0,
      stateless: false,
      sessionIdleMs: 1000,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a rejected initialize leaves no session or server behind', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(INIT),
      });
      expect(r.status).toBe(406);
      await r.text();
    }
    expect(server.sessionCount).toBe(0);
    expect(server.logs.size).toBe(0);
  });

  it('closes a session that stays idle, and keeps one that is used', async () => {
    const idle = await openSession(server.mcpUrl);
    const busy = await openSession(server.mcpUrl);
    expect(server.sessionCount).toBe(2);
    const ping = (headers: Record<string, string>) =>
      fetch(server.mcpUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' }),
      });
    // Keep `busy` in use until `idle` has been swept (bounded: 200 × 50 ms).
    for (let i = 0; i < 200 && server.sessionCount > 1; i++) {
      await (await ping(busy)).text();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(server.sessionCount).toBe(1);
    expect((await ping(idle)).status).toBe(404);
    expect((await ping(busy)).status).toBe(200);
  });
});
