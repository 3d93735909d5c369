// The supervised informer against the shared test API server: list, watch, cache, resync, watchdog.
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../../../test/cluster/namespace.js';
import { collectionPath } from './client.js';
import { Informer, type InformerOptions, type InformerSignal } from './informer.js';

const ns = useTestNamespace();
let core: CoreV1Api;
const started: Array<Informer<V1ConfigMap>> = [];

beforeAll(() => {
  core = ns.kubeConfig().makeApiClient(CoreV1Api);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((i) => i.stop()));
});

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Seen {
  added: string[];
  updated: Array<[string, string | undefined]>;
  deleted: string[];
  signals: InformerSignal[];
}

function configMapInformer(
  label: string,
  extra: Partial<InformerOptions<V1ConfigMap>> = {},
): { informer: Informer<V1ConfigMap>; seen: Seen } {
  const seen: Seen = { added: [], updated: [], deleted: [], signals: [] };
  const labelSelector = `informer-test=${label}`;
  const informer = new Informer<V1ConfigMap>({
    kubeConfig: ns.kubeConfig(),
    path: collectionPath({ group: '', version: 'v1', plural: 'configmaps' }, ns.name),
    labelSelector,
    list: (sel) => core.listNamespacedConfigMap({ namespace: ns.name, labelSelector: sel.labelSelector }),
    handlers: {
      onAdd: (o) => seen.added.push(o.metadata!.name!),
      onUpdate: (o) => seen.updated.push([o.metadata!.name!, o.data?.v]),
      onDelete: (o) => seen.deleted.push(o.metadata!.name!),
    },
    onSignal: (s) => seen.signals.push(s),
    ...extra,
  });
  started.push(informer);
  return { informer, seen };
}

const cm = (name: string, label: string, v: string): V1ConfigMap => ({
  metadata: { name, labels: { 'informer-test': label } },
  data: { v },
});

describe('Informer', () => {
  it('lists existing objects, then follows adds, updates and deletes through the watch', async () => {
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('pre', 'basic', '0') });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('other-label', 'unrelated', '0') });
    const { informer, seen } = configMapInformer('basic');
    informer.start();
    await informer.synced;
    expect(informer.hasSynced).toBe(true);
    expect(seen.added).toEqual(['pre']);
    expect(informer.get(ns.name, 'pre')?.data).toEqual({ v: '0' });

    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('live', 'basic', '1') });
    await until(() => seen.added.includes('live'), 'add event');
    await core.patchNamespacedConfigMap({
      namespace: ns.name,
      name: 'live',
      body: [{ op: 'replace', path: '/data/v', value: '2' }],
    });
    await until(() => seen.updated.some(([n, v]) => n === 'live' && v === '2'), 'update event');
    expect(informer.get(ns.name, 'live')?.data?.v).toBe('2');

    await core.deleteNamespacedConfigMap({ namespace: ns.name, name: 'pre' });
    await until(() => seen.deleted.includes('pre'), 'delete event');
    expect(informer.get(ns.name, 'pre')).toBeUndefined();
    expect(informer.list(ns.name).map((o) => o.metadata?.name)).toEqual(['live']);
    expect(informer.list('elsewhere')).toEqual([]);
    expect(informer.keys()).toEqual([`${ns.name}/live`]);
    // The unrelated label never entered the cache.
    expect(seen.added).not.toContain('other-label');
  });

  it('resync re-delivers every cached object as an update', async () => {
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('r1', 'resync', 'a') });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('r2', 'resync', 'b') });
    const { informer, seen } = configMapInformer('resync', { resyncMs: 300 });
    informer.start();
    await informer.synced;
    await until(() => informer.stats().resyncs >= 2, 'two resyncs');
    const names = new Set(seen.updated.map(([n]) => n));
    expect(names).toEqual(new Set(['r1', 'r2']));
    expect(seen.signals.some((s) => s.type === 'resync' && s.count === 2)).toBe(true);
  });

  it('the watchdog relists a silent watch, diffs the cache, and the informer keeps following events', async () => {
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('quiet', 'watchdog', '1') });
    const { informer, seen } = configMapInformer('watchdog', { watchdogMs: 1500 });
    informer.start();
    await informer.synced;
    await until(
      () => informer.stats().watchdogFirings >= 1 && informer.stats().lists >= 2,
      'a watchdog relist',
      45_000,
    );
    expect(seen.signals.some((s) => s.type === 'relist' && s.reason === 'watchdog')).toBe(true);
    // A relist of an unchanged world delivers nothing new.
    expect(seen.added).toEqual(['quiet']);
    expect(seen.updated).toEqual([]);

    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('after', 'watchdog', '1') });
    await until(() => seen.added.includes('after'), 'an add after the relist');
  });

  it('when the watch keeps failing, relists deliver exactly the differences (update, delete, add)', async () => {
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('keep', 'relist', '1') });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('change', 'relist', '1') });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('remove', 'relist', '1') });
    const { informer, seen } = configMapInformer('relist', {
      // The list works; the watch path does not exist, so every watch fails and the informer relists.
      path: `/api/v1/namespaces/${ns.name}/no-such-resource`,
      backoffInitialMs: 100,
      backoffMaxMs: 300,
    });
    informer.start();
    await informer.synced;
    expect(seen.added.sort()).toEqual(['change', 'keep', 'remove']);
    await core.patchNamespacedConfigMap({
      namespace: ns.name,
      name: 'change',
      body: [{ op: 'replace', path: '/data/v', value: '2' }],
    });
    await core.deleteNamespacedConfigMap({ namespace: ns.name, name: 'remove' });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('new', 'relist', '1') });
    await until(
      () => seen.deleted.includes('remove') && seen.added.includes('new') && seen.updated.length > 0,
      'the differences from a relist',
    );
    expect(seen.updated).toEqual([['change', '2']]);
    expect(seen.deleted).toEqual(['remove']);
    expect(
      informer
        .list(ns.name)
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['change', 'keep', 'new']);
    expect(informer.stats().errors).toBeGreaterThan(0);
    expect(informer.stats().lists).toBeGreaterThan(1);
  });

  it('a handler that throws is reported and does not stop the informer', async () => {
    const { informer, seen } = configMapInformer('throws', {
      handlers: {
        onAdd: (o) => {
          seen.added.push(o.metadata!.name!);
          throw new Error('handler bug');
        },
      },
    });
    informer.start();
    await informer.synced;
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('t1', 'throws', '1') });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: cm('t2', 'throws', '1') });
    await until(() => seen.added.length === 2, 'both adds');
    expect(seen.signals.filter((s) => s.type === 'handler-error')).toHaveLength(2);
  });

  it('keeps retrying a list the server refuses, with backoff, and stop() rejects synced', async () => {
    const { informer, seen } = configMapInformer('refused', {
      path: collectionPath({ group: 'no.such.group', version: 'v1', plural: 'things' }, ns.name),
      list: () => Promise.reject(Object.assign(new Error('not found'), { statusCode: 404 })),
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
    informer.start();
    await until(() => informer.stats().errors >= 3, 'three failed lists');
    const delays = seen.signals.flatMap((s) => (s.type === 'error' ? [s.retryInMs] : []));
    expect(delays[0]).toBeLessThanOrEqual(60);
    expect(Math.max(...delays)).toBeGreaterThan(delays[0]!);
    await informer.stop();
    await expect(informer.synced).rejects.toThrow(/stopped before/);
  });
});
