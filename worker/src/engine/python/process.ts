// One Python host process: spawns `python3 -m mxcp_host`, speaks the JSON-lines protocol, routes
// each call's answers, log/progress notifications and db requests to that call, and fails every
// call in flight with a clear error if the process dies.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, delimiter } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HostMessage, HostRequest, ReadyMessage } from './protocol.js';

/** A call failed inside Python (the function raised) or the host could not run it. */
export class PythonCallError extends Error {
  constructor(
    message: string,
    readonly pythonType?: string,
    readonly pythonTraceback?: string,
  ) {
    super(message);
    this.name = 'PythonCallError';
  }
}

/** The process died (crash, kill, timeout) while the call was running. */
export class PythonProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PythonProcessError';
  }
}

/** What the process needs from its owner for messages that are not plain answers. */
export interface CallSink {
  log?(level: string, message: string, extra?: Record<string, unknown>): void;
  progress?(progress: number, total?: number, message?: string): void;
  /** Answer a db.execute; reject with a message to fail it in Python. */
  db?(sql: string, params: Record<string, unknown>): Promise<unknown[]>;
}

export interface ProcessOptions {
  /** Python executable; default `$MXCP_PYTHON` or `python3`. */
  python?: string;
  cwd: string;
  /** Receives the host's stderr lines and system (call-less) log messages. */
  onStderr?: (line: string) => void;
  /** Sink for messages not tied to a call (on_init / on_shutdown hooks). */
  systemSink?: CallSink;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  sink: CallSink;
  label: string;
}

let packageDir: string | undefined;

/** worker/python, found by walking up from this module (works from source and from dist/). */
export function pythonPackageDir(): string {
  if (process.env.MXCP_PYTHON_PACKAGE_DIR) return process.env.MXCP_PYTHON_PACKAGE_DIR;
  if (packageDir) return packageDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [join(dir, 'python'), join(dir, 'worker', 'python')]) {
      if (existsSync(join(candidate, 'mxcp_host', '__main__.py'))) return (packageDir = candidate);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('worker/python (the mxcp_host package) not found');
    dir = parent;
  }
}

const STDERR_TAIL = 20;

export class PythonProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly stderrTail: string[] = [];
  private exitReason: string | undefined;
  private readyWaiter: { resolve(m: ReadyMessage): void; reject(e: Error): void } | undefined;
  private byeWaiter: (() => void) | undefined;
  readonly exited: Promise<void>;
  /** Why the process is being killed (timeout): used in the message of the calls it takes down. */
  private killReason: string | undefined;

  constructor(private readonly options: ProcessOptions) {
    const pythonPath = [pythonPackageDir(), process.env.PYTHONPATH].filter(Boolean).join(delimiter);
    this.child = spawn(options.python ?? process.env.MXCP_PYTHON ?? 'python3', ['-u', '-m', 'mxcp_host'], {
      cwd: options.cwd,
      env: { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      const done = (reason: string) => {
        if (this.exitReason !== undefined) return;
        this.exitReason = reason;
        this.failAll();
        resolve();
      };
      this.child.on('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exit code ${code}`));
      this.child.on('error', (err) => done(`could not start: ${err.message}`));
    });
    // Writes to a dead process fail asynchronously; the exit handler reports it.
    this.child.stdin.on('error', () => undefined);
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      options.onStderr?.(line);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitReason === undefined;
  }

  /** Alive and not being killed: may take new calls. */
  get accepting(): boolean {
    return this.alive && this.killReason === undefined;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Send `init`; resolves with the host's `ready` (import errors, UDFs) once on_init hooks ran. */
  init(request: Extract<HostRequest, { op: 'init' }>): Promise<ReadyMessage> {
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
      this.send(request);
    });
  }

  /** A request answered by `result` / `error` (call, inspect, udf). */
  request(
    body: DistributiveOmit<Extract<HostRequest, { op: 'call' | 'inspect' | 'udf' }>, 'id'>,
    sink: CallSink = {},
    label: string = body.op,
  ): { id: number; promise: Promise<unknown> } {
    const id = this.nextId++;
    const promise = new Promise<unknown>((resolve, reject) => {
      if (!this.alive) {
        reject(new PythonProcessError(this.deathMessage(label)));
        return;
      }
      this.pending.set(id, { resolve, reject, sink, label });
      this.send({ ...body, id } as HostRequest);
    });
    return { id, promise };
  }

  /** Kill now (timeouts, crash tests); calls in flight fail with `reason`. */
  kill(reason: string): void {
    this.killReason ??= reason;
    if (this.alive) this.child.kill('SIGKILL');
  }

  /** Run on_shutdown hooks and exit; killed if it takes longer than `graceMs`. */
  async shutdown(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    const bye = new Promise<void>((resolve) => (this.byeWaiter = resolve));
    this.send({ op: 'shutdown' });
    const timer = setTimeout(() => this.kill('Python host shut down'), graceMs);
    await Promise.race([bye.then(() => this.exited), this.exited]);
    clearTimeout(timer);
  }

  private send(message: HostRequest): void {
    if (!this.alive || !this.child.stdin.writable) return;
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private onLine(line: string): void {
    let message: HostMessage;
    try {
      message = JSON.parse(line) as HostMessage;
    } catch {
      this.options.onStderr?.(`[unparseable protocol line] ${line}`);
      return;
    }
    switch (message.op) {
      case 'ready':
        this.readyWaiter?.resolve(message);
        this.readyWaiter = undefined;
        return;
      case 'bye':
        this.byeWaiter?.();
        return;
      case 'result':
      case 'error': {
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        if (message.op === 'result') call.resolve(message.value);
        else call.reject(new PythonCallError(message.error, message.type, message.traceback));
        return;
      }
      case 'log':
        this.sinkOf(message.id)?.log?.(message.level, message.message, message.extra);
        return;
      case 'progress':
        this.sinkOf(message.id)?.progress?.(
          message.progress,
          message.total ?? undefined,
          message.message ?? undefined,
        );
        return;
      case 'db':
        this.answerDb(message);
        return;
    }
  }

  private sinkOf(id: number | null): CallSink | undefined {
    return id == null ? this.options.systemSink : this.pending.get(id)?.sink;
  }

  private answerDb(message: Extract<HostMessage, { op: 'db' }>): void {
    const handler = this.sinkOf(message.id)?.db ?? this.options.systemSink?.db;
    if (!handler) {
      this.send({ op: 'db_error', req: message.req, error: 'db.execute is not available here' });
      return;
    }
    handler(message.sql, message.params ?? {}).then(
      (rows) => this.send({ op: 'db_result', req: message.req, rows }),
      (error: unknown) =>
        this.send({
          op: 'db_error',
          req: message.req,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  private deathMessage(label: string): string {
    const why = this.killReason ?? `Python process exited unexpectedly (${this.exitReason ?? 'unknown'})`;
    const tail = this.killReason ? '' : this.stderrTail.slice(-5).join('\n');
    return `${why} while running ${label}${tail ? `; last output:\n${tail}` : ''}`;
  }

  private failAll(): void {
    if (this.readyWaiter) {
      this.readyWaiter.reject(new PythonProcessError(this.deathMessage('start-up')));
      this.readyWaiter = undefined;
    }
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(new PythonProcessError(this.deathMessage(call.label)));
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
