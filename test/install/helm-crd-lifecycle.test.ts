// The CRD's life under Helm, on a private control plane (the shared one's CRD serves every other
// operator test file, and this test replaces and orphans it): the chart installed cluster-wide with
// its CRD, the operator run as the chart's ServiceAccount (ClusterRole, all namespaces) reconciling
// the hello sample without a 403, `helm upgrade` with a changed CRD (a chart copy with an extra
// printer column, and a new annotation by --set) updating it in place, `helm uninstall` keeping it
// and the projects, and a later install adopting the kept CRD again.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../cluster/controlplane.js';
import { eventually } from '../cluster/eventually.js';
import { CLUSTER_HOOK_TIMEOUT_MS } from '../cluster/namespace.js';
import { OperatorProcess, applyProject, readProject, waitConverged } from '../operator/operator-process.js';
import { CHART_DIR, ensureHelm, helmOk } from './helm.js';
import { helloSample, releaseOperator } from './helm-release.js';

const RELEASE = 'mxcp';
const FULLNAME = 'mxcp-mxcp-operator';
const OPERATOR_NAMESPACE = 'mxcp-system';
const PROJECT_NAMESPACE = 'team-a';
const CRD_NAME = 'mxcpprojects.mxcp.dev';

async function httpStatus(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** A copy of the chart whose CRD has one more printer column, as a new chart version would. */
function chartWithExtraColumn(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxcp-chart-'));
  const chart = join(dir, 'mxcp-operator');
  cpSync(CHART_DIR, chart, { recursive: true });
  const crdTemplate = join(chart, 'templates/crds/mxcpprojects.yaml');
  const text = readFileSync(crdTemplate, 'utf8');
  const marker = '      additionalPrinterColumns:\n';
  if (!text.includes(marker)) throw new Error('the CRD template has no additionalPrinterColumns');
  writeFileSync(
    crdTemplate,
    text.replace(
      marker,
      `${marker}        - name: Image\n          type: string\n          jsonPath: .spec.image\n          description: Worker image\n`,
    ),
  );
  const chartYaml = join(chart, 'Chart.yaml');
  writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, 'version: 0.1.1-test'));
  return chart;
}

function columns(crd: V1CustomResourceDefinition): string[] {
  return (crd.spec.versions[0].additionalPrinterColumns ?? []).map((c) => c.name);
}

describe('the CRD under helm install, upgrade and uninstall', { timeout: 180_000 }, () => {
  let cluster: ControlPlane;
  let op: OperatorProcess | undefined;
  let upgradedChart: string | undefined;

  const crd = (): Promise<V1CustomResourceDefinition> =>
    cluster.kubeConfig().makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: CRD_NAME });

  beforeAll(async () => {
    await ensureHelm();
    cluster = await startControlPlane();
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    for (const name of [OPERATOR_NAMESPACE, PROJECT_NAMESPACE])
      await core.createNamespace({ body: { metadata: { name } } });
  }, CLUSTER_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await op?.stop('SIGKILL');
    await cluster?.stop();
    if (upgradedChart) rmSync(join(upgradedChart, '..'), { recursive: true, force: true });
  });

  it('installs the CRD with the release, marked to be kept', async () => {
    await helmOk(
      [
        'install',
        RELEASE,
        CHART_DIR,
        '--namespace',
        OPERATOR_NAMESPACE,
        '--create-namespace',
        '--set',
        'replicaCount=0',
      ],
      {
        kubeconfig: cluster.kubeconfigPath,
      },
    );
    const installed = await eventually(
      crd,
      (c) => !!c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
      { what: 'the CRD established' },
    );
    expect(installed.metadata?.annotations).toMatchObject({
      'helm.sh/resource-policy': 'keep',
      'meta.helm.sh/release-name': RELEASE,
      'meta.helm.sh/release-namespace': OPERATOR_NAMESPACE,
      'argocd.argoproj.io/sync-options': 'ServerSideApply=true',
    });
    expect(installed.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
    expect(columns(installed)).not.toContain('Image');
  });

  it('runs the operator as the chart ServiceAccount (cluster-wide) and reconciles the hello sample without a 403', async () => {
    const release = await releaseOperator(RELEASE, OPERATOR_NAMESPACE, cluster.kubeconfigPath);
    expect(release.args.some((a) => a.startsWith('--namespace'))).toBe(false);
    const kubeconfig = await cluster.kubeconfigForServiceAccount(OPERATOR_NAMESPACE, release.serviceAccount);
    const user = `system:serviceaccount:${OPERATOR_NAMESPACE}:${release.serviceAccount}`;
    const started = new Date();
    op = new OperatorProcess({
      kubeconfig,
      args: release.args,
      env: release.env,
      name: 'operator (chart, cluster-wide)',
    });
    await op.waitUntilReady();

    const admin = cluster.kubeConfig();
    await applyProject(admin, helloSample(PROJECT_NAMESPACE));
    await waitConverged(admin, PROJECT_NAMESPACE, 'hello');
    const denied = (await cluster.auditEvents({ user, since: started })).filter(
      (e) => e.responseStatus?.code === 403,
    );
    expect(denied.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect(op.forbiddenLines()).toEqual([]);
    // Its token dies with the ServiceAccount at uninstall: stop it first.
    await op.stop('SIGTERM');
    op = undefined;
  });

  it('updates the CRD on helm upgrade (a new printer column and annotation)', async () => {
    upgradedChart = chartWithExtraColumn();
    await helmOk(
      [
        'upgrade',
        RELEASE,
        upgradedChart,
        '--namespace',
        OPERATOR_NAMESPACE,
        '--reuse-values',
        '--set',
        'crds.annotations.example\\.com/upgraded=yes',
      ],
      { kubeconfig: cluster.kubeconfigPath },
    );
    const upgraded = await crd();
    expect(columns(upgraded)).toContain('Image');
    expect(upgraded.metadata?.annotations).toMatchObject({
      'example.com/upgraded': 'yes',
      'helm.sh/resource-policy': 'keep',
    });
    expect(upgraded.metadata?.labels?.['helm.sh/chart']).toBe('mxcp-operator-0.1.1-test');
    // Existing projects survive the CRD change.
    expect((await readProject(cluster.kubeConfig(), PROJECT_NAMESPACE, 'hello')).spec).toBeDefined();
  });

  it('keeps the CRD and the projects on helm uninstall, and a new install adopts the CRD again', async () => {
    const out = await helmOk(['uninstall', RELEASE, '--namespace', OPERATOR_NAMESPACE, '--wait'], {
      kubeconfig: cluster.kubeconfigPath,
    });
    expect(out).toMatch(/kept due to the resource policy/i);
    const admin = cluster.kubeConfig();
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const apps = admin.makeApiClient(AppsV1Api);
    await eventually(
      async () => [
        await httpStatus(rbac.readClusterRole({ name: `${FULLNAME}-manager` })),
        await httpStatus(rbac.readClusterRoleBinding({ name: `${FULLNAME}-manager` })),
        await httpStatus(apps.readNamespacedDeployment({ namespace: OPERATOR_NAMESPACE, name: FULLNAME })),
      ],
      (codes) => codes.every((c) => c === 404),
      { what: 'the release objects deleted' },
    );
    const kept = await crd();
    expect(kept.metadata?.deletionTimestamp).toBeUndefined();
    expect(columns(kept)).toContain('Image');
    expect((await readProject(admin, PROJECT_NAMESPACE, 'hello')).metadata.name).toBe('hello');

    // Reinstalling the same release (same name and namespace, as the kept annotations say) takes
    // the CRD back under management and brings it to this chart's version.
    await helmOk(
      [
        'install',
        RELEASE,
        CHART_DIR,
        '--namespace',
        OPERATOR_NAMESPACE,
        '--create-namespace',
        '--set',
        'replicaCount=0',
      ],
      {
        kubeconfig: cluster.kubeconfigPath,
      },
    );
    const readopted = await crd();
    expect(columns(readopted)).not.toContain('Image');
    expect(readopted.metadata?.annotations?.['example.com/upgraded']).toBeUndefined();
    expect(readopted.metadata?.labels?.['helm.sh/chart']).toBe('mxcp-operator-0.1.0');
  });
});
