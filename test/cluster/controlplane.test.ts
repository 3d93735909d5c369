import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  VersionApi,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startControlPlane, WRITE_VERBS } from './controlplane.js';
import { eventually } from './eventually.js';
import { useTestNamespace } from './namespace.js';
import { isAlive } from './running.js';

const ns = useTestNamespace();

function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe('the shared test control plane', () => {
  it('answers /version as Kubernetes v1.37.2', async () => {
    const version = await ns.kubeConfig().makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.37.2');
    expect(version.minor).toBe('37');
  });

  it('runs the deployment and replicaset controllers, which create a ReplicaSet and Pods', async () => {
    const apps = ns.kubeConfig().makeApiClient(AppsV1Api);
    const core = ns.kubeConfig().makeApiClient(CoreV1Api);
    const labels = { app: 'web' };
    const deployment = await apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
          },
        },
      },
    });
    const replicaSets = await eventually(
      () => apps.listNamespacedReplicaSet({ namespace: ns.name }),
      (list) => list.items.length === 1,
      { what: 'a ReplicaSet for the Deployment' },
    );
    const rs = replicaSets.items[0];
    expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      uid: deployment.metadata?.uid,
    });
    const pods = await eventually(
      () => core.listNamespacedPod({ namespace: ns.name }),
      (list) => list.items.length === 2,
      { what: 'two Pods for the ReplicaSet' },
    );
    for (const pod of pods.items) {
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', uid: rs.metadata?.uid });
      // No scheduler or kubelet: pods exist as objects only.
      expect(pod.spec?.nodeName).toBeUndefined();
    }

    await apps.deleteNamespacedDeployment({ namespace: ns.name, name: 'web' });
    await eventually(
      () => apps.listNamespacedReplicaSet({ namespace: ns.name }),
      (list) => list.items.length === 0,
      { what: 'the garbage collector deleting the ReplicaSet' },
    );
    await eventually(
      () => core.listNamespacedPod({ namespace: ns.name }),
      (list) => list.items.length === 0,
      { what: 'the garbage collector deleting the Pods' },
    );
  });

  it('applies objects server-side and records the field manager', async () => {
    const objects = KubernetesObjectApi.makeApiClient(ns.kubeConfig());
    const config: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace: ns.name },
      data: { greeting: 'hello' },
    };
    await objects.patch(config, undefined, undefined, 'mxcp-test', true, PatchStrategy.ServerSideApply);
    const applied = await objects.patch(
      { ...config, data: { greeting: 'bonjour' } },
      undefined,
      undefined,
      'mxcp-test',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(applied.data).toEqual({ greeting: 'bonjour' });
    const managers = applied.metadata?.managedFields?.map((f) => [f.manager, f.operation]);
    expect(managers).toEqual([['mxcp-test', 'Apply']]);
  });

  it('records every write request in the audit log with the user who made it', async () => {
    const since = new Date();
    const core = ns.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'audited' } } });
    await core.readNamespacedConfigMap({ namespace: ns.name, name: 'audited' });
    const writes = await eventually(
      () =>
        ns.cluster.auditEvents({
          user: 'admin',
          verbs: WRITE_VERBS,
          since,
          namespace: ns.name,
          resource: 'configmaps',
        }),
      (events) => events.length >= 1,
      { what: 'the audit event of the create' },
    );
    expect(writes.map((e) => [e.verb, e.objectRef?.name, e.responseStatus?.code])).toEqual([
      ['create', 'audited', 201],
    ]);
    const reads = await ns.cluster.auditEvents({ user: 'admin', verbs: ['get'], since, namespace: ns.name });
    expect(reads.map((e) => e.objectRef?.name)).toContain('audited');
  });

  it('gives a service account only what RBAC grants it', async () => {
    const path = await ns.cluster.kubeconfigForServiceAccount(ns.name, 'reader');
    const asReader = kubeConfigFrom(path).makeApiClient(CoreV1Api);
    expect(await statusOf(asReader.listNamespacedConfigMap({ namespace: ns.name }))).toBe(403);

    const rbac = ns.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns.name }],
      },
    });
    await eventually(
      () => statusOf(asReader.listNamespacedConfigMap({ namespace: ns.name })),
      (s) => s === 200,
      {
        what: 'the RoleBinding taking effect',
      },
    );
    // Still only what the Role lists.
    expect(
      await statusOf(
        asReader.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: 'nope' } } }),
      ),
    ).toBe(403);
    const denied = await ns.cluster.auditEvents({
      user: `system:serviceaccount:${ns.name}:reader`,
      verbs: ['create'],
      namespace: ns.name,
    });
    expect(denied.map((e) => e.responseStatus?.code)).toEqual([403]);
  });

  it('authenticates a client-certificate user with its groups', async () => {
    const path = await ns.cluster.kubeconfigForUser('alice', ['team-a']);
    const asAlice = kubeConfigFrom(path).makeApiClient(CoreV1Api);
    expect(await statusOf(asAlice.listNamespacedSecret({ namespace: ns.name }))).toBe(403);
    const rbac = ns.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'team-a-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }],
      },
    });
    await eventually(
      () => statusOf(asAlice.listNamespacedSecret({ namespace: ns.name })),
      (s) => s === 200,
      {
        what: 'the group RoleBinding taking effect',
      },
    );
  });
});

// Restarting the API server would break every other test using the shared cluster at that moment,
// so this one gets a control plane of its own (which also tests start and stop).
describe('a control plane of its own', () => {
  it('serves again after restartApiServer(), and stop() leaves no process or directory behind', async () => {
    const cp = await startControlPlane();
    try {
      const core = cp.kubeConfig().makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'survivor' } },
      });
      await cp.restartApiServer();
      const list = await core.listNamespacedConfigMap({ namespace: 'default' });
      expect(list.items.map((c) => c.metadata?.name)).toContain('survivor');
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'after-restart' } },
      });
      // Both API server processes append to the one audit log.
      const creates = await eventually(
        () => cp.auditEvents({ user: 'admin', verbs: ['create'], resource: 'configmaps' }),
        (events) => events.length >= 2,
        { what: 'audit events from before and after the restart' },
      );
      expect(creates.map((e) => e.objectRef?.name)).toEqual(['survivor', 'after-restart']);
    } finally {
      const pids = cp.pids();
      expect(pids).toHaveLength(3);
      await cp.stop();
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
      expect(existsSync(cp.dir)).toBe(false);
    }
  });
});
