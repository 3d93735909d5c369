// The operator process end to end on the shared test control plane: `mxcp-operator run` as a child
// process (admin credentials; RBAC is rbac.test.ts's subject), watching only this file's namespace.
// It must log JSON, serve /healthz, /readyz and /metrics, reconcile, and on SIGTERM drain, release its
// Lease and exit 0.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import {
  applyProject,
  sampleProject,
  useOperatorProcesses,
  waitConverged,
  type OperatorProcess,
} from './operator-process.js';

const ns = useTestNamespace();
const operators = useOperatorProcesses(ns);

function operator(args: string[] = [], name = 'operator'): OperatorProcess {
  return operators.inNamespace({ kubeconfig: ns.cluster.kubeconfigPath, name, args });
}

describe('mxcp-operator run', { timeout: 120_000 }, () => {
  it('leads, becomes ready once synced, reconciles, counts it in /metrics and logs only JSON', async () => {
    const op = operator(['--leader-election-id', 'process-basic']);
    expect((await op.get('/healthz')).status).toBe(200);
    await op.waitUntilReady();
    expect((await op.get('/readyz')).body).toMatch(/leading, informers synced/);

    const kc = ns.kubeConfig();
    await applyProject(kc, sampleProject(ns.name, 'basic'));
    await waitConverged(kc, ns.name, 'basic');

    const metrics = (await op.get('/metrics')).body;
    expect(metrics).toMatch(/^mxcp_operator_leader 1$/m);
    expect(metrics).toMatch(/^mxcp_operator_ready 1$/m);
    await eventually(
      () => op.metric('mxcp_operator_reconcile_total', { result: 'success' }),
      (n) => n >= 1,
      { what: 'a successful reconcile counted' },
    );
    expect(await op.metric('mxcp_operator_reconcile_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metrics).toContain('# TYPE mxcp_operator_workqueue_depth gauge');
    expect(metrics).toContain('# TYPE mxcp_operator_watch_restarts_total counter');
    expect(metrics).toContain('process_resident_memory_bytes');

    // Every stdout line parsed as a JSON log line with a level, message and timestamp.
    expect(op.raw, op.describe()).toBe('');
    expect(op.lines.length).toBeGreaterThan(3);
    for (const line of op.lines) {
      expect(typeof line.message).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(Date.parse(line.timestamp ?? '')).not.toBeNaN();
    }
  });

  it('on SIGTERM stops the controller, releases the Lease and exits 0', async () => {
    const op = operator(['--leader-election-id', 'process-sigterm']);
    await op.waitUntilReady();
    const coordination = ns.kubeConfig().makeApiClient(CoordinationV1Api);
    const held = await coordination.readNamespacedLease({ namespace: ns.name, name: 'process-sigterm' });
    expect(held.spec?.holderIdentity).toBeTruthy();

    expect(await op.stop('SIGTERM'), op.describe()).toBe(0);
    const released = await coordination.readNamespacedLease({ namespace: ns.name, name: 'process-sigterm' });
    expect(released.spec?.holderIdentity ?? '').toBe('');
    const messages = op.lines.map((l) => l.message);
    expect(messages).toContain('signal received; shutting down');
    expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('signal received; shutting down'));
    expect(op.lines.find((l) => l.message === 'stopped')).toMatchObject({ exitCode: 0 });
  });

  it('without leader election reconciles at once and creates no Lease', async () => {
    const op = operator(['--no-leader-elect', '--leader-election-id', 'process-no-election']);
    await op.waitUntilReady();
    expect((await op.get('/readyz')).body).toMatch(/^informers synced/);
    const kc = ns.kubeConfig();
    await applyProject(kc, sampleProject(ns.name, 'unelected'));
    await waitConverged(kc, ns.name, 'unelected');
    const coordination = kc.makeApiClient(CoordinationV1Api);
    await expect(
      coordination.readNamespacedLease({ namespace: ns.name, name: 'process-no-election' }),
    ).rejects.toMatchObject({ code: 404 });
    expect(await op.stop('SIGTERM')).toBe(0);
  });

  it('exits 1 with a JSON error line when it cannot load its kubeconfig', async () => {
    const op = operators.start({ kubeconfig: '/nonexistent/kubeconfig', name: 'broken' });
    const { code } = await op.waitForExit();
    expect(code).toBe(1);
    expect(op.lines.at(-1)).toMatchObject({ level: 'error', message: 'the operator could not start' });
  });
});
