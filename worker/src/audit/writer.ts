// The audit writer (MXCP-SPEC §6 "Writing", DESIGN §5 "Audit"): records are
// queued and appended to JSONL segments in batches, off the request path.
//
// - Batching: a write starts when `batchSize` records wait, or `flushIntervalMs`
//   after the first one; each write takes everything queued (up to
//   `maxBatchRecords`), so a slow disk means fewer, larger writes.
// - Back-pressure, never silent loss: the queue holds `queueCapacity` records.
//   When it is full, `record()` waits (up to `enqueueTimeoutMs`) for room; only a
//   record that still finds no room is dropped, and it is counted and logged.
// - Failures never reach the caller: a failed write is logged as "CRITICAL:
//   Audit logging failed …", counted, and retried with backoff; the records stay
//   queued meanwhile and `healthy` is false until a write succeeds again.
// - Segments: a new one at every start (created with the first write) and
//   whenever the current one has reached `maxFileSize`; names in segments.ts.
import { appendFile as fsAppendFile, mkdir, open, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_AUDIT_MAX_FILE_SIZE } from '../config/site-schema.js';
import { ENDPOINT_SCHEMA, type AuditRecord, type AuditSchema } from './record.js';
import { auditLocation, hostLabel, registerSchema, segmentFileName, segmentStamp } from './segments.js';

export interface AuditLogger {
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface AuditWriterOptions {
  /** `audit.path`: the base name segments are derived from. */
  path: string;
  /** Bytes after which the next write opens a new segment (`audit.max_file_size`, 50 MiB). */
  maxFileSize?: number;
  /** Records that trigger a write (MXCP: 10). */
  batchSize?: number;
  /** The longest a record waits before a write starts (MXCP: 1 s). */
  flushIntervalMs?: number;
  /** The most records written in one append. */
  maxBatchRecords?: number;
  /** Records held in memory, waiting or being written. */
  queueCapacity?: number;
  /** How long `record()` waits for room in a full queue before it drops the record. */
  enqueueTimeoutMs?: number;
  /** First retry delay after a failed write; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** How long `close()` keeps retrying a failing sink before it gives up on what is left. */
  closeTimeoutMs?: number;
  /** The replica's name in segment names; default POD_NAME, HOSTNAME, os.hostname(). */
  host?: string;
  /** A copy of every record as a JSON line (e.g. process.stdout for a log shipper; never with stdio transport). */
  copyTo?: { write(chunk: string): unknown };
  logger?: AuditLogger;
  /** The schemas registered in `<stem>_schemas.jsonl` when the first segment opens. */
  schemas?: Omit<AuditSchema, 'created_at'>[];
  /** How bytes reach a segment; node's appendFile unless a test slows it down. */
  appendFile?: (path: string, data: string) => Promise<void>;
}

export interface AuditWriterStats {
  /** Records appended to a segment. */
  written: number;
  /** Records that could not be accepted or written and are lost (should always be 0). */
  dropped: number;
  /** Failed write attempts (each is retried). */
  failures: number;
  /** Records accepted and not yet written, plus records waiting for room. */
  queued: number;
}

interface Waiter {
  line: string;
  resolve(accepted: boolean): void;
  timer: NodeJS.Timeout;
}

const stderrLogger: AuditLogger = {
  error: (message, meta) => process.stderr.write(`${message}${meta ? ` ${JSON.stringify(meta)}` : ''}\n`),
};

export class AuditWriter {
  private readonly location: ReturnType<typeof auditLocation>;
  private readonly maxFileSize: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBatchRecords: number;
  private readonly capacity: number;
  private readonly enqueueTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly closeTimeoutMs: number;
  private readonly host: string;
  private readonly logger: AuditLogger;
  private readonly copyTo?: { write(chunk: string): unknown };
  private readonly schemas: Omit<AuditSchema, 'created_at'>[];
  private readonly appendFile: (path: string, data: string) => Promise<void>;

  private queue: string[] = [];
  private readonly waiters: Waiter[] = [];
  private segment: { path: string; size: number } | null = null;
  private schemasRegistered = false;
  private pumping: Promise<boolean> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private closed = false;
  private closing: Promise<void> | null = null;

  private accepted = 0;
  private written = 0;
  private dropped = 0;
  private failures = 0;
  private lastWriteFailed = false;

  constructor(options: AuditWriterOptions) {
    this.location = auditLocation(options.path);
    this.maxFileSize = options.maxFileSize ?? DEFAULT_AUDIT_MAX_FILE_SIZE;
    this.batchSize = Math.max(1, options.batchSize ?? 10);
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxBatchRecords = Math.max(1, options.maxBatchRecords ?? 1000);
    this.capacity = Math.max(1, options.queueCapacity ?? 10_000);
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 5000;
    this.retryDelayMs = options.retryDelayMs ?? this.flushIntervalMs;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.retryDelay = this.retryDelayMs;
    this.host = options.host ?? hostLabel();
    this.logger = options.logger ?? stderrLogger;
    this.copyTo = options.copyTo;
    this.schemas = options.schemas ?? [ENDPOINT_SCHEMA];
    this.appendFile = options.appendFile ?? ((path, data) => fsAppendFile(path, data));
  }

  /** False while writes are failing (readiness can report it); true again after a write succeeds. */
  get healthy(): boolean {
    return !this.lastWriteFailed;
  }

  /** The segment being written, once the first write has opened it. */
  get currentSegment(): string | null {
    return this.segment?.path ?? null;
  }

  stats(): AuditWriterStats {
    return {
      written: this.written,
      dropped: this.dropped,
      failures: this.failures,
      queued: this.queue.length + this.waiters.length,
    };
  }

  /**
   * Queues one record. Resolves true once it is accepted (waiting while the queue is
   * full), false if it had to be dropped. Never rejects.
   */
  record(record: AuditRecord): Promise<boolean> {
    if (this.closed) {
      this.drop(1, 'the audit writer is closed');
      return Promise.resolve(false);
    }
    let line: string;
    try {
      line = JSON.stringify(record, jsonSafe);
    } catch (error) {
      this.drop(1, `the record cannot be serialised: ${messageOf(error)}`);
      return Promise.resolve(false);
    }
    this.copy(line);
    if (this.waiters.length === 0 && this.queue.length < this.capacity) {
      this.enqueue(line);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        line,
        resolve,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          this.drop(1, `the audit queue stayed full for ${this.enqueueTimeoutMs} ms`);
          resolve(false);
        }, this.enqueueTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Writes everything accepted so far. Resolves true when it is on disk, false if a write failed. */
  async flush(): Promise<boolean> {
    const target = this.accepted;
    while (this.written < target) {
      if (this.pumping) {
        if (!(await this.pumping) && this.written < target) return false;
        continue;
      }
      if (!(await this.startPump())) return this.written >= target;
    }
    return true;
  }

  /**
   * Stops accepting records and writes the rest, retrying a failing sink for up to
   * `closeTimeoutMs`; whatever still cannot be written is counted as dropped.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + this.closeTimeoutMs;
    for (;;) {
      if (await this.flush()) if (this.waiters.length === 0) break;
      if (Date.now() >= deadline) break;
      if (this.lastWriteFailed) await sleep(Math.min(this.retryDelayMs, Math.max(0, deadline - Date.now())));
    }
    this.clearTimers();
    const left = this.queue.length + this.waiters.length;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.queue = [];
    if (left > 0) this.drop(left, 'the audit sink still failed at shutdown');
  }

  private enqueue(line: string): void {
    this.queue.push(line);
    this.accepted++;
    this.schedule();
  }

  private schedule(): void {
    if (this.retryTimer) return; // a failing sink: the retry will take the new records too
    if (this.queue.length >= this.batchSize) {
      void this.startPump();
    } else if (!this.flushTimer && !this.pumping) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        void this.startPump();
      }, this.flushIntervalMs);
      this.flushTimer.unref();
    }
  }

  /** Runs the single write loop, or joins the one running. Resolves true when the queue was drained. */
  private startPump(): Promise<boolean> {
    if (this.pumping) return this.pumping;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      // Records that arrived during the last write and did not fill a batch still need a timer.
      if (this.queue.length > 0 && !this.retryTimer) this.schedule();
    });
    return this.pumping;
  }

  private async pump(): Promise<boolean> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.maxBatchRecords);
      if (!(await this.writeBatch(batch))) {
        this.scheduleRetry();
        return false;
      }
      this.queue.splice(0, batch.length);
      this.written += batch.length;
      this.admitWaiters();
    }
    return true;
  }

  private async writeBatch(lines: string[]): Promise<boolean> {
    try {
      if (!this.segment || this.segment.size >= this.maxFileSize) this.segment = await this.openSegment();
      const data = lines.join('\n') + '\n';
      await this.appendFile(this.segment.path, data);
      this.segment.size += Buffer.byteLength(data);
      this.lastWriteFailed = false;
      this.retryDelay = this.retryDelayMs;
      return true;
    } catch (error) {
      this.failures++;
      this.lastWriteFailed = true;
      // A failed append (a full disk) can leave part of the batch behind: cut it off, so no torn
      // line stays in the log and the retry does not pile more partial batches onto the disk.
      this.segment = this.segment && (await cutBackTo(this.segment));
      this.logger.error(`CRITICAL: Audit logging failed: ${messageOf(error)}`, {
        records: lines.length,
        failures: this.failures,
        retry_in_ms: this.retryDelay,
      });
      return false;
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return; // close() drives its own retries
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.maxRetryDelayMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.startPump();
    }, delay);
    this.retryTimer.unref();
  }

  /** A new, empty segment named for this second and host; `-n` when that name is taken. */
  private async openSegment(): Promise<{ path: string; size: number }> {
    await mkdir(this.location.dir, { recursive: true });
    if (!this.schemasRegistered) {
      const created_at = new Date().toISOString();
      const base = join(this.location.dir, `${this.location.stem}.jsonl`);
      for (const schema of this.schemas) await registerSchema(base, { ...schema, created_at });
      this.schemasRegistered = true;
    }
    const stamp = segmentStamp(new Date());
    for (let sequence = 0; ; sequence++) {
      const path = join(this.location.dir, segmentFileName(this.location.stem, stamp, sequence, this.host));
      try {
        await (await open(path, 'wx')).close();
        return { path, size: 0 };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.queue.length < this.capacity) {
      const waiter = this.waiters.shift() as Waiter;
      clearTimeout(waiter.timer);
      this.enqueue(waiter.line);
      waiter.resolve(true);
    }
  }

  private copy(line: string): void {
    if (!this.copyTo) return;
    try {
      this.copyTo.write(line + '\n');
    } catch (error) {
      this.logger.error(`Audit copy to stream failed: ${messageOf(error)}`);
    }
  }

  private drop(count: number, why: string): void {
    this.dropped += count;
    this.logger.error(`CRITICAL: Audit logging failed: ${count} record(s) dropped: ${why}`, {
      dropped: this.dropped,
    });
  }

  private clearTimers(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.flushTimer = this.retryTimer = null;
  }
}

/** BIGINT values a result may still carry: exact as a string when a number would round. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Truncates a segment back to the size it had before a failed append, and keeps using it. A file
 * shorter than that is not the one we wrote (it was removed, or a mount now hides it, and the
 * append created a new one holding only the partial batch): it is removed and the next write opens
 * a fresh segment. When neither works (a read-only folder), what was half-written stays.
 */
async function cutBackTo(segment: {
  path: string;
  size: number;
}): Promise<{ path: string; size: number } | null> {
  try {
    const { size } = await stat(segment.path);
    if (size >= segment.size) {
      await truncate(segment.path, segment.size);
      return segment;
    }
    await unlink(segment.path);
  } catch {
    // Nothing more can be done for it; the next write starts a new segment.
  }
  return null;
}
