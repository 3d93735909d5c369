// `helm install`, `helm upgrade` and `helm uninstall` of the chart in namespace-scoped mode on the
// run's shared test control plane, then the operator run as a local process with the installed
// Deployment's flags and the chart's ServiceAccount: it reconciles config/samples' hello project
// under exactly the chart's RBAC, with not one 403.
// The shared cluster's MxcpProject CRD belongs to every operator test file (installed by
// useOperatorProcesses), so this release leaves it alone (crds.install=false) and creates nothing
// cluster-scoped: the CRD's own install/upgrade/keep lifecycle runs on a private control plane in
// helm-crd-lifecycle.test.ts. No kubelet runs pods here, so the chart's Deployment gets 0 replicas.
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import {
  applyProject,
  readProject,
  useOperatorProcesses,
  waitConverged,
} from '../operator/operator-process.js';
import { CHART_DIR, ensureHelm, helm, helmOk } from './helm.js';
import { helloSample, releaseOperator } from './helm-release.js';

const RELEASE = 'mxcp';
const FULLNAME = 'mxcp-mxcp-operator';

async function httpStatus(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe('helm install in namespace-scoped mode on the test control plane', { timeout: 180_000 }, () => {
  const ns = useTestNamespace({ prefix: 'helm-install' });
  const operators = useOperatorProcesses(ns);
  let kubeconfig: string;

  beforeAll(async () => {
    await ensureHelm();
    kubeconfig = ns.cluster.kubeconfigPath;
  }, 20 * 60_000);

  it('installs the release and prints how to create a first MxcpProject', async () => {
    const out = await helmOk(
      [
        'install',
        RELEASE,
        CHART_DIR,
        '--namespace',
        ns.name,
        '--set',
        `watchNamespace=${ns.name}`,
        '--set',
        'crds.install=false',
        '--set',
        'rbac.aggregateToDefaultRoles=false',
        '--set',
        'replicaCount=0',
        '--set',
        'leaderElection.enabled=true',
      ],
      { kubeconfig },
    );
    expect(out).toMatch(/STATUS: deployed/);
    expect(out).toContain(`watching MxcpProjects in namespace ${ns.name} only`);
    expect(out).toContain('kind: MxcpProject');
    expect(out).toContain(`kubectl -n ${ns.name} get mxcp hello`);

    const admin = ns.kubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const apps = admin.makeApiClient(AppsV1Api);
    await core.readNamespacedServiceAccount({ namespace: ns.name, name: FULLNAME });
    await core.readNamespacedService({ namespace: ns.name, name: `${FULLNAME}-metrics` });
    const role = await rbac.readNamespacedRole({ namespace: ns.name, name: `${FULLNAME}-manager` });
    expect(role.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
    await rbac.readNamespacedRoleBinding({ namespace: ns.name, name: `${FULLNAME}-manager` });
    await rbac.readNamespacedRole({ namespace: ns.name, name: `${FULLNAME}-leader-election` });
    const deployment = await apps.readNamespacedDeployment({ namespace: ns.name, name: FULLNAME });
    expect(deployment.spec?.replicas).toBe(0);
    // The API server accepted the restricted pod template as rendered.
    expect(deployment.spec?.template.spec?.securityContext?.runAsUser).toBe(1000);
    // Nothing cluster-wide was created for the operator.
    expect(await httpStatus(rbac.readClusterRole({ name: `${FULLNAME}-manager` }))).toBe(404);

    const list = JSON.parse(
      await helmOk(['list', '--namespace', ns.name, '--output', 'json'], { kubeconfig }),
    ) as {
      name: string;
      status: string;
      app_version: string;
    }[];
    expect(list).toEqual([
      expect.objectContaining({ name: RELEASE, status: 'deployed', app_version: '0.1.0' }),
    ]);
  });

  it('lets the operator, as the chart ServiceAccount with the chart flags, reconcile the hello sample without a 403', async () => {
    const release = await releaseOperator(RELEASE, ns.name, kubeconfig);
    expect(release.serviceAccount).toBe(FULLNAME);
    expect(release.args).toContain(`--namespace=${ns.name}`);
    expect(release.args).toContain('--leader-elect=true');
    const saKubeconfig = await ns.cluster.kubeconfigForServiceAccount(ns.name, release.serviceAccount);
    const user = `system:serviceaccount:${ns.name}:${release.serviceAccount}`;
    const started = new Date();
    const op = operators.start({
      kubeconfig: saKubeconfig,
      args: release.args,
      env: release.env,
      name: 'operator (chart)',
    });
    await op.waitUntilReady();

    const admin = ns.kubeConfig();
    await applyProject(admin, helloSample(ns.name));
    await waitConverged(admin, ns.name, 'hello');
    const project = await readProject(admin, ns.name, 'hello');
    expect(project.status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'ConfigValid', status: 'True' }),
    );

    // It led through the chart's leader-election Role: its Lease, named after the release.
    const lease = await eventually(
      () => ns.cluster.auditEvents({ user, since: started, verbs: ['create', 'update'] }),
      (events) => events.some((e) => e.objectRef?.resource === 'leases' && e.objectRef.name === FULLNAME),
      { what: 'the Lease written by the chart ServiceAccount' },
    );
    expect(lease.length).toBeGreaterThan(0);
    const denied = (await ns.cluster.auditEvents({ user, since: started })).filter(
      (e) => e.responseStatus?.code === 403,
    );
    expect(denied.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect(op.forbiddenLines()).toEqual([]);
  });

  it('upgrades the release in place (a changed value reaches the Deployment)', async () => {
    await helmOk(
      [
        'upgrade',
        RELEASE,
        CHART_DIR,
        '--namespace',
        ns.name,
        '--reuse-values',
        '--set',
        'operator.logLevel=debug',
      ],
      { kubeconfig },
    );
    const deployment = await ns
      .kubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ namespace: ns.name, name: FULLNAME });
    const env = deployment.spec?.template.spec?.containers[0].env ?? [];
    expect(env).toContainEqual(expect.objectContaining({ name: 'LOG_LEVEL', value: 'debug' }));
    const history = JSON.parse(
      await helmOk(['history', RELEASE, '--namespace', ns.name, '--output', 'json'], { kubeconfig }),
    ) as { revision: number; status: string }[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  });

  it('uninstalls the operator objects and leaves the projects alone', async () => {
    const result = await helm(['uninstall', RELEASE, '--namespace', ns.name, '--wait'], { kubeconfig });
    expect(result.code, result.stderr).toBe(0);
    const admin = ns.kubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const apps = admin.makeApiClient(AppsV1Api);
    await eventually(
      async () => [
        await httpStatus(apps.readNamespacedDeployment({ namespace: ns.name, name: FULLNAME })),
        await httpStatus(core.readNamespacedServiceAccount({ namespace: ns.name, name: FULLNAME })),
        await httpStatus(rbac.readNamespacedRole({ namespace: ns.name, name: `${FULLNAME}-manager` })),
        await httpStatus(
          rbac.readNamespacedRole({ namespace: ns.name, name: `${FULLNAME}-leader-election` }),
        ),
        await httpStatus(core.readNamespacedService({ namespace: ns.name, name: `${FULLNAME}-metrics` })),
      ],
      (codes) => codes.every((c) => c === 404),
      { what: 'the release objects deleted' },
    );
    // The project is the user's, not the release's.
    expect((await readProject(admin, ns.name, 'hello')).metadata.name).toBe('hello');
    expect((await helm(['status', RELEASE, '--namespace', ns.name], { kubeconfig })).code).not.toBe(0);
  });
});
