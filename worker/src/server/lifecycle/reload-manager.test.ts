import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anonymousContext } from '../../engine/context.js';
import type { Engine } from '../../engine/types.js';
import { hashSecretsDir } from '../../config/secrets-hash.js';
import { ReloadManager, type ReloadResult } from './reload-manager.js';
import { createReloadProject, userConfigWithProxy, type ReloadProject } from './testdata/reload-project.js';

let project: ReloadProject;
let manager: ReloadManager | undefined;
const results: ReloadResult[] = [];

async function start(
  extra: Partial<ConstructorParameters<typeof ReloadManager>[1]> = {},
): Promise<ReloadManager> {
  const hash = hashSecretsDir(project.secretsDir);
  manager = new ReloadManager(
    await project.load(),
    { load: project.load, secretsDir: project.secretsDir, onReload: (r) => results.push(r), ...extra },
    hash,
  );
  return manager;
}

const ctx = () => anonymousContext('http');
const showSecret = async (engine: Engine) =>
  (await engine.callTool('show_secret', {}, ctx())).value as string;

beforeEach(() => {
  project = createReloadProject();
  results.length = 0;
});

afterEach(async () => {
  project.releaseGate();
  await manager?.close();
  manager = undefined;
  project.cleanup();
});

describe('ReloadManager.reload', () => {
  it('picks up a changed file:// secret and reports the new secrets hash', async () => {
    const m = await start();
    expect(await showSecret(m.engine())).toContain('http://proxy-one');
    const before = m.status().secretsHash;

    project.writeSecret('http://proxy-two');
    const result = await m.reload('api');

    expect(result).toMatchObject({ status: 'success', generation: 2, trigger: 'api' });
    expect(result.secretsHash).toBe(hashSecretsDir(project.secretsDir));
    expect(result.secretsHash).not.toBe(before);
    expect(await showSecret(m.engine())).toContain('http://proxy-two');
    expect(m.status()).toMatchObject({ lastReloadStatus: 'success', lastReloadError: null, generation: 2 });
    expect(results.map((r) => r.status)).toEqual(['success']);
  });

  it('picks up a user-config edit that points the secret at another value', async () => {
    const m = await start();
    project.writeUserConfig(userConfigWithProxy('http://literal-proxy'));
    await m.reload('signal');
    expect(await showSecret(m.engine())).toContain('http://literal-proxy');
  });

  it('keeps serving the old state when the new config is broken, and records why', async () => {
    const m = await start();
    project.writeUserConfig(userConfigWithProxy('${NOT_SET_ANYWHERE}'));
    const result = await m.reload('admin');

    expect(result.status).toBe('error');
    expect(result.error).toContain('NOT_SET_ANYWHERE');
    expect(result.generation).toBe(1);
    expect(m.status()).toMatchObject({ lastReloadStatus: 'error', generation: 1 });
    expect(m.status().lastReloadError).toContain('NOT_SET_ANYWHERE');
    expect(await showSecret(m.engine())).toContain('http://proxy-one');
    expect(results.map((r) => r.status)).toEqual(['error']);
  });

  it('lets a call that started before the swap finish on the old runtime, then closes it', async () => {
    const m = await start();
    const oldRuntime = m.current;
    const held = m.engine().callTool('wait_gate', {}, ctx());
    while (oldRuntime.activity.count === 0) await new Promise((r) => setTimeout(r, 10));

    const result = await m.reload('api');
    expect(result.status).toBe('success');
    expect(m.current).not.toBe(oldRuntime);
    // New calls go to the new runtime while the old one still has its call running.
    expect(await showSecret(m.engine())).toContain('proxy-one');
    expect(oldRuntime.activity.count).toBe(1);

    project.writeGate();
    expect((await held).value).toBe(4);
    // Retirement closes the old database once its call has finished.
    await expect
      .poll(async () =>
        oldRuntime.opened.engine.db.query('SELECT 1').then(
          () => 'open',
          (e: Error) => e.message,
        ),
      )
      .toMatch(/closed/);
    expect(await showSecret(m.engine())).toContain('proxy-one');
  });

  it('runs one reload at a time; requests during a reload share the next one', async () => {
    const m = await start();
    const [a, b, c] = await Promise.all([m.reload('api'), m.reload('api'), m.reload('api')]);
    expect(a.generation).toBe(2);
    expect(b.id).toBe(c.id);
    expect(b.generation).toBe(3);
    expect(m.status().generation).toBe(3);
  });

  it('applies wrapEngine to every runtime', async () => {
    const wrapped: number[] = [];
    const m = await start({
      wrapEngine: (engine) => {
        wrapped.push(wrapped.length + 1);
        return engine;
      },
    });
    await m.reload('api');
    expect(wrapped).toEqual([1, 2]);
  });
});

describe('ReloadManager shutdown', () => {
  it('drain waits for calls in progress', async () => {
    const m = await start();
    const held = m.engine().callTool('wait_gate', {}, ctx());
    while (m.activeRequests === 0) await new Promise((r) => setTimeout(r, 10));
    let drained = false;
    const draining = m.drain(60_000).then(() => (drained = true));
    expect(m.accepting).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(drained).toBe(false);
    project.writeGate();
    await draining;
    expect((await held).value).toBe(4);
  });

  it('refuses reloads once shutdown began', async () => {
    const m = await start();
    await m.drain(1000);
    const result = await m.reload('signal');
    expect(result).toMatchObject({ status: 'error', error: 'The server is shutting down' });
  });

  it('close closes the database', async () => {
    const m = await start();
    const db = m.current.opened.engine.db;
    await m.close();
    await expect(db.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});
