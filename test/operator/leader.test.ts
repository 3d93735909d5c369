// Two operator processes against one cluster never reconcile at the same time: only the Lease holder
// writes (the API server's audit log is the witness: each process authenticates as its own user), a
// standby is ready but idle, a SIGTERMed leader hands over at once (it releases the Lease), and a
// leader whose Lease is taken away stops and exits 1 instead of writing on a stale belief.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../cluster/audit.js';
import { WRITE_VERBS } from '../cluster/audit.js';
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
// client-go's defaults for the lease, a shorter retry so tests do not wait for acquisition rounds.
const LEASE_SECONDS = 15;

/** An operator process authenticating as its own user (in system:masters: RBAC is rbac.test.ts's). */
async function candidate(user: string, lease: string, extra: string[] = []): Promise<OperatorProcess> {
  const kubeconfig = await ns.cluster.kubeconfigForUser(user, ['system:masters']);
  return operators.inNamespace({
    kubeconfig,
    name: user,
    args: ['--leader-election-id', lease, '--retry-period', '1', ...extra],
  });
}

/** Writes a user made in the test namespace, other than to the Lease. */
async function reconcileWrites(user: string, since: Date): Promise<AuditEvent[]> {
  const events = await ns.cluster.auditEvents({ user, verbs: WRITE_VERBS, since, namespace: ns.name });
  return events.filter((e) => e.objectRef?.resource !== 'leases');
}

describe('leader election between two operator processes', { timeout: 240_000 }, () => {
  it('only the leader reconciles; on SIGTERM the standby takes over within the lease duration', async () => {
    const since = new Date();
    const kc = ns.kubeConfig();
    const userA = `leader-a-${ns.name}`;
    const userB = `leader-b-${ns.name}`;
    const a = await candidate(userA, 'handover');
    await a.waitForLog((l) => l.message === 'became leader; starting the controller', 'A leads');
    await a.waitUntilReady();
    const b = await candidate(userB, 'handover');
    await b.waitUntilReady();
    expect((await b.get('/readyz')).body).toMatch(/^standby, leader is /);
    expect(await b.metric('mxcp_operator_leader')).toBe(0);
    expect(await a.metric('mxcp_operator_leader')).toBe(1);

    await applyProject(kc, sampleProject(ns.name, 'first'));
    await waitConverged(kc, ns.name, 'first');
    await applyProject(kc, sampleProject(ns.name, 'first', 'hi'));
    await waitConverged(kc, ns.name, 'first');
    expect((await reconcileWrites(userA, since)).length).toBeGreaterThan(0);
    expect(await reconcileWrites(userB, since)).toEqual([]);
    expect(await b.metric('mxcp_operator_reconcile_total')).toBe(0);

    const stopAt = Date.now();
    expect(await a.stop('SIGTERM'), a.describe()).toBe(0);
    await b.waitForLog(
      (l) => l.message === 'became leader; starting the controller',
      'B takes over',
      LEASE_SECONDS * 1000,
    );
    const takeoverMs = Date.now() - stopAt;
    expect(takeoverMs).toBeLessThan(LEASE_SECONDS * 1000);
    process.stderr.write(`leader.test: standby took over ${takeoverMs} ms after SIGTERM to the leader\n`);

    await applyProject(kc, sampleProject(ns.name, 'second'));
    await applyProject(kc, sampleProject(ns.name, 'first', 'hola'));
    await waitConverged(kc, ns.name, 'second');
    await waitConverged(kc, ns.name, 'first');

    // Never at the same time: every write of A happened before the first write of B.
    const writesA = await reconcileWrites(userA, since);
    const writesB = await reconcileWrites(userB, since);
    expect(writesB.length).toBeGreaterThan(0);
    const lastA = Math.max(...writesA.map((e) => Date.parse(e.stageTimestamp)));
    const firstB = Math.min(...writesB.map((e) => Date.parse(e.requestReceivedTimestamp)));
    expect(lastA).toBeLessThan(firstB);
    expect(await b.metric('mxcp_operator_reconcile_total', { result: 'success' })).toBeGreaterThan(0);
  });

  it('a leader whose Lease is taken stops reconciling and exits 1', async () => {
    const leaseName = 'stolen';
    const a = await candidate(`leader-c-${ns.name}`, leaseName, [
      '--lease-duration',
      '6',
      '--renew-deadline',
      '4',
    ]);
    await a.waitUntilReady();
    const coordination = ns.kubeConfig().makeApiClient(CoordinationV1Api);
    // The leader renews every second: retry when its renewal wins the optimistic-concurrency race.
    await eventually(
      async () => {
        const lease = await coordination.readNamespacedLease({ namespace: ns.name, name: leaseName });
        return coordination.replaceNamespacedLease({
          namespace: ns.name,
          name: leaseName,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 3600 } },
        });
      },
      () => true,
      { what: 'the Lease taken over' },
    );
    const { code } = await eventually(
      async () => {
        if (a.exitCode === undefined) throw new Error('still running');
        return a.waitForExit();
      },
      () => true,
      { what: 'the deposed leader exits', timeoutMs: 60_000 },
    );
    expect(code, a.describe()).toBe(1);
    expect(a.lines.map((l) => l.message)).toContain(
      'leader election lost; stopping the controller and exiting',
    );
    const after = await coordination.readNamespacedLease({ namespace: ns.name, name: leaseName });
    expect(after.spec?.holderIdentity).toBe('intruder');
  });
});
