// config/rbac is the operator's whole permission set, proven on the real API server: the rules are
// applied, the operator runs as the ServiceAccount they bind (a TokenRequest token, so RBAC decides
// every request), a project converges (children, status, events) and the audit log holds not one 403
// for that identity. Then the same identity tries what it must never do and gets 403.
// Cluster-scoped RBAC objects get a per-namespace name suffix (as kustomize's nameSuffix would), so
// parallel files on the shared cluster do not share them. The cluster-wide watch is exercised by
// apiserver-restart.test.ts (a private cluster, where watching all namespaces disturbs nobody).
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import {
  MXCP,
  OperatorProcess,
  applyObjects,
  applyProject,
  installCrd,
  loadKustomization,
  parseYaml,
  sampleProject,
  waitConverged,
} from './operator-process.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe('config/rbac', { timeout: 180_000 }, () => {
  it('grants a namespaced install exactly the cluster-wide rules', () => {
    const [clusterRole] = parseYaml('config/rbac/role.yaml') as { kind: string; rules: Rule[] }[];
    const [role] = parseYaml('config/rbac/namespaced/role.yaml') as { kind: string; rules: Rule[] }[];
    expect(clusterRole.kind).toBe('ClusterRole');
    expect(role.kind).toBe('Role');
    expect(role.rules).toEqual(clusterRole.rules);
    // Every write is a server-side apply: no `update`, and never the project's spec.
    for (const rule of clusterRole.rules) expect(rule.verbs).not.toContain('update');
    const projectRule = clusterRole.rules.find((r) => r.resources?.includes('mxcpprojects'));
    expect(projectRule?.verbs.sort()).toEqual(['get', 'list', 'watch']);
  });
});

for (const scope of ['cluster', 'namespaced'] as const) {
  describe(
    `the operator under ${scope === 'cluster' ? 'config/rbac' : 'config/rbac/namespaced'}`,
    { timeout: 180_000 },
    () => {
      const ns = useTestNamespace({ prefix: `rbac-${scope}` });
      let op: OperatorProcess;
      let saKubeConfig: KubeConfig;
      let user: string;
      let started: Date;

      beforeAll(async () => {
        const admin = ns.kubeConfig();
        await installCrd(admin);
        const suffix = `-${ns.name}`;
        const objects = loadKustomization(scope === 'cluster' ? 'config/rbac' : 'config/rbac/namespaced', {
          namespace: ns.name,
          nameSuffix: suffix,
        });
        await applyObjects(admin, objects);
        const saName = `mxcp-operator${suffix}`;
        user = `system:serviceaccount:${ns.name}:${saName}`;
        const kubeconfig = await ns.cluster.kubeconfigForServiceAccount(ns.name, saName);
        saKubeConfig = kubeConfigFrom(kubeconfig);
        started = new Date();
        op = new OperatorProcess({
          kubeconfig,
          name: `operator (${scope})`,
          args: [
            '--namespace',
            ns.name,
            '--leader-election-namespace',
            ns.name,
            '--leader-election-id',
            `mxcp-operator${suffix}`,
          ],
        });
        await op.waitUntilReady();
      });

      afterAll(async () => {
        await op?.stop('SIGTERM');
        // The cluster-scoped objects outlive the namespace; remove them.
        const rbac = ns.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
        for (const obj of loadKustomization(scope === 'cluster' ? 'config/rbac' : 'config/rbac/namespaced', {
          nameSuffix: `-${ns.name}`,
        })) {
          const name = obj.metadata!.name!;
          if (obj.kind === 'ClusterRole') await status(rbac.deleteClusterRole({ name }));
          if (obj.kind === 'ClusterRoleBinding') await status(rbac.deleteClusterRoleBinding({ name }));
        }
      });

      it('converges a project (children, status, events) without a single 403', async () => {
        const admin = ns.kubeConfig();
        await applyProject(admin, sampleProject(ns.name, 'least'));
        await waitConverged(admin, ns.name, 'least');
        // A change is a second reconcile through the same rules (update path, not only create).
        await applyProject(admin, sampleProject(ns.name, 'least', 'bonjour'));
        await waitConverged(admin, ns.name, 'least');

        const events = admin.makeApiClient(EventsV1Api);
        const recorded = await eventually(
          () => events.listNamespacedEvent({ namespace: ns.name }),
          (list) =>
            list.items.some((e) => e.regarding?.kind === 'MxcpProject' && e.regarding.name === 'least'),
          { what: 'an Event about the project' },
        );
        expect(recorded.items.length).toBeGreaterThan(0);

        // The operator really ran as the ServiceAccount: its writes are in the audit log under that name.
        const writes = await eventually(
          () => ns.cluster.auditEvents({ user, since: started, verbs: ['create', 'patch'] }),
          (list) => list.some((e) => e.objectRef?.subresource === 'status'),
          { what: 'status writes by the ServiceAccount in the audit log' },
        );
        expect(writes.some((e) => e.objectRef?.resource === 'deployments')).toBe(true);

        const denied = (await ns.cluster.auditEvents({ user, since: started })).filter(
          (e) => e.responseStatus?.code === 403,
        );
        expect(denied.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
        expect(op.forbiddenLines()).toEqual([]);
      });

      it('cannot write a project spec, delete a namespace or grant itself more rights', async () => {
        const custom = saKubeConfig.makeApiClient(CustomObjectsApi);
        const core = saKubeConfig.makeApiClient(CoreV1Api);
        const rbac = saKubeConfig.makeApiClient(RbacAuthorizationV1Api);
        expect(
          await status(
            custom.patchNamespacedCustomObject({
              ...MXCP,
              namespace: ns.name,
              name: 'least',
              body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
            }),
          ),
        ).toBe(403);
        expect(await status(core.deleteNamespace({ name: ns.name }))).toBe(403);
        expect(
          await status(
            rbac.createClusterRole({
              body: {
                metadata: { name: `escalate-${ns.name}` },
                rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
              },
            }),
          ),
        ).toBe(403);
        expect(await status(core.listNode())).toBe(403);
        if (scope === 'namespaced') {
          // Nothing outside its namespace: not even the projects or Secrets of another one.
          expect(await status(core.listNamespacedSecret({ namespace: 'default' }))).toBe(403);
          expect(await status(custom.listClusterCustomObject({ ...MXCP }))).toBe(403);
        } else {
          expect(await status(custom.listClusterCustomObject({ ...MXCP }))).toBe(200);
        }
      });
    },
  );
}
