// The operator survives its API server restarting mid-run and converges afterwards. A private control
// plane (restarting the shared one would disturb every other file), the operator installed the way a
// cluster runs it: config/rbac applied, running as that ServiceAccount, watching all namespaces,
// leader election on. The lease timings are long enough to ride out the restart: an outage longer
// than --renew-deadline makes a leader exit (client-go behaviour; the kubelet restarts it).
import { describe, expect, it } from 'vitest';
import { eventually } from '../cluster/eventually.js';
import {
  useInstalledOperator,
  applyProject,
  filesOf,
  sampleProject,
  waitConverged,
} from './operator-process.js';

const OPERATOR_NAMESPACE = 'mxcp-system';

describe('API server restart', () => {
  const installed = useInstalledOperator([OPERATOR_NAMESPACE, 'team-a', 'team-b']);

  it('keeps running through the restart, reconnects its watches and converges new changes', async () => {
    const { cluster, op } = installed;
    const admin = cluster.kubeConfig();
    await applyProject(admin, sampleProject('team-a', 'before'));
    await waitConverged(admin, 'team-a', 'before');
    const restartsBefore = await op.metric('mxcp_operator_watch_restarts_total');

    const restartAt = Date.now();
    await cluster.restartApiServer();

    // A change to an existing project and a new project in another namespace, both after the restart.
    await applyProject(admin, sampleProject('team-a', 'before', 'after-restart'));
    await applyProject(admin, sampleProject('team-b', 'after'));
    await waitConverged(admin, 'team-b', 'after', 120_000);
    await waitConverged(admin, 'team-a', 'before', 120_000);
    expect(await filesOf(admin, 'team-a', 'before')).toContain("SELECT 'after-restart '");

    expect(op.exitCode, op.describe()).toBeUndefined();
    const restarts = await eventually(
      () => op.metric('mxcp_operator_watch_restarts_total'),
      (n) => n > restartsBefore,
      { what: 'watch restarts counted in /metrics' },
    );
    expect(restarts).toBeGreaterThan(restartsBefore);
    process.stderr.write(`apiserver-restart.test: watch restarts ${restartsBefore} -> ${restarts}\n`);
    expect((await op.get('/readyz')).status).toBe(200);
    // Before the restart its RBAC sufficed for everything. Right after it, kube-apiserver answers 403
    // for a moment (it reports ready before its RBAC authorizer's caches have synced); the operator
    // retries those (watches, Lease renewals). Once settled: not one 403 more.
    const forbidden = op.forbiddenLines();
    expect(forbidden.filter((l) => Date.parse(l.timestamp!) < restartAt)).toEqual([]);
    const settled = op.lines.length;
    await applyProject(admin, sampleProject('team-b', 'after', 'settled'));
    await waitConverged(admin, 'team-b', 'after');
    expect(await filesOf(admin, 'team-b', 'after')).toContain("SELECT 'settled '");
    expect(op.lines.slice(settled).filter((l) => /\b403\b|forbidden/i.test(JSON.stringify(l)))).toEqual([]);
    process.stderr.write(
      `apiserver-restart.test: ${forbidden.length} transient 403s right after the restart (retried)\n`,
    );
  }, 300_000);
});
