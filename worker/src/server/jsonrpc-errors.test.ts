// JSON-RPC error codes for bad messages (regressions found by test/reliability's fuzzer):
// valid JSON that is not a JSON-RPC message (a bare number, null, an object without `jsonrpc`)
// is -32600 Invalid Request rather than -32700 Parse error, and params that fail the MCP schema
// (a number as a tool name, a number as a cursor) are -32602 Invalid params rather than -32603.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle } from './http.js';
import { openFixture, type OpenFixture } from './testdata/open-fixture.js';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let fixture: OpenFixture;
let server: HttpServerHandle;
beforeAll(async () => {
  fixture = await openFixture();
  server = await startHttpServer(fixture.engine, {
    host: '127.0.0.1',
    port: 0,
    stateless: true,
    jsonResponse: true,
  });
});
afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

async function post(body: string): Promise<{ status: number; error?: { code: number; message: string } }> {
  const response = await fetch(server.mcpUrl, { method: 'POST', headers: HEADERS, body });
  const json = (await response.json()) as { error?: { code: number; message: string } };
  return { status: response.status, error: json.error };
}

describe('JSON-RPC error codes', () => {
  it('answers malformed JSON with -32700', async () => {
    expect(await post('{"jsonrpc":')).toMatchObject({ status: 400, error: { code: -32700 } });
  });

  it('answers an empty body with -32700 (body-parser alone would read it as {})', async () => {
    expect(await post('')).toMatchObject({ status: 400, error: { code: -32700 } });
  });

  it('answers valid JSON that is not a JSON-RPC message with -32600', async () => {
    for (const body of [
      '42',
      'null',
      '"text"',
      '[]',
      '[1, 2]',
      '{"foo":1}',
      '{"jsonrpc":"1.0","id":1,"method":"ping"}',
    ]) {
      expect(await post(body), body).toMatchObject({ status: 400, error: { code: -32600 } });
    }
  });

  it('answers an unknown method with -32601', async () => {
    const answer = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'no/such' }));
    expect(answer.error?.code).toBe(-32601);
  });

  it('answers params of the wrong type with -32602 naming the field, without a zod dump', async () => {
    const calls = [
      { method: 'tools/call', params: { name: 7 }, field: 'name' },
      { method: 'tools/list', params: { cursor: 5 }, field: 'cursor' },
      { method: 'resources/read', params: { uri: ['x'] }, field: 'uri' },
    ];
    for (const call of calls) {
      const answer = await post(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: call.method, params: call.params }),
      );
      expect(answer.error?.code, `${call.method}: ${answer.error?.message}`).toBe(-32602);
      expect(answer.error?.message).toContain(call.method);
      expect(answer.error?.message).toContain(call.field);
      expect(answer.error?.message).not.toContain('"code": "invalid_type"');
    }
  });
});
