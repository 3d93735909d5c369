// A fixed-size pool of Python host processes. Calls go to the live process with the fewest calls
// in flight; a process that dies (crash, kill, timeout) is replaced in the background and its
// calls fail with a clear error. A call that overruns its timeout fails at once and its process
// is killed, because a Python thread stuck in a loop cannot be interrupted any other way.
import type { CallSink } from './process.js';
import { PythonProcess, PythonProcessError } from './process.js';
import type { HostRequest, ReadyMessage } from './protocol.js';

type InitRequest = Extract<HostRequest, { op: 'init' }>;
type CallBody = Parameters<PythonProcess['request']>[0];

export class PythonTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PythonTimeoutError';
  }
}

export interface PoolOptions {
  size: number;
  cwd: string;
  init: InitRequest;
  python?: string;
  /** For on_init / on_shutdown hooks: their logs and db.execute calls. */
  systemSink?: CallSink;
  onStderr?: (line: string) => void;
  /** Told about replacements and failed restarts. */
  onEvent?: (message: string) => void;
}

export class PythonPool {
  private readonly slots: PythonProcess[] = [];
  private readonly replacing = new Map<number, Promise<PythonProcess>>();
  private closed = false;

  private constructor(private readonly options: PoolOptions) {}

  /** Starts every process and waits for all to be ready; answers the first one's `ready`. */
  static async start(options: PoolOptions): Promise<{ pool: PythonPool; ready: ReadyMessage }> {
    const pool = new PythonPool(options);
    const size = Math.max(1, options.size);
    const started = await Promise.allSettled(Array.from({ length: size }, () => pool.spawnReady()));
    for (const outcome of started) if (outcome.status === 'fulfilled') pool.slots.push(outcome.value.process);
    const failed = started.find((o) => o.status === 'rejected');
    if (failed) {
      await pool.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    pool.slots.forEach((process, index) => pool.watch(process, index));
    return { pool, ready: (started[0] as PromiseFulfilledResult<{ ready: ReadyMessage }>).value.ready };
  }

  get initRequest(): InitRequest {
    return this.options.init;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Process ids of the live processes (tests, diagnostics). */
  pids(): number[] {
    return this.slots.filter((p) => p.alive).map((p) => p.pid ?? -1);
  }

  /** The current processes (diagnostics and fault tests). */
  processes(): readonly PythonProcess[] {
    return this.slots;
  }

  async run(body: CallBody, sink: CallSink, label: string, timeoutMs?: number): Promise<unknown> {
    if (this.closed) throw new PythonProcessError('Python host is shut down');
    const process = await this.pick();
    const { promise } = process.request(body, sink, label);
    if (!timeoutMs || timeoutMs <= 0) return promise;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seconds = timeoutMs / 1000;
        reject(new PythonTimeoutError(`Python ${label} timed out after ${seconds} s`));
        process.kill(`Python process restarted because ${label} timed out after ${seconds} s`);
      }, timeoutMs);
    });
    promise.catch(() => undefined);
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Shuts every process down (on_shutdown hooks run); no restarts after this. */
  async close(graceMs?: number): Promise<void> {
    this.closed = true;
    const replacements = await Promise.allSettled([...this.replacing.values()]);
    const all = new Set([
      ...this.slots,
      ...replacements.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    ]);
    await Promise.all([...all].map((p) => p.shutdown(graceMs)));
  }

  private async pick(): Promise<PythonProcess> {
    let best: PythonProcess | undefined;
    for (const process of this.slots) {
      if (process.accepting && (!best || process.inFlight < best.inFlight)) best = process;
    }
    if (best) return best;
    // Every process is dead or being killed: wait for (or start) a replacement.
    return this.replace(
      Math.max(
        0,
        this.slots.findIndex((p) => !p.accepting),
      ),
    );
  }

  private async spawnReady(): Promise<{ process: PythonProcess; ready: ReadyMessage }> {
    const process = new PythonProcess({
      cwd: this.options.cwd,
      python: this.options.python,
      onStderr: this.options.onStderr,
      systemSink: this.options.systemSink,
    });
    try {
      return { process, ready: await process.init(this.options.init) };
    } catch (error) {
      process.kill('start-up failed');
      throw error;
    }
  }

  private watch(process: PythonProcess, index: number): void {
    void process.exited.then(() => {
      if (this.closed || this.slots[index] !== process) return;
      this.options.onEvent?.(`Python process ${process.pid ?? '?'} exited; starting a replacement`);
      this.replace(index).catch(() => undefined);
    });
  }

  private replace(index: number): Promise<PythonProcess> {
    const existing = this.replacing.get(index);
    if (existing) return existing;
    const replacement = this.spawnReady()
      .then(({ process }) => {
        if (this.closed) {
          void process.shutdown();
        } else {
          this.slots[index] = process;
          this.watch(process, index);
        }
        return process;
      })
      .catch((error: unknown) => {
        this.options.onEvent?.(
          `Python process replacement failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw error;
      })
      .finally(() => this.replacing.delete(index));
    this.replacing.set(index, replacement);
    return replacement;
  }
}
