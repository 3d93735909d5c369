// Hot reload (MXCP-SPEC §3 "SIGHUP reload", DESIGN §5 Lifecycle): the running state of the
// worker (config + compiled endpoints + DuckDB) is one Runtime. A reload builds a complete new
// Runtime next to the old one (re-reading both config files and re-resolving every reference),
// swaps it in with one assignment, and closes the old one once the calls that started on it have
// finished. New calls take the current runtime when they start, so none waits and none fails.
// A reload that fails keeps the old runtime and records the error. Reloads run one at a time;
// requests that arrive while one runs share the next one.
//
// Unlike MXCP, which drains before it rebuilds, the old and new runtimes overlap: both open the
// same DuckDB file, which db/instances.ts shares (the newest runtime owns the DuckDB secrets).
import { randomUUID } from 'node:crypto';
import { hashSecretsDir } from '../../config/secrets-hash.js';
import type { OpenedProject } from '../../engine/index.js';
import type { Engine } from '../../engine/types.js';
import { Activity } from '../activity.js';
import type { ServerLogger } from '../mcp.js';
import { countedEngine } from './counted-engine.js';

/** MXCP waits this long for active requests before it shuts the old runtime down. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 90_000;
/** After an interrupt, how long running calls get to report their failure. */
const INTERRUPT_SETTLE_MS = 2_000;

export interface Runtime {
  /** 1 for the runtime serve started with, +1 per successful reload. */
  readonly generation: number;
  readonly opened: OpenedProject;
  /** The engine calls go to: wrapped (audit, telemetry) and counted. */
  readonly engine: Engine;
  /** Calls in progress on this runtime. */
  readonly activity: Activity;
  /** The secrets directory's hash when this runtime started loading (null without a directory). */
  readonly secretsHash: string | null;
  readonly loadedAt: Date;
}

export type ReloadTrigger = 'signal' | 'admin' | 'socket' | 'api';

export interface ReloadResult {
  id: string;
  trigger: ReloadTrigger;
  status: 'success' | 'error';
  /** Why it failed; config errors name the file and the reference, never a resolved value. */
  error?: string;
  startedAt: Date;
  durationMs: number;
  /** The generation and secrets hash serving after this reload (the old ones when it failed). */
  generation: number;
  secretsHash: string | null;
}

export interface ReloadStatus {
  inProgress: boolean;
  draining: boolean;
  activeRequests: number;
  lastReload: Date | null;
  lastReloadStatus: 'success' | 'error' | null;
  lastReloadError: string | null;
  generation: number;
  secretsHash: string | null;
  loadedAt: Date;
}

export interface ReloadManagerOptions {
  /** Re-reads mxcp-site.yml and the user config and opens the project; throws to refuse it. */
  load: () => Promise<OpenedProject>;
  /** The directory whose files hashSecretsDir() hashes (the mounted Secrets). */
  secretsDir?: string;
  /** Applied to every runtime's engine (audit, telemetry); the counting wrapper goes outside it. */
  wrapEngine?: (engine: Engine, opened: OpenedProject) => Engine;
  /** Told about every reload, successful or not (e.g. for `mxcp.reloads_total{status}`). */
  onReload?: (result: ReloadResult) => void;
  logger?: ServerLogger;
  /** How long an old runtime's calls may run after a swap before they are interrupted. */
  drainTimeoutMs?: number;
}

export class ReloadManager {
  private runtime: Runtime;
  private readonly retiring = new Set<Runtime>();
  private readonly retirements = new Set<Promise<void>>();
  private running: Promise<ReloadResult> | undefined;
  private queued: Promise<ReloadResult> | undefined;
  private last: ReloadResult | undefined;
  private closed = false;
  private shuttingDown = false;

  /** The current engine; pass this to the servers as their EngineRef. */
  readonly engine = (): Engine => this.runtime.engine;

  constructor(
    initial: OpenedProject,
    private readonly opts: ReloadManagerOptions,
    /** The hash taken before `initial` was loaded (see secretsHashNow()). */
    initialSecretsHash: string | null = null,
  ) {
    this.runtime = this.makeRuntime(initial, 1, initialSecretsHash);
  }

  get current(): Runtime {
    return this.runtime;
  }

  get secretsDir(): string | undefined {
    return this.opts.secretsDir;
  }

  /** Calls in progress on every runtime still open. */
  get activeRequests(): number {
    let n = this.runtime.activity.count;
    for (const r of this.retiring) n += r.activity.count;
    return n;
  }

  /** False once shutdown began. */
  get accepting(): boolean {
    return !this.shuttingDown && !this.closed;
  }

  /** The secrets directory's hash now; null without a directory or when it cannot be read. */
  secretsHashNow(): string | null {
    return secretsHashOrNull(this.opts.secretsDir, this.opts.logger);
  }

  status(): ReloadStatus {
    return {
      inProgress: this.running !== undefined,
      draining: this.shuttingDown,
      activeRequests: this.activeRequests,
      lastReload: this.last ? new Date(this.last.startedAt.getTime() + this.last.durationMs) : null,
      lastReloadStatus: this.last?.status ?? null,
      lastReloadError: this.last?.error ?? null,
      generation: this.runtime.generation,
      secretsHash: this.runtime.secretsHash,
      loadedAt: this.runtime.loadedAt,
    };
  }

  /** Reloads now, or after the reload that is running; never rejects (failures are results). */
  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    if (!this.running) {
      this.running = this.reloadOnce(trigger).finally(() => (this.running = undefined));
      return this.running;
    }
    // A request that arrives during a reload may have seen newer files: it gets the next one,
    // shared with everyone else who asks before that one starts.
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.reload(trigger);
    });
    return this.queued;
  }

  /** Waits up to `graceMs` for calls in progress, then interrupts their queries. For shutdown. */
  async drain(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    if (await this.idleWithin(graceMs)) return;
    this.opts.logger?.warn('calls still running after the shutdown grace period; interrupting them', {
      active: this.activeRequests,
    });
    this.interrupt();
    await this.idleWithin(INTERRUPT_SETTLE_MS);
  }

  /** Interrupts the DuckDB queries of every open runtime. */
  interrupt(): void {
    for (const r of [this.runtime, ...this.retiring]) r.opened.engine.db.interrupt();
  }

  /** Closes every runtime (after a reload in progress settles). Idempotent. */
  async close(): Promise<void> {
    this.shuttingDown = true;
    if (this.closed) return;
    this.closed = true;
    await this.queued;
    await this.running;
    await Promise.allSettled([...this.retirements]);
    await this.runtime.engine.close();
  }

  private async reloadOnce(trigger: ReloadTrigger): Promise<ReloadResult> {
    const id = randomUUID();
    const startedAt = new Date();
    const logger = this.opts.logger;
    let result: ReloadResult;
    if (this.closed || this.shuttingDown) {
      result = this.failed(id, trigger, startedAt, 'The server is shutting down');
    } else {
      logger?.info('reloading configuration', { reloadId: id, trigger });
      // Hash before reading: the files read afterwards are at least as new as the hash says.
      const secretsHash = this.secretsHashNow();
      try {
        const opened = await this.opts.load();
        if (this.closed) {
          await opened.engine.close();
          result = this.failed(id, trigger, startedAt, 'The server is shutting down');
        } else {
          const old = this.runtime;
          this.runtime = this.makeRuntime(opened, old.generation + 1, secretsHash);
          this.retire(old);
          result = {
            id,
            trigger,
            status: 'success',
            startedAt,
            durationMs: Date.now() - startedAt.getTime(),
            generation: this.runtime.generation,
            secretsHash: this.runtime.secretsHash,
          };
          logger?.info('configuration reloaded', {
            reloadId: id,
            generation: result.generation,
            durationMs: result.durationMs,
          });
        }
      } catch (error) {
        result = this.failed(id, trigger, startedAt, (error as Error).message ?? String(error));
        logger?.error('reload failed; still serving the previous configuration', {
          reloadId: id,
          error: result.error,
        });
      }
    }
    this.last = result;
    this.opts.onReload?.(result);
    return result;
  }

  private failed(id: string, trigger: ReloadTrigger, startedAt: Date, error: string): ReloadResult {
    return {
      id,
      trigger,
      status: 'error',
      error,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      generation: this.runtime.generation,
      secretsHash: this.runtime.secretsHash,
    };
  }

  private makeRuntime(opened: OpenedProject, generation: number, secretsHash: string | null): Runtime {
    const activity = new Activity();
    const wrapped = this.opts.wrapEngine ? this.opts.wrapEngine(opened.engine, opened) : opened.engine;
    return {
      generation,
      opened,
      engine: countedEngine(wrapped, activity),
      activity,
      secretsHash,
      loadedAt: new Date(),
    };
  }

  /** Closes an old runtime once its calls finish (interrupting them after the drain timeout). */
  private retire(old: Runtime): void {
    this.retiring.add(old);
    const timeout = this.opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const done = (async () => {
      if (!(await within(old.activity.idle(), timeout))) {
        this.opts.logger?.warn(
          'calls on the previous configuration outlived the drain timeout; interrupting',
          {
            generation: old.generation,
            active: old.activity.count,
          },
        );
        old.opened.engine.db.interrupt();
        await within(old.activity.idle(), INTERRUPT_SETTLE_MS);
      }
      try {
        await old.engine.close();
      } catch (error) {
        this.opts.logger?.warn('closing the previous configuration failed', {
          generation: old.generation,
          error: (error as Error).message,
        });
      }
    })().finally(() => {
      this.retiring.delete(old);
      this.retirements.delete(done);
    });
    this.retirements.add(done);
  }

  private async idleWithin(ms: number): Promise<boolean> {
    const all = Promise.all([this.runtime, ...this.retiring].map((r) => r.activity.idle()));
    return within(
      all.then(() => undefined),
      ms,
    );
  }
}

/** hashSecretsDir(dir), or null without a directory or when it cannot be read (logged). */
export function secretsHashOrNull(dir: string | undefined, logger?: ServerLogger): string | null {
  if (!dir) return null;
  try {
    return hashSecretsDir(dir);
  } catch (error) {
    logger?.warn('cannot hash the secrets directory', { dir, error: (error as Error).message });
    return null;
  }
}

/** True when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
