// Server-side apply, status apply and the typed error helpers against the real API server.
import { randomBytes } from 'node:crypto';
import {
  ApiextensionsV1Api,
  KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../../../test/cluster/namespace.js';
import { FIELD_MANAGER, KubeClient, loadKubeConfig, type ResourceType } from './client.js';
import { isConflict, isForbidden } from './errors.js';

const ns = useTestNamespace();
let client: KubeClient;

beforeAll(() => {
  client = new KubeClient(ns.kubeConfig());
});

function configMap(name: string, data: Record<string, string>, labels?: Record<string, string>): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns.name, labels }, data };
}

const managers = (obj: KubernetesObject) => (obj.metadata?.managedFields ?? []).map((f) => f.manager);

describe('applyObject (server-side apply)', () => {
  it('creates an object and a second identical apply changes nothing', async () => {
    const first = await client.applyObject(configMap('ssa-idempotent', { a: '1' }));
    expect(first.metadata?.resourceVersion).toBeTruthy();
    expect(managers(first)).toContain(FIELD_MANAGER);
    const second = await client.applyObject(configMap('ssa-idempotent', { a: '1' }));
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it('applying an object read back from the server (with resourceVersion and managedFields) still works', async () => {
    const created = await client.applyObject(configMap('ssa-roundtrip', { a: '1' }));
    const again = await client.applyObject({ ...created, data: { a: '2' } });
    expect(again.data).toEqual({ a: '2' });
  });

  it('keeps fields another manager owns and prunes fields the operator stopped applying', async () => {
    await client.applyObject(configMap('ssa-shared', { ours: '1', dropped: 'x' }));
    // Another actor (kubectl, an HPA…) applies its own field under its own manager.
    await client.applyObject(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ssa-shared', namespace: ns.name, labels: { team: 'blue' } },
        data: { theirs: 'y' },
      },
      { fieldManager: 'someone-else', force: false },
    );
    const after = await client.applyObject(configMap('ssa-shared', { ours: '2' }));
    expect(after.data).toEqual({ ours: '2', theirs: 'y' });
    expect(after.metadata?.labels).toEqual({ team: 'blue' });
    expect(managers(after)).toEqual(expect.arrayContaining([FIELD_MANAGER, 'someone-else']));
  });

  it('without force, a conflicting apply is refused with 409; with force the operator takes the field', async () => {
    await client.applyObject(configMap('ssa-conflict', { k: 'operator' }));
    const foreign = configMap('ssa-conflict', { k: 'intruder' });
    const refused = await client
      .applyObject(foreign, { fieldManager: 'intruder', force: false })
      .catch((e: unknown) => e);
    expect(isConflict(refused)).toBe(true);
    await client.applyObject(foreign, { fieldManager: 'intruder', force: true });
    const back = await client.applyObject(configMap('ssa-conflict', { k: 'operator' }));
    expect(back.data).toEqual({ k: 'operator' });
  });

  it('dry run validates without persisting', async () => {
    const dry = await client.applyObject(configMap('ssa-dry', { a: '1' }), { dryRun: true });
    expect(dry.data).toEqual({ a: '1' });
    expect(await client.get('v1', 'ConfigMap', ns.name, 'ssa-dry')).toBeUndefined();
  });
});

describe('get, list and delete', () => {
  it('get returns undefined for a missing object and the object otherwise', async () => {
    expect(await client.get('v1', 'ConfigMap', ns.name, 'nope')).toBeUndefined();
    await client.applyObject(configMap('present', { a: '1' }));
    const got = await client.get<V1ConfigMap>('v1', 'ConfigMap', ns.name, 'present');
    expect(got?.data).toEqual({ a: '1' });
  });

  it('list honours the label selector', async () => {
    await client.applyObject(configMap('sel-a', {}, { pick: 'yes' }));
    await client.applyObject(configMap('sel-b', {}, { pick: 'no' }));
    const picked = await client.list<V1ConfigMap>('v1', 'ConfigMap', ns.name, { labelSelector: 'pick=yes' });
    expect(picked.map((c) => c.metadata?.name)).toEqual(['sel-a']);
  });

  it('delete reports whether there was something to delete', async () => {
    await client.applyObject(configMap('doomed', {}));
    expect(await client.delete(configMap('doomed', {}))).toBe(true);
    expect(await client.delete(configMap('doomed', {}))).toBe(false);
  });

  it('a user without RBAC gets errors that isForbidden recognises', async () => {
    const path = await ns.cluster.kubeconfigForUser('nobody-special');
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const nobody = new KubeClient(kc);
    const err = await nobody.list('v1', 'ConfigMap', ns.name).catch((e: unknown) => e);
    expect(isForbidden(err)).toBe(true);
  });

  it('loadKubeConfig reads an explicit kubeconfig path', () => {
    const kc = loadKubeConfig({ kubeconfigPath: ns.cluster.kubeconfigPath });
    expect(kc.getCurrentCluster()?.server).toBe(ns.cluster.server);
  });
});

describe('applyStatus (status subresource)', () => {
  const group = `k${randomBytes(3).toString('hex')}.kube-test.mxcp.dev`;
  const widget: ResourceType = { group, version: 'v1', plural: 'widgets', kind: 'Widget' };
  let crds: ApiextensionsV1Api;

  beforeAll(async () => {
    crds = ns.kubeConfig().makeApiClient(ApiextensionsV1Api);
    // The typed client serializes V1JSONSchemaProps by its TypeScript names.
    const open = { type: 'object', x_kubernetes_preserve_unknown_fields: true };
    await crds.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: { openAPIV3Schema: { type: 'object', properties: { spec: open, status: open } } },
            },
          ],
        },
      },
    });
    // Usable once Established and the discovery/REST endpoint answers.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const crd = await crds.readCustomResourceDefinition({ name: `widgets.${group}` });
      const established = crd.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (
        established &&
        (await client.custom.listNamespacedCustomObject({ ...widget, namespace: ns.name }).then(
          () => true,
          () => false,
        ))
      )
        break;
      if (Date.now() > deadline) throw new Error('CRD not established in time');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await crds?.deleteCustomResourceDefinition({ name: `widgets.${group}` });
  });

  it('writes status without touching spec or generation, and an identical status apply changes nothing', async () => {
    const created = await client.applyObject({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: ns.name },
      spec: { size: 3 },
    } as KubernetesObject);
    const generation = created.metadata?.generation;
    const status = {
      observedGeneration: generation,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: 'ok',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const first = await client.applyStatus(widget, ns.name, 'w1', status);
    expect(first.status).toEqual(status);
    expect((first as { spec?: unknown }).spec).toEqual({ size: 3 });
    expect(first.metadata?.generation).toBe(generation);
    const second = await client.applyStatus(widget, ns.name, 'w1', status);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it("status fields the operator stops applying are removed; another manager's status fields stay", async () => {
    await client.applyObject({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w2', namespace: ns.name },
      spec: {},
    } as KubernetesObject);
    await client.applyStatus(widget, ns.name, 'w2', { phase: 'A', url: 'http://x' });
    await client.applyStatus(
      widget,
      ns.name,
      'w2',
      { note: 'from elsewhere' },
      { fieldManager: 'other-controller' },
    );
    const after = await client.applyStatus(widget, ns.name, 'w2', { phase: 'B' });
    expect(after.status).toEqual({ phase: 'B', note: 'from elsewhere' });
  });

  it('status in an applyObject body is ignored by the main resource (status subresource enabled)', async () => {
    const obj = await client.applyObject({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w3', namespace: ns.name },
      spec: {},
      status: { phase: 'sneaky' },
    } as KubernetesObject);
    expect((obj as { status?: unknown }).status).toBeUndefined();
  });
});
