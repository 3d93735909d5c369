// No drift source for GitOps: a sample applied twice with `kubectl apply --server-side` (as ArgoCD
// syncs with ServerSideApply=true) while the operator reconciles it again and again keeps its spec,
// labels, annotations and non-status managedFields byte-identical: the operator writes only the
// status subresource, and `kubectl diff --server-side` (ArgoCD's server-side diff) finds nothing.
// The health check then reads the live status the operator wrote.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import { runHealthScript } from '../cluster/go/lua/runner.js';
import { installCrd, startController, type RunningController } from '../operator/controller-support.js';
import { REPO_ROOT, kubectl, kubectlRun } from './kubectl-support.js';

const SAMPLE = 'config/samples/mxcp_v1alpha1_mxcpproject_secrets.yaml';
const NAME = 'sales-lake';
const HEALTH_SCRIPT = join(REPO_ROOT, 'config/argocd/health.lua');

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: unknown;
  time: string;
}

interface LiveProject {
  metadata: {
    generation: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields: ManagedFieldsEntry[];
  };
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  };
}

const ns = useTestNamespace();
let running: RunningController;

beforeAll(async () => {
  await installCrd(ns.kubeConfig());
  // A short resync: the operator reconciles the project again every second, whether or not
  // anything changed, which is the moment it could write something it should not.
  running = await startController(ns.kubeConfig(), ns.name, { resyncPeriodMs: 1000 });
});

afterAll(async () => {
  await running?.stop();
});

const run = (args: string[], input?: string) =>
  kubectl([...args, '-n', ns.name], { kubeconfig: ns.cluster.kubeconfigPath, input });

async function live(): Promise<LiveProject> {
  return JSON.parse(
    await run(['get', `mxcpproject/${NAME}`, '-o', 'json', '--show-managed-fields']),
  ) as LiveProject;
}

/** Waits until the status describes the current generation and `accept` holds. */
function observed(accept: (p: LiveProject) => boolean, what: string): Promise<LiveProject> {
  return eventually(live, (p) => p.status?.observedGeneration === p.metadata.generation && accept(p), {
    timeoutMs: 60_000,
    what,
  });
}

const condition = (p: LiveProject, type: string) => p.status?.conditions?.find((c) => c.type === type);
const notStatus = (p: LiveProject) => p.metadata.managedFields.filter((e) => e.subresource !== 'status');

describe('a sample applied twice with kubectl while the operator runs', { timeout: 180_000 }, () => {
  it('keeps spec, labels, annotations and managedFields byte-identical, and kubectl diff empty', async () => {
    await run(['apply', '--server-side', '-f', SAMPLE]);
    const before = await observed(
      (p) => condition(p, 'ConfigValid')?.status === 'True',
      'the operator to accept the sample',
    );

    const reconciles = running.observer.counts.success;
    const second = await run(['apply', '--server-side', '-f', SAMPLE]);
    expect(second).toContain(`mxcpproject.mxcp.dev/${NAME} serverside-applied`);
    // Several full reconciles of the project after the second apply.
    await eventually(
      async () => running.observer.counts.success,
      (n) => n >= reconciles + 5,
      { timeoutMs: 60_000, what: 'five more reconciles' },
    );
    const after = await live();

    expect(JSON.stringify(after.spec)).toBe(JSON.stringify(before.spec));
    expect(JSON.stringify(after.metadata.labels)).toBe(JSON.stringify(before.metadata.labels));
    expect(JSON.stringify(after.metadata.annotations)).toBe(JSON.stringify(before.metadata.annotations));
    expect(after.metadata.generation).toBe(before.metadata.generation);
    // Only kubectl owns fields outside status (timestamps included: the second apply was a no-op),
    // and the operator's one entry is on the status subresource.
    expect(JSON.stringify(notStatus(after))).toBe(JSON.stringify(notStatus(before)));
    expect(notStatus(after).map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl/Apply']);
    expect(
      after.metadata.managedFields.filter((e) => e.subresource === 'status').map((e) => e.manager),
    ).toEqual(['mxcp-operator']);

    // Polled: a status write landing between kubectl's read and its dry run is a one-off
    // difference; a drift source would show every time.
    const diff = await eventually(
      () =>
        kubectlRun(['diff', '--server-side', '-f', SAMPLE, '-n', ns.name], {
          kubeconfig: ns.cluster.kubeconfigPath,
        }),
      (d) => d.code !== 1,
      { timeoutMs: 30_000, intervalMs: 1000, what: 'kubectl diff without differences' },
    );
    expect({ code: diff.code, stdout: diff.stdout, stderr: diff.stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('has the health ArgoCD would show: Progressing while no worker is ready, Suspended when suspended', async () => {
    // No kubelet in the test cluster: the worker pod never becomes ready.
    const waiting = await observed(
      (p) => condition(p, 'Ready')?.reason === 'WorkersNotReady',
      'Ready=False WorkersNotReady',
    );
    expect(await runHealthScript(HEALTH_SCRIPT, [waiting])).toEqual([
      { status: 'Progressing', message: '0/1 workers ready; waiting for the Deployment rollout' },
    ]);

    const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, SAMPLE), 'utf8')).map(
      (d) => d.toJS() as { kind: string; spec?: Record<string, unknown> },
    );
    const project = docs.find((d) => d.kind === 'MxcpProject')!;
    project.spec = { ...project.spec, suspend: true };
    await run(['apply', '--server-side', '-f', '-'], stringify(project));
    const suspended = await observed(
      (p) => condition(p, 'Progressing')?.reason === 'Suspended',
      'Progressing=False Suspended',
    );
    expect(await runHealthScript(HEALTH_SCRIPT, [suspended])).toEqual([
      { status: 'Suspended', message: 'spec.suspend is true: the operator leaves the workers as they are' },
    ]);
  });
});
