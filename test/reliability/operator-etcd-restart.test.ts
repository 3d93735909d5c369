// Fault: etcd restarted under a running operator. A private control plane (restarting the shared
// one's etcd would disturb every other file), the operator installed the way a cluster runs it
// (config/rbac applied, its ServiceAccount, all namespaces, leader election on). etcd is stopped,
// left down for a few seconds and started again with the same data; kube-apiserver keeps running and
// answers errors meanwhile. The operator must ride it out in the same process (an exit, even a clean
// one a kubelet would restart, fails the test), its watches must deliver again (a change made after
// the restart converges well before the 10-minute resync could find it), and /readyz must be 200.
// The lease timings are long, as in test/operator/apiserver-restart.test.ts: an outage longer than
// --renew-deadline makes a leader exit by design (client-go behaviour).
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import type { ControlPlane } from '../cluster/controlplane.js';
import { eventually } from '../cluster/eventually.js';
import {
  useInstalledOperator,
  applyProject,
  filesOf,
  sampleProject,
  waitConverged,
} from '../operator/operator-process.js';

const OPERATOR_NAMESPACE = 'mxcp-system';
/** Long enough for the API server's requests to etcd to fail, so the operator sees errors. */
const ETCD_DOWN_MS = 5_000;

describe('etcd restarted under the operator', () => {
  const installed = useInstalledOperator([OPERATOR_NAMESPACE, 'team-a', 'team-b']);

  it('survives in the same process, its watches deliver again, changes converge, /readyz is 200', async () => {
    const { cluster, op } = installed;
    const admin = cluster.kubeConfig();
    await applyProject(admin, sampleProject('team-a', 'before'));
    await waitConverged(admin, 'team-a', 'before');
    const pid = op.pid;
    const restartsBefore = await op.metric('mxcp_operator_watch_restarts_total');
    const linesBefore = op.lines.length;

    // The outage is real: the API server's own /readyz (its etcd check) fails while etcd is down.
    let outage = true;
    const restarted = cluster.restartEtcd(ETCD_DOWN_MS).finally(() => (outage = false));
    const apiServerNoticed = (async () => {
      while (outage) {
        if ((await apiServerReadyz(cluster).catch(() => 0)) !== 200) return true;
        await new Promise((r) => setTimeout(r, 250));
      }
      return false;
    })();
    await restarted;
    expect(await apiServerNoticed).toBe(true);

    // The API server reconnects to etcd on its own; until it does, writes fail, so retry the apply.
    const retryApply = (what: string, apply: () => Promise<void>): Promise<void> =>
      eventually(apply, () => true, { timeoutMs: 120_000, intervalMs: 1_000, what });
    // A change to an existing project and a new project in another namespace, both after the restart.
    await retryApply('update after the etcd restart', () =>
      applyProject(admin, sampleProject('team-a', 'before', 'after-etcd-restart')),
    );
    await retryApply('create after the etcd restart', () =>
      applyProject(admin, sampleProject('team-b', 'after')),
    );
    await waitConverged(admin, 'team-b', 'after', 120_000);
    await waitConverged(admin, 'team-a', 'before', 120_000);
    expect(await filesOf(admin, 'team-a', 'before')).toContain("SELECT 'after-etcd-restart '");

    // The same process all along: never exited, not restarted.
    expect(op.exitCode, op.describe()).toBeUndefined();
    expect(op.pid).toBe(pid);
    const readyz = await eventually(
      async () => (await op.get('/readyz')).status,
      (status) => status === 200,
      { timeoutMs: 60_000, what: 'operator /readyz 200 after the etcd restart' },
    );
    expect(readyz).toBe(200);
    const restarts = await op.metric('mxcp_operator_watch_restarts_total');
    expect(restarts).toBeGreaterThanOrEqual(restartsBefore);
    const during = op.lines.slice(linesBefore).filter((l) => l.level === 'error' || l.level === 'warn');
    process.stderr.write(
      `operator-etcd-restart.test: watch restarts ${restartsBefore} -> ${restarts}, ` +
        `${during.length} warn/error log lines during the outage\n`,
    );

    // Once settled, one more change goes through without a hitch.
    await applyProject(admin, sampleProject('team-b', 'after', 'settled'));
    await waitConverged(admin, 'team-b', 'after');
    expect(await filesOf(admin, 'team-b', 'after')).toContain("SELECT 'settled '");
    expect(op.exitCode, op.describe()).toBeUndefined();
  }, 300_000);
});

/** Status of an anonymous GET of the API server's /readyz, trusting only the cluster CA. */
function apiServerReadyz(cluster: ControlPlane): Promise<number> {
  return new Promise((resolve, reject) => {
    const ca = Buffer.from(cluster.caData, 'base64');
    const req = request(`${cluster.server}/readyz`, { ca, timeout: 3_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
