import { request } from 'node:http';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecretEntries, hashSecretsDir } from '../../config/secrets-hash.js';
import { ReloadManager } from '../lifecycle/reload-manager.js';
import {
  createReloadProject,
  userConfigWithProxy,
  type ReloadProject,
} from '../lifecycle/testdata/reload-project.js';
import { startAdminHttp, startAdminSocket, type AdminHandle } from './server.js';
import type { AdminContext } from './views.js';

let project: ReloadProject;
let manager: ReloadManager;
let admin: AdminHandle;
let tokenFile: string;
const TOKEN = 'admin-token-123';

async function setUp(reloadWaitTimeoutMs = 30_000): Promise<AdminContext> {
  manager = new ReloadManager(
    await project.load(),
    { load: project.load, secretsDir: project.secretsDir },
    hashSecretsDir(project.secretsDir),
  );
  const ctx: AdminContext = {
    manager,
    startedAt: new Date(),
    debug: false,
    transport: 'streamable-http',
    reloadWaitTimeoutMs,
  };
  admin = await startAdminHttp(ctx, { host: '127.0.0.1', port: 0, tokenFile });
  return ctx;
}

function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  if (rest.body) headers.set('content-type', 'application/json');
  return fetch(`${admin.address}${path}`, { ...rest, headers });
}

beforeEach(() => {
  project = createReloadProject();
  tokenFile = join(project.secretsDir, '..', 'admin-token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
});

afterEach(async () => {
  await admin?.close();
  await manager?.close();
  project.cleanup();
});

describe('admin API authentication', () => {
  it('answers 401 with a Bearer challenge for a missing or wrong token', async () => {
    await setUp();
    const missing = await call('/admin/status', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="mxcp-admin"$/);
    const wrong = await call('/admin/status', { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await call('/admin/status')).status).toBe(200);
  });

  it('reads the token file on each request, so a rotated token works at once', async () => {
    await setUp();
    writeFileSync(tokenFile, 'rotated-token');
    expect((await call('/admin/status')).status).toBe(401);
    expect((await call('/admin/status', { token: 'rotated-token' })).status).toBe(200);
  });

  it('serves /health and /ready without a token', async () => {
    await setUp();
    expect(await (await call('/health', { token: null })).json()).toMatchObject({ status: 'ok' });
    expect(await (await call('/ready', { token: null })).json()).toEqual({ status: 'ready' });
  });

  it('refuses to start without a readable token file', async () => {
    tokenFile = join(project.secretsDir, 'missing-token');
    await expect(setUp()).rejects.toThrow(/admin token file/);
  });
});

describe('admin views', () => {
  it('GET /admin/status reports MXCP status fields and the loaded secrets hash', async () => {
    await setUp();
    const status = (await (await call('/admin/status')).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      status: 'ok',
      pid: process.pid,
      profile: 'default',
      mode: 'readwrite',
      debug: false,
      reload: { in_progress: false, draining: false, active_requests: 0, last_reload: null, generation: 1 },
      admin_socket: { path: null },
      secretsHash: hashSecretEntries([['proxy', 'http://proxy-one']]),
    });
    expect(typeof status.version).toBe('string');
    expect(typeof status.uptime_seconds).toBe('number');
  });

  it('GET /admin/config names secrets but never shows their values', async () => {
    await setUp();
    const response = await call('/admin/config');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      project: 'reload',
      profile: 'default',
      endpoints: { tools: 3, resources: 0, prompts: 0 },
      secrets: [{ name: 'api', type: 'http', parameters: { HTTP_PROXY: '[REDACTED]' } }],
    });
    expect(text).not.toContain('proxy-one');
  });

  it('GET /admin/endpoints lists every endpoint with its status', async () => {
    await setUp();
    const endpoints = (await (await call('/admin/endpoints')).json()) as Array<Record<string, unknown>>;
    expect(endpoints.map((e) => [e.name, e.type, e.language, e.status])).toEqual([
      ['endless', 'tool', 'sql', 'ok'],
      ['show_secret', 'tool', 'sql', 'ok'],
      ['wait_gate', 'tool', 'sql', 'ok'],
    ]);
  });
});

describe('POST /admin/reload', () => {
  it('reloads at once without a body', async () => {
    await setUp();
    const response = await call('/admin/reload', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'reloaded', generation: 2 });
  });

  it('waits for secret files written after the request, then reports the new hash', async () => {
    await setUp();
    const expected = hashSecretEntries([['proxy', 'http://proxy-two']]);
    const pending = call('/admin/reload', {
      method: 'POST',
      body: JSON.stringify({ secretsHash: expected }),
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(manager.status().generation).toBe(1);
    project.writeSecret('http://proxy-two');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'reloaded', secretsHash: expected, generation: 2 });
    const status = (await (await call('/admin/status')).json()) as { secretsHash: string };
    expect(status.secretsHash).toBe(expected);
  });

  it('gives up when the files never match, without reloading', async () => {
    await setUp(500);
    const expected = hashSecretEntries([['proxy', 'never-written']]);
    const response = await call('/admin/reload', {
      method: 'POST',
      body: JSON.stringify({ secretsHash: expected }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      status: 'timeout',
      expected,
      secretsHashOnDisk: hashSecretsDir(project.secretsDir),
    });
    expect(manager.status().generation).toBe(1);
  });

  it('rejects a malformed hash', async () => {
    await setUp();
    const response = await call('/admin/reload', {
      method: 'POST',
      body: JSON.stringify({ secretsHash: 'abc' }),
    });
    expect(response.status).toBe(400);
  });

  it('answers 500 and keeps the old configuration when the reload fails', async () => {
    await setUp();
    project.writeUserConfig(userConfigWithProxy('${MISSING_VAR_FOR_ADMIN}'));
    const response = await call('/admin/reload', { method: 'POST' });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ status: 'failed', generation: 1 });
    const status = (await (await call('/admin/status')).json()) as { reload: Record<string, unknown> };
    expect(status.reload.last_reload_status).toBe('error');
    expect(String(status.reload.last_reload_error)).toContain('MISSING_VAR_FOR_ADMIN');
  });
});

describe('admin Unix socket', () => {
  function socketGet(
    path: string,
    socketPath: string,
    method = 'GET',
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath, path, method }, (res) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('is created with mode 0600 and serves /health, /status and POST /reload', async () => {
    const ctx = await setUp();
    const socketPath = join(project.secretsDir, '..', 'run', 'mxcp.sock');
    const socket = await startAdminSocket({ ...ctx, adminSocketPath: socketPath }, socketPath);
    try {
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      expect(await socketGet('/health', socketPath)).toMatchObject({ status: 200, body: { status: 'ok' } });
      const status = await socketGet('/status', socketPath);
      expect(status.body).toMatchObject({ admin_socket: { path: socketPath } });
      const reload = await socketGet('/reload', socketPath, 'POST');
      expect(reload.body).toMatchObject({ status: 'reload_initiated' });
      await expect.poll(() => manager.status().generation).toBe(2);
    } finally {
      await socket.close();
    }
    expect(() => statSync(socketPath)).toThrow(/ENOENT/);
  });
});
