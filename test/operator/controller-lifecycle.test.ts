// The controller against a real API server, controller manager and garbage collector: a sample CR
// gets every child with a controller ownerReference, kubectl's table shows the printer columns, the
// Deployment controller creates a ReplicaSet; spec changes update children and roll the pods only
// for restart-worthy changes; children no longer wanted are deleted, deleted children come back,
// `kubectl rollout restart` survives, and deleting the CR garbage-collects everything.
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MxcpProject } from '../../operator/src/api/index.js';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../operator/src/api/index.js';
import { getJson } from '../../operator/src/controller/list.js';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import {
  applyProject,
  childPath,
  condition,
  eventuallyStatus,
  getDeployment,
  readSample,
  restartHashOf,
  useController,
} from './controller-support.js';

const ns = useTestNamespace();
const controller = useController(ns);
let cr: MxcpProject;

beforeAll(() => {
  cr = readSample('mxcp_v1alpha1_mxcpproject_hello.yaml');
  cr.metadata.namespace = ns.name;
});

const CHILDREN = [
  ['ConfigMap', 'hello-files'],
  ['Secret', 'hello-config'],
  ['Secret', 'hello-admin-token'],
  ['Service', 'hello'],
  ['Deployment', 'hello'],
] as const;

async function child<T extends KubernetesObject>(
  kind: Parameters<typeof childPath>[0],
  name: string,
): Promise<T> {
  return getJson<T>(ns.kubeConfig(), childPath(kind, ns.name, name));
}

async function absent(kind: Parameters<typeof childPath>[0], name: string): Promise<boolean> {
  try {
    const obj = await child(kind, name);
    // A PVC keeps its protection finalizer until the (not running) PVC protection controller drops it.
    return Boolean(obj.metadata?.deletionTimestamp);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return true;
    throw error;
  }
}

describe('a sample MxcpProject', () => {
  it('gets every child, each controlled by the CR, and a status with the in-cluster URL', async () => {
    const created = await applyProject(controller.client, cr);
    const uid = created.metadata.uid;
    for (const [kind, name] of CHILDREN) {
      const obj = await eventually(() => child(kind, name), undefined, {
        timeoutMs: 60_000,
        what: `${kind}/${name}`,
      });
      expect(obj.metadata?.ownerReferences).toEqual([
        {
          apiVersion: API_VERSION,
          kind: KIND,
          name: 'hello',
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(obj.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('mxcp-operator');
      // The CR's own labels (e.g. ArgoCD's instance label) are not copied.
      expect(obj.metadata?.labels?.['app.kubernetes.io/instance']).toBe('hello');
    }
    const status = await eventuallyStatus(
      controller.client,
      ns.name,
      'hello',
      (p) => condition(p, 'ConfigValid')?.status === 'True',
      'ConfigValid=True',
    );
    expect(status.status?.url).toBe(`http://hello.${ns.name}.svc:8000/mcp`);
    expect(condition(status, 'Ready')).toMatchObject({
      status: 'False',
      observedGeneration: status.metadata.generation,
    });
    expect(condition(status, 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(condition(status, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut' });
  });

  it('the controller manager creates the ReplicaSet of the Deployment, and replicas reach the status', async () => {
    const apps = ns.kubeConfig().makeApiClient(AppsV1Api);
    const sets = await eventually(
      () =>
        apps.listNamespacedReplicaSet({
          namespace: ns.name,
          labelSelector: 'app.kubernetes.io/instance=hello',
        }),
      (l) => l.items.length === 1,
      { timeoutMs: 60_000, what: 'a ReplicaSet' },
    );
    expect(sets.items[0].metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'hello' });
    // No kubelet: the pod never becomes ready, but it exists.
    await eventuallyStatus(
      controller.client,
      ns.name,
      'hello',
      (p) => p.status?.replicas === 1 && p.status.readyReplicas === 0,
      'status.replicas=1',
    );
  });

  it('kubectl get shows the Ready, Replicas, Endpoint and Age columns', async () => {
    const table = await getJson<{
      columnDefinitions: Array<{ name: string }>;
      rows: Array<{ cells: unknown[] }>;
    }>(ns.kubeConfig(), `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/${PLURAL}`, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    const names = table.columnDefinitions.map((c) => c.name);
    expect(names.slice(0, 5)).toEqual(['Name', 'Ready', 'Replicas', 'Endpoint', 'Age']);
    const row = table.rows[0].cells;
    expect(row[0]).toBe('hello');
    expect(row[1]).toBe('False');
    expect(row[2]).toBe(1);
    expect(row[3]).toBe(`http://hello.${ns.name}.svc:8000/mcp`);
    expect(String(row[4])).toMatch(/^\d+[sm]$/);
  });

  it('changing replicas or audit retention updates the children without rolling the pods', async () => {
    const before = restartHashOf(await getDeployment(controller.client, ns.name, 'hello'));
    expect(before).toMatch(/^[0-9a-f]{64}$/);

    cr.spec.replicas = 2;
    cr.spec.transport = { stateless: true };
    cr.spec.audit = { enabled: true, retentionDays: 30, storage: { accessModes: ['ReadWriteMany'] } };
    await applyProject(controller.client, cr);
    // stateless changes the serve arguments: that one rolls.
    const scaled = await eventually(
      () => getDeployment(controller.client, ns.name, 'hello'),
      (d) => d?.spec?.replicas === 2,
      { timeoutMs: 60_000, what: 'Deployment scaled to 2' },
    );
    const afterScale = restartHashOf(scaled);
    expect(afterScale).not.toBe(before);
    const pdb = await eventually(() => child('PodDisruptionBudget', 'hello'), undefined, {
      timeoutMs: 60_000,
      what: 'PDB',
    });
    expect(pdb.metadata?.ownerReferences?.[0]?.controller).toBe(true);
    const cron = await eventually(
      () =>
        child<
          KubernetesObject & {
            spec: {
              jobTemplate: {
                spec: {
                  template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } };
                };
              };
            };
          }
        >('CronJob', 'hello-log-cleanup'),
      undefined,
      { timeoutMs: 60_000, what: 'CronJob' },
    );
    const retention = () =>
      cron.spec.jobTemplate.spec.template.spec.containers[0].env.find(
        (e) => e.name === 'MXCP_AUDIT_RETENTION_DAYS',
      )?.value;
    expect(retention()).toBe('30');
    await eventually(() => child('PersistentVolumeClaim', 'hello-audit'), undefined, {
      timeoutMs: 60_000,
      what: 'audit PVC',
    });
    const withAudit = restartHashOf(await getDeployment(controller.client, ns.name, 'hello'));

    // Retention only reaches the cleanup job: no pod restart.
    cr.spec.audit = { ...cr.spec.audit, retentionDays: 7 };
    await applyProject(controller.client, cr);
    await eventually(
      () => child<typeof cron>('CronJob', 'hello-log-cleanup'),
      (c) =>
        c.spec.jobTemplate.spec.template.spec.containers[0].env.some(
          (e) => e.name === 'MXCP_AUDIT_RETENTION_DAYS' && e.value === '7',
        ),
      { timeoutMs: 60_000, what: 'retention 7 in the CronJob' },
    );
    expect(restartHashOf(await getDeployment(controller.client, ns.name, 'hello'))).toBe(withAudit);

    // Replicas alone: no restart either.
    cr.spec.replicas = 3;
    await applyProject(controller.client, cr);
    const three = await eventually(
      () => getDeployment(controller.client, ns.name, 'hello'),
      (d) => d?.spec?.replicas === 3,
      { timeoutMs: 60_000, what: 'replicas 3' },
    );
    expect(restartHashOf(three)).toBe(withAudit);
  });

  it('changing a project file or the image rolls the pods (new restart hash)', async () => {
    const before = restartHashOf(await getDeployment(controller.client, ns.name, 'hello'));
    cr.spec.files = {
      ...cr.spec.files!,
      'tools/hello.yml': cr.spec.files!['tools/hello.yml'].replace("'hello '", "'hi '"),
    };
    await applyProject(controller.client, cr);
    const afterFiles = await eventually(
      () => getDeployment(controller.client, ns.name, 'hello'),
      (d) => restartHashOf(d) !== before,
      { timeoutMs: 60_000, what: 'a new restart hash after a file change' },
    );
    const files = await child<KubernetesObject & { data: Record<string, string> }>(
      'ConfigMap',
      'hello-files',
    );
    expect(files.data['tools__hello.yml']).toContain("'hi '");

    cr.spec.image = 'registry.example.com/mxcp-worker:other';
    await applyProject(controller.client, cr);
    const afterImage = await eventually(
      () => getDeployment(controller.client, ns.name, 'hello'),
      (d) => d?.spec?.template?.spec?.containers?.[0]?.image === 'registry.example.com/mxcp-worker:other',
      { timeoutMs: 60_000, what: 'the new image' },
    );
    expect(restartHashOf(afterImage)).not.toBe(restartHashOf(afterFiles));
  });

  it('kubectl rollout restart is not reverted, also when the operator applies a later change', async () => {
    const apps = ns.kubeConfig().makeApiClient(AppsV1Api);
    const restartedAt = new Date().toISOString();
    // What `kubectl rollout restart` sends: a strategic merge patch from another field manager.
    await apps.patchNamespacedDeployment(
      {
        namespace: ns.name,
        name: 'hello',
        fieldManager: 'kubectl-rollout',
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const before = restartHashOf(await getDeployment(controller.client, ns.name, 'hello'));
    cr.spec.files = {
      ...cr.spec.files!,
      'tools/hello.yml': cr.spec.files!['tools/hello.yml'].replace("'hi '", "'hey '"),
    };
    await applyProject(controller.client, cr);
    const after = await eventually(
      () => getDeployment(controller.client, ns.name, 'hello'),
      (d) => restartHashOf(d) !== before,
      { timeoutMs: 60_000, what: 'the next rollout' },
    );
    expect(after?.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(
      restartedAt,
    );
  });

  it('turning audit off and going back to one replica deletes the CronJob, the audit PVC and the PDB', async () => {
    cr.spec.audit = { enabled: false };
    cr.spec.replicas = 1;
    await applyProject(controller.client, cr);
    await eventually(
      () => absent('CronJob', 'hello-log-cleanup'),
      (gone) => gone,
      { timeoutMs: 60_000, what: 'CronJob deleted' },
    );
    await eventually(
      () => absent('PodDisruptionBudget', 'hello'),
      (gone) => gone,
      { timeoutMs: 60_000, what: 'PDB deleted' },
    );
    await eventually(
      () => absent('PersistentVolumeClaim', 'hello-audit'),
      (gone) => gone,
      { timeoutMs: 60_000, what: 'audit PVC deleted' },
    );
    // The rest stays.
    for (const [kind, name] of CHILDREN)
      expect((await child(kind, name)).metadata?.deletionTimestamp).toBeUndefined();
  });

  it('a deleted child is recreated, and the admin token survives a re-render', async () => {
    const token = (
      await child<KubernetesObject & { data: Record<string, string> }>('Secret', 'hello-admin-token')
    ).data.token;
    expect(Buffer.from(token, 'base64').toString().length).toBeGreaterThanOrEqual(32);
    const apps = ns.kubeConfig().makeApiClient(AppsV1Api);
    const old = await apps.readNamespacedDeployment({ namespace: ns.name, name: 'hello' });
    await apps.deleteNamespacedDeployment({ namespace: ns.name, name: 'hello' });
    const back = await eventually(
      () => getDeployment(controller.client, ns.name, 'hello'),
      (d: V1Deployment | undefined) =>
        Boolean(d && d.metadata?.uid !== old.metadata?.uid && !d.metadata?.deletionTimestamp),
      { timeoutMs: 60_000, what: 'the Deployment recreated' },
    );
    expect(back?.metadata?.ownerReferences?.[0]?.controller).toBe(true);
    await controller.client.delete({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hello', namespace: ns.name },
    });
    await eventually(
      () => child('Service', 'hello'),
      (s) => !s.metadata?.deletionTimestamp,
      { timeoutMs: 60_000, what: 'the Service recreated' },
    );
    const again = (
      await child<KubernetesObject & { data: Record<string, string> }>('Secret', 'hello-admin-token')
    ).data.token;
    expect(again).toBe(token);
  });

  it('deleting the CR garbage-collects every child', async () => {
    await controller.client.delete({
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name: 'hello', namespace: ns.name },
    });
    for (const [kind, name] of CHILDREN) {
      await eventually(
        () => absent(kind, name),
        (gone) => gone,
        { timeoutMs: 90_000, what: `${kind}/${name} garbage-collected` },
      );
    }
  });
});
