// The reload coordinator against a real worker process (`mxcp serve` with its admin API and a
// secrets directory laid out like a mounted Secret): acknowledgement without a reload when the pod
// already runs the hash, a reload when the files change, and replacement of a pod whose files never
// reach the hash. The pod deletion and the Event are the controller's callbacks; here they record
// what they were asked to do.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecretsDir } from '../../../worker/src/config/secrets-hash.js';
import { copyProject, startServe, type RunningServer } from '../../../test/support/mxcp.js';
import { ReloadCoordinator, type ReloadSnapshot, type WorkerPod } from './coordinator.js';
import { httpPodAdmin } from './pod-admin.js';

const TOKEN = 'coordinator-test-token';

describe('ReloadCoordinator with a real worker', () => {
  let root: string;
  let secretsDir: string;
  let project: { dir: string; cleanup: () => void };
  let server: RunningServer;
  let adminPort: number;
  const progress: string[] = [];
  const deleted: string[] = [];
  const events: string[] = [];
  let coordinator: ReloadCoordinator;

  const pod: WorkerPod = {
    namespace: 'ns',
    name: 'worker-0',
    uid: 'uid-0',
    ip: '127.0.0.1',
    ready: true,
    deleting: false,
  };
  const target = (secretsHash: string) => ({
    key: 'ns/p',
    secretsHash,
    adminPort,
    adminToken: TOKEN,
    pods: [pod],
  });
  const writeSecret = (value: string) => writeFileSync(join(secretsDir, 'db-creds', 'password'), value);

  /** Observes until `done` holds (the coordinator works in the background and reports progress). */
  async function observeUntil(hash: string, done: (s: ReloadSnapshot) => boolean): Promise<ReloadSnapshot> {
    const until = Date.now() + 45_000;
    for (;;) {
      const snapshot = coordinator.observe(target(hash));
      if (done(snapshot)) return snapshot;
      if (Date.now() > until) throw new Error(`not reached: ${JSON.stringify(snapshot)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mxcp-reload-'));
    secretsDir = join(root, 'secrets');
    mkdirSync(join(secretsDir, 'db-creds'), { recursive: true });
    writeSecret('first');
    writeFileSync(join(root, 'token'), TOKEN);
    project = copyProject('examples/quickstart');
    server = await startServe(project.dir, [
      '--admin-port',
      '0',
      '--admin-token-file',
      join(root, 'token'),
      '--secrets-dir',
      secretsDir,
      '--reload-wait-timeout',
      '1',
    ]);
    const m = /Admin API listening on http:\/\/[^\s]+:(\d+)/.exec(server.output());
    if (!m) throw new Error(`no admin address in:\n${server.output()}`);
    adminPort = Number(m[1]);
    coordinator = new ReloadCoordinator({
      admin: httpPodAdmin,
      ackTimeoutMs: 4000,
      retryDelayMs: 200,
      deletePod: async (namespace, name) => void deleted.push(`${namespace}/${name}`),
      podReplaced: async (key, p, message) => void events.push(`${key} ${p.name}: ${message}`),
      onProgress: (key) => void progress.push(key),
    });
  });

  afterAll(async () => {
    await coordinator?.stop();
    if (server) await server.stop();
    project?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('acknowledges a pod that already runs the hash, without reloading it', async () => {
    const hash = hashSecretsDir(secretsDir);
    const before = (await statusOf()).reload.generation;
    const snapshot = await observeUntil(hash, (s) => s.reloadedReplicas === 1);
    expect(snapshot).toMatchObject({ secretsHash: hash, readyReplicas: 1, failing: false, failures: [] });
    expect(snapshot.lastReloadTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await statusOf()).reload.generation).toBe(before);
    expect(progress).toContain('ns/p');
  });

  it('asks the pod to reload when the mounted files change, and the pod then runs the new hash', async () => {
    writeSecret('rotated');
    const hash = hashSecretsDir(secretsDir);
    const before = (await statusOf()).reload.generation;
    await observeUntil(hash, (s) => s.reloadedReplicas === 1);
    const status = await statusOf();
    expect(status.secretsHash).toBe(hash);
    expect(status.reload.generation).toBe(before + 1);
  });

  it('replaces a pod whose files never reach the hash, records why, and says the round is failing', async () => {
    const unreachable = 'f'.repeat(64);
    const snapshot = await observeUntil(unreachable, (s) => s.failures.length > 0);
    expect(deleted).toEqual(['ns/worker-0']);
    expect(snapshot).toMatchObject({ reloadedReplicas: 0, readyReplicas: 1, failing: true });
    expect(snapshot.failures[0]).toMatchObject({ pod: 'worker-0' });
    expect(snapshot.failures[0]!.message).toMatch(
      /did not load secrets hash ffffffffffff within 4 s .*HTTP 409/,
    );
    expect(events[0]).toContain('ns/p worker-0: Pod worker-0 did not load secrets hash ffffffffffff');
    // The worker kept its configuration: a reload it could not verify is not done.
    expect((await statusOf()).secretsHash).toBe(hashSecretsDir(secretsDir));
  });

  async function statusOf(): Promise<{ secretsHash: string; reload: { generation: number } }> {
    const res = await fetch(`http://127.0.0.1:${adminPort}/admin/status`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return (await res.json()) as { secretsHash: string; reload: { generation: number } };
  }
});
