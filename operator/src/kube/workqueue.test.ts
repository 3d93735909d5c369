import { describe, expect, it } from 'vitest';
import { ExponentialBackoffLimiter, MaxOfLimiter, TokenBucketLimiter } from './ratelimit.js';
import { WorkQueue, type ProcessResult, type WorkOutcome } from './workqueue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds; generous deadline for slow machines. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

describe('WorkQueue: dedupe and exclusivity', () => {
  it('processes a key added several times while waiting only once', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({ process: (k) => void seen.push(k) });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.depth).toBe(2);
    q.start();
    await q.idle();
    expect(seen).toEqual(['ns/a', 'ns/b']);
    expect(q.stats().adds).toBe(4);
    await q.shutdown();
  });

  it('never processes one key concurrently, and re-adds during a run give exactly one more run', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = new WorkQueue({
      workers: 4,
      process: async () => {
        runs++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await gate.promise;
        running--;
      },
    });
    q.start();
    q.add('ns/a');
    await until(() => runs === 1);
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/a');
    await sleep(30);
    expect(runs).toBe(1); // the re-adds wait for the run in flight, with 3 idle workers
    expect(q.depth).toBe(0);
    gate.resolve();
    await until(() => runs === 2 && running === 0);
    await q.idle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
    await q.shutdown();
  });

  it('runs different keys in parallel up to the worker count', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue({
      workers: 2,
      process: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running--;
      },
    });
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    q.start();
    await until(() => running === 2);
    expect(q.depth).toBe(2);
    expect(q.stats().inFlight).toBe(2);
    gate.resolve();
    await q.idle();
    expect(maxRunning).toBe(2);
    expect(q.stats().processed).toBe(4);
    await q.shutdown();
  });

  it('holds keys added before start until start is called', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({ process: (k) => void seen.push(k) });
    q.add('a');
    await sleep(20);
    expect(seen).toEqual([]);
    q.start();
    await q.idle();
    expect(seen).toEqual(['a']);
    await q.shutdown();
  });
});

describe('WorkQueue: retries and requeue', () => {
  it('retries a failing key with growing backoff and forgets it after a success', async () => {
    const times: number[] = [];
    const errors: unknown[] = [];
    const q = new WorkQueue({
      rateLimiter: new ExponentialBackoffLimiter({ baseDelayMs: 20, maxDelayMs: 1000 }),
      metrics: { onError: (_k, e) => errors.push(e) },
      process: () => {
        times.push(Date.now());
        if (times.length < 4) throw new Error(`boom ${times.length}`);
      },
    });
    q.start();
    q.add('ns/flaky');
    await until(() => times.length === 4);
    await q.idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom 1', 'boom 2', 'boom 3']);
    // Backoff 20, 40, 80 ms: each gap is at least its delay (no upper bound: slow machines).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(18);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(38);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(78);
    expect(q.retries('ns/flaky')).toBe(0);
    expect(q.stats().errors).toBe(3);
    await q.shutdown();
  });

  it('keeps the backoff history of a key that is re-added by an event while failing', async () => {
    const q = new WorkQueue({
      rateLimiter: new ExponentialBackoffLimiter({ baseDelayMs: 60_000 }),
      process: () => {
        throw new Error('still broken');
      },
    });
    q.start();
    q.add('k');
    await until(() => q.retries('k') === 1);
    q.add('k'); // an informer event: processed now, but the failure count grows
    await until(() => q.retries('k') === 2);
    expect(q.stats().delayed).toBe(1);
    await q.shutdown();
  });

  it('treats { requeue: true } as a rate-limited retry and { requeueAfterMs } as a scheduled re-check', async () => {
    const outcomes: WorkOutcome[] = [];
    const results: ProcessResult[] = [{ requeue: true }, { requeueAfterMs: 30 }, undefined];
    let runs = 0;
    const q = new WorkQueue({
      rateLimiter: new ExponentialBackoffLimiter({ baseDelayMs: 10 }),
      metrics: { onWorkDuration: (_k, _ms, outcome) => outcomes.push(outcome) },
      process: () => results[runs++],
    });
    q.start();
    q.add('k');
    await until(() => runs === 3);
    await q.idle();
    expect(outcomes).toEqual(['requeue', 'success', 'success']);
    expect(q.retries('k')).toBe(0);
    await sleep(50);
    expect(runs).toBe(3);
    await q.shutdown();
  });

  it('addAfter delays a key, and an earlier deadline replaces a later one', async () => {
    const seen: Array<[string, number]> = [];
    const q = new WorkQueue({ process: (k) => void seen.push([k, Date.now()]) });
    q.start();
    const t0 = Date.now();
    q.addAfter('late', 60);
    q.addAfter('soon', 600_000);
    q.addAfter('soon', 20);
    q.addAfter('soon', 900_000); // later than the pending deadline: ignored
    expect(q.stats().delayed).toBe(2);
    await until(() => seen.length === 2);
    const at = Object.fromEntries(seen);
    expect(at.soon! - t0).toBeGreaterThanOrEqual(18);
    expect(at.late! - t0).toBeGreaterThanOrEqual(58);
    expect(seen.map(([k]) => k)).toEqual(['soon', 'late']);
    expect(q.stats().delayed).toBe(0);
    await q.shutdown();
  });

  it('a global token bucket spaces retries of different keys', async () => {
    const times: number[] = [];
    const q = new WorkQueue({
      workers: 3,
      rateLimiter: new MaxOfLimiter([
        new ExponentialBackoffLimiter({ baseDelayMs: 1 }),
        new TokenBucketLimiter({ qps: 10, burst: 1 }),
      ]),
      process: (k) => {
        if (k.startsWith('retry:')) times.push(Date.now());
        else q.addRateLimited(`retry:${k}`);
      },
    });
    const t0 = Date.now();
    q.start();
    q.add('a');
    q.add('b');
    q.add('c');
    await until(() => times.length === 3);
    times.sort((x, y) => x - y);
    // Burst 1 at 10 qps: the three retries are granted at ~0, ≥100 and ≥200 ms.
    expect(times[1]! - t0).toBeGreaterThanOrEqual(95);
    expect(times[2]! - t0).toBeGreaterThanOrEqual(195);
    await q.shutdown();
  });
});

describe('WorkQueue: shutdown and metrics', () => {
  it('shutdown waits for work in flight, drops queued and delayed keys, and ignores later adds', async () => {
    const gate = deferred();
    const seen: string[] = [];
    const q = new WorkQueue({
      process: async (k) => {
        seen.push(k);
        if (k === 'slow') await gate.promise;
      },
    });
    q.start();
    q.add('slow');
    q.add('queued');
    q.addAfter('delayed', 20);
    await until(() => seen.length === 1);
    let done = false;
    const stopped = q.shutdown().then(() => (done = true));
    await sleep(30);
    expect(done).toBe(false);
    q.add('after');
    gate.resolve();
    await stopped;
    await sleep(40);
    expect(seen).toEqual(['slow']);
    expect(q.shuttingDown).toBe(true);
    expect(q.stats()).toMatchObject({ depth: 0, inFlight: 0, delayed: 0 });
    expect(() => q.start()).toThrow(/shut down/);
  });

  it('does not re-run a key re-added during its run once shutdown has begun', async () => {
    const gate = deferred();
    let runs = 0;
    const q = new WorkQueue({
      process: async () => {
        runs++;
        await gate.promise;
      },
    });
    q.start();
    q.add('k');
    await until(() => runs === 1);
    q.add('k');
    const stopped = q.shutdown();
    gate.resolve();
    await stopped;
    await sleep(20);
    expect(runs).toBe(1);
  });

  it('reports depth, queue latency and work duration through the metrics hooks', async () => {
    const depths: number[] = [];
    const latencies: string[] = [];
    const durations: Array<[string, WorkOutcome]> = [];
    const q = new WorkQueue({
      metrics: {
        onDepth: (d) => depths.push(d),
        onQueueLatency: (k, ms) => {
          expect(ms).toBeGreaterThanOrEqual(0);
          latencies.push(k);
        },
        onWorkDuration: (k, _ms, outcome) => durations.push([k, outcome]),
      },
      process: (k) => {
        if (k === 'bad') throw new Error('x');
      },
      rateLimiter: new ExponentialBackoffLimiter({ baseDelayMs: 60_000 }),
    });
    q.add('a');
    q.add('bad');
    expect(depths).toEqual([1, 2]);
    q.start();
    await q.idle();
    expect(depths.at(-1)).toBe(0);
    expect(latencies).toEqual(['a', 'bad']);
    expect(durations).toEqual([
      ['a', 'success'],
      ['bad', 'error'],
    ]);
    await q.shutdown();
  });
});
