// The kustomize install path with the real kubectl against the real test control plane: every base
// in config/ builds, `kubectl apply -k config/default --server-side` installs the operator (and a
// second look with `kubectl diff` finds nothing to change), its ServiceAccount gets exactly the
// rights the RBAC promises, and every sample passes a server-side dry run with strict field
// validation. The CRD is shared by the whole test run: it is applied (identical to crds/) and never
// deleted; the ClusterRoles, the binding and mxcp-system are removed afterwards.
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { MxcpProject } from '../../operator/src/api/index.js';
import { renderCrdYaml } from '../../operator/src/api/index.js';
import { render } from '../../operator/src/render/index.js';
import { preflightProject } from '../../operator/src/render/preflight.js';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import { installCrd } from '../operator/controller-support.js';
import { REPO_ROOT, kubectl, kubectlRun } from './kubectl-support.js';

interface Obj extends KubernetesObject {
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    template?: { spec?: { serviceAccountName?: string } };
  };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

const ns = useTestNamespace();

async function build(dir: string): Promise<Obj[]> {
  return parseAllDocuments(await kubectl(['kustomize', dir])).map((d) => d.toJS() as Obj);
}

const ids = (objects: Obj[]) => objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort();
const SAMPLES = readdirSync(join(REPO_ROOT, 'config/samples')).filter((f) => /^mxcp_.*\.yaml$/.test(f));
const OPERATOR_SA = 'system:serviceaccount:mxcp-system:mxcp-operator';

describe('kubectl kustomize', { timeout: 120_000 }, () => {
  it('builds config/crd into exactly the generated CRD', async () => {
    expect(await build('config/crd')).toEqual([parse(renderCrdYaml())]);
  });

  it('builds config/rbac: ServiceAccount, leader-election Role, manager ClusterRole, people roles', async () => {
    expect(ids(await build('config/rbac'))).toEqual([
      'ClusterRole/mxcp-operator-manager',
      'ClusterRole/mxcp-operator-mxcpproject-editor',
      'ClusterRole/mxcp-operator-mxcpproject-viewer',
      'ClusterRoleBinding/mxcp-operator-manager',
      'Role/mxcp-operator-leader-election',
      'RoleBinding/mxcp-operator-leader-election',
      'ServiceAccount/mxcp-operator',
    ]);
  });

  it('builds config/rbac/namespaced with the manager rules in a Role instead of a ClusterRole', async () => {
    const objects = await build('config/rbac/namespaced');
    expect(ids(objects)).toEqual([
      'ClusterRole/mxcp-operator-mxcpproject-editor',
      'ClusterRole/mxcp-operator-mxcpproject-viewer',
      'Role/mxcp-operator-leader-election',
      'Role/mxcp-operator-manager',
      'RoleBinding/mxcp-operator-leader-election',
      'RoleBinding/mxcp-operator-manager',
      'ServiceAccount/mxcp-operator',
    ]);
  });

  it('builds config/manager: the mxcp-system Namespace and the operator Deployment', async () => {
    const objects = await build('config/manager');
    expect(ids(objects)).toEqual(['Deployment/mxcp-operator', 'Namespace/mxcp-system']);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec?.template?.spec?.serviceAccountName).toBe('mxcp-operator');
  });

  it('builds config/samples: the example projects and the Secrets they come with', async () => {
    const objects = await build('config/samples');
    expect(ids(objects)).toEqual([
      'MxcpProject/hello',
      'MxcpProject/orders',
      'MxcpProject/sales-lake',
      'MxcpProject/team-tools',
      'MxcpProject/weather',
      'Secret/github-oauth',
      'Secret/sales-lake-s3',
    ]);
    // No namespace in the samples: `kubectl apply -n <namespace>` decides.
    expect(objects.filter((o) => o.metadata?.namespace)).toEqual([]);
  });

  it('builds config/default: CRD, RBAC and Deployment, every namespaced object in mxcp-system', async () => {
    const objects = await build('config/default');
    const clusterScoped = ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'];
    expect(ids(objects)).toEqual(
      [...(await build('config/crd')), ...(await build('config/rbac')), ...(await build('config/manager'))]
        .map((o) => `${o.kind}/${o.metadata?.name}`)
        .sort(),
    );
    for (const o of objects) {
      expect(o.metadata?.namespace, `${o.kind}/${o.metadata?.name}`).toBe(
        clusterScoped.includes(o.kind!) ? undefined : 'mxcp-system',
      );
      expect(o.metadata?.labels?.['app.kubernetes.io/part-of'], `${o.kind}/${o.metadata?.name}`).toBe(
        'mxcp-operator',
      );
    }
    // The labels stay out of the (immutable) Deployment selector.
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec?.selector?.matchLabels).toEqual({
      'app.kubernetes.io/name': 'mxcp-operator',
      'app.kubernetes.io/component': 'manager',
    });
  });

  it('lets an overlay move the install to another namespace, RBAC subjects included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kustomize-overlay-'));
    try {
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        stringify({ resources: [relative(dir, join(REPO_ROOT, 'config/default'))], namespace: 'team-mcp' }),
      );
      const objects = await build(dir);
      expect(objects.find((o) => o.kind === 'Namespace')?.metadata?.name).toBe('team-mcp');
      const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
      expect(bindings.length).toBe(2);
      for (const binding of bindings) {
        expect(binding.subjects).toEqual([
          { kind: 'ServiceAccount', name: 'mxcp-operator', namespace: 'team-mcp' },
        ]);
      }
      expect(JSON.stringify(objects)).not.toContain('mxcp-system');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kubectl apply -k config/default --server-side', { timeout: 180_000 }, () => {
  let kubeconfig: string;
  let clusterScoped: Obj[] = [];

  beforeAll(async () => {
    kubeconfig = ns.cluster.kubeconfigPath;
    // Cleaned up afterwards: everything cluster-wide but the CRD, which other test files share.
    clusterScoped = (await build('config/default')).filter((o) =>
      ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind!),
    );
  });

  afterAll(async () => {
    if (!kubeconfig) return;
    const names = clusterScoped.map((o) => `${o.kind!.toLowerCase()}/${o.metadata!.name}`);
    await kubectl(['delete', ...names, 'namespace/mxcp-system', '--ignore-not-found', '--wait=false'], {
      kubeconfig,
    });
  });

  it('installs the operator, and a second look with kubectl diff finds nothing to change', async () => {
    const out = await kubectl(['apply', '-k', 'config/default', '--server-side'], { kubeconfig });
    for (const line of [
      'namespace/mxcp-system serverside-applied',
      'customresourcedefinition.apiextensions.k8s.io/mxcpprojects.mxcp.dev serverside-applied',
      'serviceaccount/mxcp-operator serverside-applied',
      'clusterrole.rbac.authorization.k8s.io/mxcp-operator-manager serverside-applied',
      'clusterrolebinding.rbac.authorization.k8s.io/mxcp-operator-manager serverside-applied',
      'deployment.apps/mxcp-operator serverside-applied',
    ]) {
      expect(out).toContain(line);
    }
    const deployment = JSON.parse(
      await kubectl(['get', 'deployment', 'mxcp-operator', '-n', 'mxcp-system', '-o', 'json'], {
        kubeconfig,
      }),
    ) as Obj;
    expect(deployment.spec?.template?.spec?.serviceAccountName).toBe('mxcp-operator');

    // Polled: a status write by the Deployment controller between kubectl's read and its dry run
    // shows as a one-off difference; drift in what the manifests set would never go away.
    const diff = await eventually(
      () => kubectlRun(['diff', '-k', 'config/default', '--server-side'], { kubeconfig }),
      (d) => d.code !== 1,
      { timeoutMs: 30_000, intervalMs: 1000, what: 'kubectl diff without differences' },
    );
    expect({ code: diff.code, stdout: diff.stdout }).toEqual({ code: 0, stdout: '' });
  });

  it('gives the operator ServiceAccount its rights and no write to a project spec', async () => {
    const can = async (...args: string[]) =>
      (await kubectlRun(['auth', 'can-i', ...args, '--as', OPERATOR_SA], { kubeconfig })).stdout.trim();
    expect(await can('list', 'mxcpprojects.mxcp.dev', '--all-namespaces')).toBe('yes');
    expect(await can('patch', 'mxcpprojects.mxcp.dev', '--subresource=status', '-n', ns.name)).toBe('yes');
    expect(await can('patch', 'deployments.apps', '-n', ns.name)).toBe('yes');
    expect(await can('update', 'mxcpprojects.mxcp.dev', '-n', ns.name)).toBe('no');
    expect(await can('patch', 'mxcpprojects.mxcp.dev', '-n', ns.name)).toBe('no');
    expect(await can('update', 'leases.coordination.k8s.io', '-n', 'mxcp-system')).toBe('yes');
    expect(await can('update', 'leases.coordination.k8s.io', '-n', ns.name)).toBe('no');
  });
});

describe('the samples', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await installCrd(ns.kubeConfig());
  });

  const dryRun = (args: string[], input?: string) =>
    kubectl(['apply', '--dry-run=server', '--server-side', '--validate=strict', '-n', ns.name, ...args], {
      kubeconfig: ns.cluster.kubeconfigPath,
      input,
    });

  it.each(SAMPLES)('%s passes a server-side dry run with strict field validation', async (file) => {
    const out = await dryRun(['-f', `config/samples/${file}`]);
    const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, 'config/samples', file), 'utf8'));
    for (const doc of docs) {
      const o = doc.toJS() as Obj;
      const kind = o.kind === 'MxcpProject' ? 'mxcpproject.mxcp.dev' : o.kind!.toLowerCase();
      expect(out).toContain(`${kind}/${o.metadata!.name} serverside-applied (server dry run)`);
    }
  });

  it('pass the dry run together, as `kubectl apply -k config/samples`', async () => {
    const out = await dryRun(['-k', 'config/samples']);
    expect(out.trim().split('\n')).toHaveLength((await build('config/samples')).length);
  });

  it('would be rejected with a field the CRD does not define or a broken cross-field rule', async () => {
    const hello = () =>
      parse(readFileSync(join(REPO_ROOT, 'config/samples/mxcp_v1alpha1_mxcpproject_hello.yaml'), 'utf8'));
    const unknown = hello();
    unknown.spec.duckdb = { mode: 'readonly', readOnly: true };
    await expect(dryRun(['-f', '-'], stringify(unknown))).rejects.toThrow(
      /\.spec\.duckdb\.readOnly: field not declared in schema/,
    );
    const shared = hello();
    shared.spec.replicas = 3;
    shared.spec.duckdb = { mode: 'readonly', storage: { size: '1Gi' } };
    await expect(dryRun(['-f', '-'], stringify(shared))).rejects.toThrow(
      /a readonly DuckDB volume shared by several replicas must be ReadOnlyMany or ReadWriteMany/,
    );
  });

  it.each(SAMPLES)('%s renders and its project files pass the pre-flight checks', async (file) => {
    const projects = parseAllDocuments(readFileSync(join(REPO_ROOT, 'config/samples', file), 'utf8'))
      .map((d) => d.toJS() as MxcpProject)
      .filter((o) => o.kind === 'MxcpProject');
    expect(projects).toHaveLength(1);
    for (const project of projects) {
      const objects = render(project, {
        adminToken: 'token',
        authSigningKey: 'key',
        defaultImage: 'worker:test',
      });
      expect(objects.map((o) => o.kind)).toContain('Deployment');
      expect(await preflightProject(project.spec.files!, { profile: project.spec.profile })).toEqual([]);
    }
  });
});
