// The worker's lifecycle end to end, on a real `mxcp serve` process: SIGHUP and the admin API
// reload secrets and config without failing calls, a broken reload keeps the old state, the
// admin API's token and secretsHash protocol, MXCP's admin Unix socket, and SIGTERM letting a
// running call finish before exiting 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecretEntries } from '../../worker/src/config/secrets-hash.js';
import { startServe, type RunningServer } from '../support/mxcp.js';

const TOKEN = 'e2e-admin-token';

interface Fixture {
  root: string;
  dir: string;
  secretsDir: string;
  userConfig: string;
  tokenFile: string;
  gate: string;
  socket: string;
}

function createFixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-lifecycle-'));
  const f: Fixture = {
    root,
    dir: join(root, 'project'),
    secretsDir: join(root, 'secrets'),
    userConfig: join(root, 'config.yml'),
    tokenFile: join(root, 'admin-token'),
    gate: join(root, 'gate.fifo'),
    socket: join(root, 'run', 'mxcp.sock'),
  };
  mkdirSync(join(f.dir, 'tools'), { recursive: true });
  mkdirSync(f.secretsDir);
  execFileSync('mkfifo', [f.gate]);
  writeFileSync(join(f.dir, 'mxcp-site.yml'), 'mxcp: 1\nproject: lifecycle\nprofile: default\n');
  writeFileSync(
    join(f.dir, 'tools', 'show_secrets.yml'),
    `mxcp: 1
tool:
  name: show_secrets
  description: DuckDB's view of the user-config secrets (HTTP_PROXY is not redacted)
  return:
    type: string
  source:
    code: SELECT coalesce(string_agg(secret_string, ' | ' ORDER BY name), 'none') FROM duckdb_secrets()
`,
  );
  // Blocks on the FIFO until the test writes it: a call held in flight without burning CPU.
  writeFileSync(
    join(f.dir, 'tools', 'wait_gate.yml'),
    `mxcp: 1
tool:
  name: wait_gate
  description: Returns once the gate FIFO is written
  return:
    type: integer
  source:
    code: SELECT length(content)::INTEGER FROM read_text('${f.gate}')
`,
  );
  writeFileSync(join(f.secretsDir, 'proxy'), 'http://file-proxy-one');
  writeFileSync(f.tokenFile, TOKEN);
  writeUserConfig(f, '${PROXY_A}');
  return f;
}

function writeUserConfig(f: Fixture, envProxy: string): void {
  writeFileSync(
    f.userConfig,
    [
      'mxcp: 1',
      'projects:',
      '  lifecycle:',
      '    profiles:',
      '      default:',
      '        secrets:',
      '          - name: from_env',
      '            type: http',
      '            parameters:',
      `              HTTP_PROXY: "${envProxy}"`,
      '          - name: from_file',
      '            type: http',
      '            parameters:',
      `              HTTP_PROXY: "file://${join(f.secretsDir, 'proxy')}"`,
      '',
    ].join('\n'),
  );
}

const ENV = (f: Fixture) => ({
  MXCP_CONFIG: f.userConfig,
  PROXY_A: 'http://env-proxy-a',
  PROXY_B: 'http://env-proxy-b',
});

function adminUrlOf(server: RunningServer): string {
  const m = /Admin API listening on (http:\/\/\S+)/.exec(server.output());
  if (!m) throw new Error(`no admin address in the output:\n${server.output()}`);
  return m[1];
}

async function connect(server: RunningServer): Promise<Client> {
  const client = new Client({ name: 'lifecycle', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
  return client;
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content[0].text;
}

describe('reloading a running server', () => {
  let f: Fixture;
  let server: RunningServer;
  let admin: string;
  let client: Client;

  const adminCall = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = TOKEN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    if (rest.body) headers.set('content-type', 'application/json');
    return fetch(`${admin}${path}`, { ...rest, headers });
  };
  interface Status {
    pid: number;
    secretsHash: string | null;
    reload: {
      last_reload: string | null;
      last_reload_status: string | null;
      last_reload_error: string | null;
      generation: number;
    };
  }
  const status = async () => (await (await adminCall('/admin/status')).json()) as Status;
  const secrets = async () => textOf(await client.callTool({ name: 'show_secrets', arguments: {} }));
  const sighupAndWait = async () => {
    const before = (await status()).reload;
    process.kill((await status()).pid, 'SIGHUP');
    await expect
      .poll(async () => (await status()).reload.last_reload, { timeout: 30_000, interval: 100 })
      .not.toBe(before.last_reload);
    return (await status()).reload;
  };

  beforeAll(async () => {
    f = createFixture();
    server = await startServe(
      f.dir,
      [
        '--admin-port',
        '0',
        '--admin-host',
        '127.0.0.1',
        '--admin-token-file',
        f.tokenFile,
        '--secrets-dir',
        f.secretsDir,
      ],
      { ...ENV(f), MXCP_ADMIN_ENABLED: 'true', MXCP_ADMIN_SOCKET: f.socket },
    );
    admin = adminUrlOf(server);
    client = await connect(server);
  });

  afterAll(async () => {
    await client?.close();
    if (server) expect(await server.stop()).toBe(0);
    if (f) rmSync(f.root, { recursive: true, force: true });
  });

  it('the admin API wants the bearer token', async () => {
    const missing = await adminCall('/admin/status', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect((await adminCall('/admin/status', { token: 'wrong' })).status).toBe(401);
    expect((await adminCall('/health', { token: null })).status).toBe(200);
  });

  it('/admin/status reports the process and the hash of the mounted secrets', async () => {
    expect(await status()).toMatchObject({
      status: 'ok',
      profile: 'default',
      mode: 'readwrite',
      reload: { in_progress: false, generation: 1, last_reload_status: null },
      admin_socket: { path: f.socket },
      secretsHash: hashSecretEntries([['proxy', 'http://file-proxy-one']]),
    });
  });

  it('SIGHUP picks up a changed file:// secret and a user-config edit to another env variable', async () => {
    expect(await secrets()).toMatch(/env-proxy-a.*file-proxy-one/);
    writeFileSync(join(f.secretsDir, 'proxy'), 'http://file-proxy-two');
    writeUserConfig(f, '${PROXY_B}');
    const reload = await sighupAndWait();
    expect(reload).toMatchObject({ last_reload_status: 'success', generation: 2 });
    const seen = await secrets();
    expect(seen).toMatch(/env-proxy-b.*file-proxy-two/);
    expect(seen).not.toContain('proxy-one');
  });

  it('a reload with a broken user config keeps serving the old state and reports the error', async () => {
    writeUserConfig(f, '${NOT_SET_IN_THE_SERVER}');
    const reload = await sighupAndWait();
    expect(reload.last_reload_status).toBe('error');
    expect(reload.last_reload_error).toContain('NOT_SET_IN_THE_SERVER');
    expect(reload.generation).toBe(2);
    expect(await secrets()).toMatch(/env-proxy-b.*file-proxy-two/);
    writeUserConfig(f, '${PROXY_B}');
  });

  it('/admin/config shows no secret value', async () => {
    const text = await (await adminCall('/admin/config')).text();
    expect(JSON.parse(text).secrets.map((s: { name: string }) => s.name)).toEqual(['from_env', 'from_file']);
    expect(text).not.toContain('proxy-two');
    expect(text).not.toContain('env-proxy');
  });

  it('POST /admin/reload {secretsHash} waits for files written after the request and reports the new hash', async () => {
    const expected = hashSecretEntries([['proxy', 'http://file-proxy-three']]);
    const pending = adminCall('/admin/reload', {
      method: 'POST',
      body: JSON.stringify({ secretsHash: expected }),
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    writeFileSync(join(f.secretsDir, 'proxy'), 'http://file-proxy-three');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'reloaded', secretsHash: expected });
    expect((await status()).secretsHash).toBe(expected);
    expect(await secrets()).toContain('file-proxy-three');
  });

  it('SIGHUP during a stream of calls fails none of them', async () => {
    const failures: string[] = [];
    let calls = 0;
    let running = true;
    const loop = async () => {
      while (running) {
        try {
          const r = await client.callTool({ name: 'show_secrets', arguments: {} });
          if (r.isError) failures.push(textOf(r));
        } catch (error) {
          failures.push((error as Error).message);
        }
        calls++;
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    const generation = (await status()).reload.generation;
    for (let i = 0; i < 3; i++) expect((await sighupAndWait()).last_reload_status).toBe('success');
    running = false;
    await Promise.all(loops);
    expect((await status()).reload.generation).toBe(generation + 3);
    expect(calls).toBeGreaterThan(3);
    expect(failures).toEqual([]);
  });

  it("MXCP's admin socket is owner-only and answers /health", async () => {
    expect(statSync(f.socket).mode & 0o777).toBe(0o600);
    const health = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = request({ socketPath: f.socket, path: '/health' }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
  });
});

describe('SIGTERM', () => {
  it('lets a running call finish, then exits 0', async () => {
    const f = createFixture();
    try {
      const server = await startServe(
        f.dir,
        [
          '--admin-port',
          '0',
          '--admin-host',
          '127.0.0.1',
          '--admin-token-file',
          f.tokenFile,
          '--shutdown-grace',
          '60',
        ],
        ENV(f),
      );
      const admin = adminUrlOf(server);
      const client = await connect(server);
      const call = client.callTool({ name: 'wait_gate', arguments: {} });
      await expect
        .poll(
          async () => {
            const r = await fetch(`${admin}/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
            return ((await r.json()) as { reload: { active_requests: number } }).reload.active_requests;
          },
          { timeout: 30_000, interval: 100 },
        )
        .toBe(1);
      const exited = server.stop();
      // The server stops accepting while the call is still running (the admin port stays up)…
      await expect
        .poll(async () => {
          const r = await fetch(`${admin}/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
          return ((await r.json()) as { status: string }).status;
        })
        .toBe('draining');
      await expect(fetch(server.url.replace(/\/mcp$/, '/health'))).rejects.toThrow();
      // …and the call completes once its query can.
      writeFileSync(f.gate, 'open');
      const result = await call;
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe('4');
      expect(await exited).toBe(0);
      expect(server.output()).not.toMatch(/Error during shutdown|shutdown step failed/);
    } finally {
      rmSync(f.root, { recursive: true, force: true });
    }
  });
});
