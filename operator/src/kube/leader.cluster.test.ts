// Lease leader election between two candidates on the real API server.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../../../test/cluster/namespace.js';
import { isConflict } from './errors.js';
import { LeaderElector, type LeaderElectionOptions } from './leader.js';

const ns = useTestNamespace();
let api: CoordinationV1Api;
const electors: LeaderElector[] = [];

beforeAll(() => {
  api = ns.kubeConfig().makeApiClient(CoordinationV1Api);
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

// Short, but with room for a loaded machine: a renewal may take a while before the deadline hits.
const TIMING = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };

interface Log {
  started: number;
  stopped: number;
  errors: unknown[];
}

function candidate(
  lease: string,
  identity: string,
  extra: Partial<LeaderElectionOptions> = {},
): { elector: LeaderElector; log: Log } {
  const log: Log = { started: 0, stopped: 0, errors: [] };
  const elector = new LeaderElector({
    api,
    namespace: ns.name,
    name: lease,
    identity,
    ...TIMING,
    onStartedLeading: () => void log.started++,
    onStoppedLeading: () => void log.stopped++,
    onError: (e) => log.errors.push(e),
    ...extra,
  });
  electors.push(elector);
  return { elector, log };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('LeaderElector', () => {
  it('elects exactly one of two candidates and hands over when the leader stops', async () => {
    const a = candidate('handover', 'candidate-a');
    const b = candidate('handover', 'candidate-b');
    a.elector.start();
    b.elector.start();
    await until(() => a.elector.isLeader || b.elector.isLeader, 'a leader');
    // Over several renew periods, never both, never a change of leader.
    const first = a.elector.isLeader ? a : b;
    const second = first === a ? b : a;
    for (let i = 0; i < 20; i++) {
      expect(a.elector.isLeader && b.elector.isLeader).toBe(false);
      expect(first.elector.isLeader).toBe(true);
      await sleep(150);
    }
    const lease = await api.readNamespacedLease({ namespace: ns.name, name: 'handover' });
    expect(lease.spec?.holderIdentity).toBe(first.elector.identity);
    expect(lease.spec?.leaseDurationSeconds).toBe(4);
    expect(second.elector.leader).toBe(first.elector.identity);

    const stoppedAt = Date.now();
    await first.elector.stop();
    expect(first.log).toMatchObject({ started: 1, stopped: 1 });
    await until(() => second.elector.isLeader, 'the takeover');
    // Released, so the successor did not have to wait out the lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(TIMING.leaseDurationMs);
    expect(second.log.started).toBe(1);
    const after = await api.readNamespacedLease({ namespace: ns.name, name: 'handover' });
    expect(after.spec?.holderIdentity).toBe(second.elector.identity);
    expect(after.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    expect([...a.log.errors, ...b.log.errors]).toEqual([]);
  });

  it('a leader that vanishes without releasing is replaced only after the lease expires', async () => {
    const a = candidate('crash', 'crashing-a', { releaseOnStop: false });
    a.elector.start();
    await until(() => a.elector.isLeader, 'a leading');
    const b = candidate('crash', 'waiting-b');
    b.elector.start();
    await sleep(1500);
    expect(b.elector.isLeader).toBe(false);
    const stoppedAt = Date.now();
    await a.elector.stop();
    await until(() => b.elector.isLeader, 'b taking over', 30_000);
    // b waits a full lease duration after the last renewal it observed (≤ one retry period before the stop).
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - 2 * TIMING.retryPeriodMs);
  });

  it('steps down when the lease is taken away and it cannot renew', async () => {
    const a = candidate('stolen', 'victim');
    a.elector.start();
    await until(() => a.elector.isLeader, 'leading');
    // An administrator hands the lease to someone else; every renew attempt now sees a live foreign holder.
    for (let attempt = 0; ; attempt++) {
      const lease = await api.readNamespacedLease({ namespace: ns.name, name: 'stolen' });
      try {
        await api.replaceNamespacedLease({
          namespace: ns.name,
          name: 'stolen',
          body: { ...lease, spec: { ...lease.spec, holderIdentity: 'usurper', leaseDurationSeconds: 3600 } },
        });
        break;
      } catch (e) {
        if (!isConflict(e) || attempt > 10) throw e; // raced a renewal: read again
      }
    }
    await until(() => !a.elector.isLeader, 'stepping down', 30_000);
    expect(a.log).toMatchObject({ started: 1, stopped: 1 });
  });

  it('rejects timings client-go would reject', () => {
    expect(
      () =>
        new LeaderElector({ api, namespace: 'x', name: 'y', leaseDurationMs: 5000, renewDeadlineMs: 5000 }),
    ).toThrow(RangeError);
    expect(
      () => new LeaderElector({ api, namespace: 'x', name: 'y', renewDeadlineMs: 2000, retryPeriodMs: 2000 }),
    ).toThrow(RangeError);
  });
});
