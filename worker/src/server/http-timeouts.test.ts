// Slow clients are cut off (regression for the reliability suite's finding: the server set no
// bounds of its own, so Node's 60 s / 300 s defaults, checked every 30 s, applied): a client
// dribbling its headers or its body loses the connection once the bound passes, and a response
// that takes longer than the bounds is not cut.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle } from './http.js';
import { openFixture, type OpenFixture } from './testdata/open-fixture.js';

let fixture: OpenFixture;
let server: HttpServerHandle;
beforeAll(async () => {
  fixture = await openFixture();
  server = await startHttpServer(fixture.engine, {
    host: '127.0.0.1',
    port: 0,
    stateless: true,
    jsonResponse: true,
    headersTimeoutMs: 1000,
    requestTimeoutMs: 2000,
  });
});
afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

/** Opens a socket, feeds `chunks` one per `everyMs`, and resolves with what came back once it closes. */
function dribble(chunks: string[], everyMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(server.port, '127.0.0.1');
    let answer = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++]);
    }, everyMs);
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined); // a reset is also "cut off"
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
    // Far beyond the bounds: the test fails here if the server never cuts the client off.
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`still connected after 30 s (sent ${i} of ${chunks.length} chunks)`));
    }, 30_000);
  });
}

describe('slow-client bounds', () => {
  it('cuts off a client that sends its headers one byte at a time', async () => {
    const request = 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\r\n';
    const { answer, closedAfterMs } = await dribble([...request], 200);
    // 70+ bytes at 5 per second would take 14 s: the 1 s headers bound ended it long before.
    expect(closedAfterMs).toBeLessThan(12_000);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('cuts off a client that sends its body slowly', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }).padEnd(60, ' ');
    const head =
      'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { answer, closedAfterMs } = await dribble([head, ...body], 250);
    // The body alone would take 15 s; the 2 s request bound ended it.
    expect(closedAfterMs).toBeLessThan(13_000);
    expect(answer).not.toContain('"result"');
  });

  it('still answers a prompt client', async () => {
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result?: unknown }).result).toBeDefined();
  });
});
