// The informer survives an API server restart: it backs off while the server is down and resumes
// (watch from its resourceVersion, or relist) when it is back. Needs its own control plane, because
// restarting the shared one would disturb every other test file.
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../../test/cluster/controlplane.js';
import { collectionPath } from './client.js';
import { Informer, type InformerSignal } from './informer.js';

let cp: ControlPlane;
let informer: Informer<V1ConfigMap> | undefined;

beforeAll(async () => {
  cp = await startControlPlane();
}, 300_000);

afterAll(async () => {
  await informer?.stop();
  await cp?.stop();
}, 120_000);

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Informer across an API server restart', () => {
  it('sees objects created after the API server came back', async () => {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = 'default';
    const added: string[] = [];
    const signals: InformerSignal[] = [];
    informer = new Informer<V1ConfigMap>({
      kubeConfig: cp.kubeConfig(),
      path: collectionPath({ group: '', version: 'v1', plural: 'configmaps' }, namespace),
      labelSelector: 'restart-test=yes',
      list: (sel) => core.listNamespacedConfigMap({ namespace, labelSelector: sel.labelSelector }),
      handlers: { onAdd: (o) => added.push(o.metadata!.name!) },
      onSignal: (s) => signals.push(s),
    });
    informer.start();
    await informer.synced;
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'before', labels: { 'restart-test': 'yes' } } },
    });
    await until(() => added.includes('before'), 'the add before the restart', 30_000);

    const watchesBefore = informer.stats().watches;
    await cp.restartApiServer();
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'after', labels: { 'restart-test': 'yes' } } },
    });
    // Backoff is capped at 30 s (±20%), so the informer is back within about a minute at worst.
    await until(() => added.includes('after'), 'the add after the restart', 120_000);
    expect(informer.stats().watches).toBeGreaterThan(watchesBefore);
    // The outage was seen (refused connections) and survived, not slept through.
    expect(informer.stats().restarts).toBeGreaterThan(0);
    expect(signals.some((s) => s.type === 'error')).toBe(true);
    expect(added.filter((n) => n === 'before')).toHaveLength(1);
    expect(
      informer
        .list(namespace)
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['after', 'before']);
  }, 300_000);
});
