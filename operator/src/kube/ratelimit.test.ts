import { describe, expect, it } from 'vitest';
import {
  ExponentialBackoffLimiter,
  JitteredBackoff,
  MaxOfLimiter,
  TokenBucketLimiter,
  defaultControllerRateLimiter,
} from './ratelimit.js';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ExponentialBackoffLimiter', () => {
  it('doubles the delay per failure of a key from the base up to the cap', () => {
    const limiter = new ExponentialBackoffLimiter({ baseDelayMs: 5, maxDelayMs: 100 });
    const delays = Array.from({ length: 7 }, () => limiter.when('ns/a'));
    expect(delays).toEqual([5, 10, 20, 40, 80, 100, 100]);
    expect(limiter.retries('ns/a')).toBe(7);
  });

  it('tracks keys independently and starts over after forget', () => {
    const limiter = new ExponentialBackoffLimiter({ baseDelayMs: 5 });
    limiter.when('a');
    limiter.when('a');
    expect(limiter.when('b')).toBe(5);
    expect(limiter.when('a')).toBe(20);
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
  });

  it('stays at the cap after very many failures instead of overflowing', () => {
    const limiter = new ExponentialBackoffLimiter();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = limiter.when('k');
    expect(last).toBe(1_000_000);
  });
});

describe('TokenBucketLimiter', () => {
  it('lets a burst through, then spaces callers at 1/qps', () => {
    const clock = fakeClock();
    const bucket = new TokenBucketLimiter({ qps: 10, burst: 2, clock });
    expect([bucket.when(), bucket.when(), bucket.when(), bucket.when()]).toEqual([0, 0, 100, 200]);
  });

  it('refills with time but never above the burst', () => {
    const clock = fakeClock();
    const bucket = new TokenBucketLimiter({ qps: 10, burst: 2, clock });
    bucket.when();
    bucket.when();
    clock.advance(60_000);
    expect([bucket.when(), bucket.when(), bucket.when()]).toEqual([0, 0, 100]);
  });

  it('rejects a bucket that could never hand out a token', () => {
    expect(() => new TokenBucketLimiter({ qps: 0 })).toThrow(RangeError);
  });
});

describe('MaxOfLimiter', () => {
  it('waits for the slowest limiter and forgets in all of them', () => {
    const clock = fakeClock();
    const limiter = new MaxOfLimiter([
      new ExponentialBackoffLimiter({ baseDelayMs: 5 }),
      new TokenBucketLimiter({ qps: 1, burst: 1, clock }),
    ]);
    expect(limiter.when('a')).toBe(5); // bucket had a token; backoff decides
    expect(limiter.when('b')).toBe(1000); // bucket empty: it decides
    expect(limiter.retries('a')).toBe(1);
    limiter.forget('a');
    expect(limiter.retries('a')).toBe(0);
  });

  it('defaults to client-go controller limits', () => {
    const limiter = defaultControllerRateLimiter();
    expect(limiter.when('x')).toBe(5);
    expect(limiter.when('x')).toBe(10);
  });
});

describe('JitteredBackoff', () => {
  it('doubles from 1 s to 30 s with at most ±20% jitter, and resets', () => {
    const backoff = new JitteredBackoff(1000, 30_000, 0.2);
    const bases = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000];
    for (const base of bases) {
      const d = backoff.next();
      expect(d).toBeGreaterThanOrEqual(base * 0.8);
      expect(d).toBeLessThanOrEqual(base * 1.2);
    }
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBeLessThanOrEqual(1200);
  });

  it('spreads delays with the random source', () => {
    const low = new JitteredBackoff(1000, 30_000, 0.2, () => 0);
    const high = new JitteredBackoff(1000, 30_000, 0.2, () => 1);
    expect(low.next()).toBe(800);
    expect(high.next()).toBe(1200);
  });
});
