// A keyed work queue with client-go's guarantees, which the reconciler relies on:
//  - a key waiting in the queue is held once, however often it is added (events coalesce);
//  - a key is never processed by two workers at once; a key re-added while it is being processed is
//    processed once more after the current run finishes;
//  - failures are retried with per-key exponential backoff under a global token bucket, and a success
//    forgets the key's history; `requeueAfterMs` schedules a periodic re-check.
// The processor's outcome drives this (controller-runtime's Result): throw → addRateLimited,
// `{ requeue: true }` → addRateLimited, `{ requeueAfterMs }` → forget + addAfter, otherwise forget.

import { defaultControllerRateLimiter, type RateLimiter } from './ratelimit.js';

/** What a reconcile asks of the queue when it returns normally. */
export type ProcessResult = void | undefined | { requeue?: boolean; requeueAfterMs?: number };

export type Processor = (key: string) => ProcessResult | Promise<ProcessResult>;

export type WorkOutcome = 'success' | 'requeue' | 'error';

/** Hooks for metrics and logs (prom-client counters/histograms plug in here). */
export interface WorkQueueMetrics {
  /** A key was added (also counts coalesced adds). */
  onAdd?(key: string): void;
  /** The number of keys ready and waiting for a worker changed. */
  onDepth?(depth: number): void;
  /** Time a key spent ready in the queue before a worker took it. */
  onQueueLatency?(key: string, ms: number): void;
  /** One processing run finished. */
  onWorkDuration?(key: string, ms: number, outcome: WorkOutcome): void;
  /** A key was scheduled for a rate-limited retry after `delayMs`. */
  onRetry?(key: string, delayMs: number): void;
  /** The processor threw (the key is retried with backoff). */
  onError?(key: string, error: unknown): void;
}

export interface WorkQueueOptions {
  process: Processor;
  /** Concurrent workers (different keys only). Default 1. */
  workers?: number;
  /** Default: per-key 5 ms → 1000 s exponential, max'd with a global 10 qps / burst 100 bucket. */
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
}

export interface WorkQueueStats {
  depth: number;
  inFlight: number;
  delayed: number;
  adds: number;
  processed: number;
  errors: number;
  retries: number;
}

export class WorkQueue {
  private readonly processor: Processor;
  private readonly workers: number;
  private readonly limiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics;

  /** Ready keys in FIFO order; every entry is also in `dirty`. */
  private readonly queue: string[] = [];
  /** Keys that need processing (queued, or re-added while in flight). */
  private readonly dirty = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** When each queued key became ready, for the latency metric. */
  private readonly readySince = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  private started = false;
  private stopping = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counters = { adds: 0, processed: 0, errors: 0, retries: 0 };

  constructor(options: WorkQueueOptions) {
    this.processor = options.process;
    this.workers = Math.max(1, options.workers ?? 1);
    this.limiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.metrics = options.metrics ?? {};
  }

  /** Begins handing keys to workers (keys added earlier are kept and processed now). */
  start(): void {
    if (this.stopping) throw new Error('work queue is shut down');
    this.started = true;
    this.pump();
  }

  /** Queues `key` unless it is already waiting. Ignored after shutdown. */
  add(key: string): void {
    if (this.stopping) return;
    this.counters.adds++;
    this.metrics.onAdd?.(key);
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    // A key in flight is re-queued by finish(); queuing it now would let a second worker take it.
    if (this.inFlight.has(key)) return;
    this.enqueue(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopping) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  /** Adds `key` after the rate limiter's delay (per-key backoff, global bucket). */
  addRateLimited(key: string): void {
    if (this.stopping) return;
    const delay = this.limiter.when(key);
    this.counters.retries++;
    this.metrics.onRetry?.(key, delay);
    this.addAfter(key, delay);
  }

  /** Resets `key`'s backoff (call after it was processed successfully). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Retries of `key` since it was last forgotten. */
  retries(key: string): number {
    return this.limiter.retries(key);
  }

  /** Keys ready and waiting for a worker. */
  get depth(): number {
    return this.queue.length;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  stats(): WorkQueueStats {
    return {
      depth: this.queue.length,
      inFlight: this.inFlight.size,
      delayed: this.delayed.size,
      ...this.counters,
    };
  }

  /** Resolves when nothing is queued or in flight (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking keys: delayed keys are cancelled, queued keys are dropped, and the returned promise
   * resolves once the runs in flight have finished. Keys added afterwards are ignored.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.readySince.clear();
    for (const key of [...this.dirty]) if (!this.inFlight.has(key)) this.dirty.delete(key);
    this.metrics.onDepth?.(0);
    await this.idle();
  }

  private enqueue(key: string): void {
    this.queue.push(key);
    this.readySince.set(key, Date.now());
    this.metrics.onDepth?.(this.queue.length);
    this.pump();
  }

  private pump(): void {
    while (this.started && !this.stopping && this.inFlight.size < this.workers && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.dirty.delete(key);
      this.inFlight.add(key);
      const since = this.readySince.get(key);
      this.readySince.delete(key);
      this.metrics.onDepth?.(this.queue.length);
      if (since !== undefined) this.metrics.onQueueLatency?.(key, Date.now() - since);
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    const startedAt = Date.now();
    let outcome: WorkOutcome = 'success';
    try {
      const result = await this.processor(key);
      if (result && result.requeue) {
        outcome = 'requeue';
        this.addRateLimited(key);
      } else if (result && result.requeueAfterMs !== undefined) {
        this.forget(key);
        this.addAfter(key, result.requeueAfterMs);
      } else {
        this.forget(key);
      }
    } catch (error) {
      outcome = 'error';
      this.counters.errors++;
      this.metrics.onError?.(key, error);
      this.addRateLimited(key);
    } finally {
      this.counters.processed++;
      this.metrics.onWorkDuration?.(key, Date.now() - startedAt, outcome);
      this.finish(key);
    }
  }

  private finish(key: string): void {
    this.inFlight.delete(key);
    if (this.dirty.has(key)) {
      if (this.stopping) this.dirty.delete(key);
      else this.enqueue(key);
    }
    this.pump();
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private isIdle(): boolean {
    return this.inFlight.size === 0 && this.queue.length === 0;
  }
}
