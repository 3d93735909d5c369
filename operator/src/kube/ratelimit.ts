// Rate limiters for retries, modelled on client-go's workqueue defaults: a per-key exponential
// backoff (a failing project backs off without slowing the others), a global token bucket (a burst
// of failures cannot hammer the API server), and a jittered backoff for reconnect loops.

/** A monotonic-enough clock; tests inject a fake one. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Decides how long a key waits before its next retry. */
export interface RateLimiter {
  /** Delay in ms for the next retry of `key` (records the attempt). */
  when(key: string): number;
  /** Clears the key's failure history (after a success). */
  forget(key: string): void;
  /** How many times `key` has been retried since it was last forgotten. */
  retries(key: string): number;
}

export interface ExponentialOptions {
  /** First delay (client-go: 5 ms). */
  baseDelayMs?: number;
  /** Cap (client-go: 1000 s). */
  maxDelayMs?: number;
}

/** Per-key exponential backoff: base · 2^failures, capped. */
export class ExponentialBackoffLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: ExponentialOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
  }

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long after the cap; min() keeps it finite.
    return Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Sustained rate (client-go: 10 per second). */
  qps?: number;
  /** Bucket size (client-go: 100). */
  burst?: number;
  clock?: Clock;
}

/**
 * Global token bucket. `when` reserves a token and returns how long the caller must wait for it;
 * reservations may drive the balance negative so that successive callers queue up behind each other.
 */
export class TokenBucketLimiter implements RateLimiter {
  private tokens: number;
  private last: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;

  constructor(options: TokenBucketOptions = {}) {
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    if (!(this.qps > 0) || !(this.burst >= 1))
      throw new RangeError('token bucket needs qps > 0 and burst >= 1');
    this.clock = options.clock ?? systemClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(): void {
    // The bucket is shared by all keys: nothing per key to forget.
  }

  retries(): number {
    return 0;
  }
}

/** The slowest of several limiters wins (client-go's MaxOfRateLimiter). */
export class MaxOfLimiter implements RateLimiter {
  constructor(private readonly limiters: RateLimiter[]) {}

  when(key: string): number {
    let delay = 0;
    for (const limiter of this.limiters) delay = Math.max(delay, limiter.when(key));
    return delay;
  }

  forget(key: string): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  retries(key: string): number {
    let n = 0;
    for (const limiter of this.limiters) n = Math.max(n, limiter.retries(key));
    return n;
  }
}

/** client-go's DefaultControllerRateLimiter: per-key 5 ms → 1000 s, global 10 qps burst 100. */
export function defaultControllerRateLimiter(
  options: ExponentialOptions & TokenBucketOptions = {},
): RateLimiter {
  return new MaxOfLimiter([new ExponentialBackoffLimiter(options), new TokenBucketLimiter(options)]);
}

/**
 * Reconnect backoff for watch loops: doubles from `initialMs` to `maxMs`, each delay jittered by up to
 * ±`jitter` (a fraction) so that many operators restarting together do not reconnect in lockstep.
 */
export class JitteredBackoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 1000,
    private readonly maxMs = 30_000,
    private readonly jitter = 0.2,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const base = Math.min(this.initialMs * 2 ** this.attempt, this.maxMs);
    this.attempt++;
    const spread = base * this.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.round(base + spread));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
