// Figures the operator benchmark reads from a running operator and its control plane: percentiles
// estimated from a Prometheus histogram's buckets, a process's RSS from /proc, and the write requests
// one user made, read incrementally from the API server's audit log (the log of a 1000-project run
// is tens of MB: the benchmark polls only what was appended since it last looked).
import { open, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { WRITE_VERBS, type AuditEvent } from '../cluster/audit.js';
import { sumMetric } from '../operator/prometheus.js';

/** Kilobytes of `VmHWM` (peak resident set) or `VmRSS` (resident set now) of process `pid`. */
export function procStatusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export interface Bucket {
  /** Upper bound in the metric's unit; Infinity for +Inf. */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

/** The cumulative buckets of histogram `name` (summed over every other label), sorted by bound. */
export function histogramBuckets(text: string, name: string): Bucket[] {
  const bounds = new Set<string>();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*\\ble="([^"]+)"`, 'gm'))) bounds.add(m[1]);
  return [...bounds]
    .map((le) => ({
      le: le === '+Inf' ? Infinity : Number(le),
      count: sumMetric(text, `${name}_bucket`, { le }),
    }))
    .sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile (0 < q < 1) estimated from cumulative buckets as Prometheus' histogram_quantile
 * does: find the bucket holding the rank q·count and interpolate linearly inside it (from 0 for
 * the first bucket). A rank in the +Inf bucket yields the highest finite bound (a lower bound of
 * the truth). NaN when there are no observations.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound;
      const inBucket = b.count - lowerCount;
      return inBucket === 0 ? b.le : lowerBound + (b.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  /** True when a percentile fell into the +Inf bucket (the value shown is then a lower bound). */
  overflow: boolean;
}

/** p50/p95/p99 in milliseconds of a seconds histogram in Prometheus text `text`. */
export function percentilesMs(text: string, name: string): Percentiles {
  const buckets = histogramBuckets(text, name);
  const finiteTop = buckets.filter((b) => b.le !== Infinity).at(-1);
  const total = buckets.at(-1)?.count ?? 0;
  const ms = (q: number): number => histogramQuantile(q, buckets) * 1000;
  return {
    p50: ms(0.5),
    p95: ms(0.95),
    p99: ms(0.99),
    overflow: finiteTop !== undefined && finiteTop.count < 0.99 * total,
  };
}

/** A write request as one line: `patch deployments ns/name` (subresource after a slash). */
export function describeWrite(e: AuditEvent): string {
  const ref = e.objectRef ?? {};
  const resource = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
  return `${e.verb} ${resource} ${ref.namespace ?? ''}/${ref.name ?? ''}`;
}

/**
 * The write requests (create, update, patch, delete) of one user appended to an audit log after
 * start(), read incrementally. Every event is kept, so callers can split them by time.
 */
export class AuditWrites {
  private offset = 0;
  private partial = '';
  readonly events: AuditEvent[] = [];

  constructor(
    private readonly logPath: string,
    private readonly user: string,
  ) {}

  /** Starts at the current end of the log: only requests logged from now on count. */
  async start(): Promise<void> {
    this.offset = await stat(this.logPath).then(
      (s) => s.size,
      () => 0,
    );
    this.partial = '';
    this.events.length = 0;
  }

  /** Reads what was appended since the last call; returns the new write events of the user. */
  async poll(): Promise<AuditEvent[]> {
    const handle = await open(this.logPath, 'r').catch(() => undefined);
    if (!handle) return [];
    const fresh: AuditEvent[] = [];
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return [];
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      // The last piece may be half written while the API server appends.
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes(this.user)) continue;
        let event: AuditEvent;
        try {
          event = JSON.parse(line) as AuditEvent;
        } catch {
          continue;
        }
        if (event.user?.username !== this.user || !WRITE_VERBS.includes(event.verb)) continue;
        fresh.push(event);
      }
    } finally {
      await handle.close();
    }
    this.events.push(...fresh);
    return fresh;
  }
}

/** Leader election renews its Lease every --retry-period: writes, but not the reconciler's. */
export function isLeaseWrite(e: AuditEvent): boolean {
  return e.objectRef?.resource === 'leases';
}
