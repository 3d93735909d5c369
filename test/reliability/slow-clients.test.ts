// Slow and idle clients against a real `mxcp serve`: a slow-loris client (headers one byte per
// second) and a slow-body client are cut off by the server's bounds (--headers-timeout and
// --request-timeout, set short here; the defaults are 20 s and 60 s), and many idle connections
// do not stop a new client's calls. Short form: 200 idle connections; long form: 1000.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServe } from '../support/mxcp.js';
import { connectClient, pick, sleep, textOf, writeProject } from './support.js';

const IDLE = pick(200, 1000);

const PROJECT = {
  'mxcp-site.yml': 'mxcp: 1\nproject: slow\nprofile: default\n',
  'tools/echo.yml':
    'mxcp: 1\ntool:\n  name: echo\n  description: echo\n  parameters:\n    - { name: s, type: string, description: s }\n  return: { type: string }\n  source:\n    code: SELECT $s\n',
};

/** Feeds `chunks` one per `everyMs`; resolves with how long the server kept the connection. */
function dribble(
  port: number,
  chunks: string[],
  everyMs: number,
): Promise<{ answer: string; ms: number; sent: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < chunks.length && !socket.destroyed) socket.write(chunks[sent++]);
    }, everyMs);
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, ms: Date.now() - started, sent });
    });
  });
}

describe('slow and idle clients', () => {
  it('cuts off slow-loris and slow-body clients, and idle connections do not block calls', async () => {
    const project = writeProject(PROJECT);
    const server = await startServe(project.dir, ['--headers-timeout', '2', '--request-timeout', '4']);
    const sockets: Socket[] = [];
    try {
      const head =
        'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Padding: ' +
        'p'.repeat(40) +
        '\r\n\r\n';
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }).padEnd(60);
      const [loris, slowBody] = await Promise.all([
        dribble(server.port, [...head], 1000),
        dribble(
          server.port,
          [
            `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n`,
            ...body,
          ],
          1000,
        ),
      ]);
      // Both would need over a minute to finish sending; the bounds (plus Node's check interval) end them early.
      expect(loris.sent).toBeLessThan(head.length);
      expect(loris.ms).toBeLessThan(30_000);
      expect(slowBody.sent).toBeLessThan(body.length + 1);
      expect(slowBody.ms).toBeLessThan(30_000);
      expect(slowBody.answer).not.toContain('"result"');

      // Many idle connections (no bytes sent), then a real client.
      for (let i = 0; i < IDLE; i++) {
        const socket = connect(server.port, '127.0.0.1');
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      await sleep(500);
      const client = await connectClient(server.url);
      for (let i = 0; i < 5; i++)
        expect(textOf(await client.callTool({ name: 'echo', arguments: { s: `call ${i}` } }))).toBe(
          `call ${i}`,
        );
      await client.close();
      console.log(
        `slow clients: slow-loris cut after ${loris.ms} ms (${loris.sent}/${head.length} bytes), ` +
          `slow body after ${slowBody.ms} ms; ${IDLE} idle connections, calls still answered`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      expect(await server.stop()).toBe(0);
      project.cleanup();
    }
  }, 120_000);
});
