// Child processes of the test control plane: each writes stdout/stderr to its own log file, can be
// stopped gracefully (SIGTERM, then SIGKILL), and is killed when this Node process exits, even on
// a signal. A failing start reports the tail of the process's log.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const live = new Set<ManagedProcess>();
const ownedDirs = new Set<string>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const p of live) p.killNow();
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Someone else (vitest, the cluster-up launcher) handles this signal: they stop the cluster
      // or exit, and the exit handler kills what is left. Otherwise die by the signal as usual.
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** A directory removed when this process exits, unless released first (stop() removes it itself). */
export function ownDirectory(dir: string): () => void {
  installExitHandlers();
  ownedDirs.add(dir);
  return () => ownedDirs.delete(dir);
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private exitDescription: string | undefined;

  constructor(
    readonly name: string,
    private readonly bin: string,
    private readonly args: string[],
    readonly logPath: string,
    /** Where the pid is kept while it runs, for the watchdog (startWatchdog). */
    private readonly pidFile?: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitDescription === undefined;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    installExitHandlers();
    const log = openSync(this.logPath, 'a');
    this.exitDescription = undefined;
    const child = spawn(this.bin, this.args, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    live.add(this);
    if (this.pidFile && child.pid) writeFileSync(this.pidFile, String(child.pid));
    this.exitPromise = new Promise((resolve) => {
      const done = (description: string): void => {
        if (this.exitDescription !== undefined) return;
        this.exitDescription = description;
        live.delete(this);
        if (this.pidFile) rmSync(this.pidFile, { force: true });
        resolve();
      };
      child.on('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`));
      child.on('error', (err) => done(`failed to start: ${err.message}`));
    });
  }

  /** SIGTERM, and SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
    const exited = this.exitPromise.then(() => false);
    if (await Promise.race([exited, timedOut])) this.child!.kill('SIGKILL');
    clearTimeout(timer);
    await this.exitPromise;
  }

  killNow(): void {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    if (this.pidFile) rmSync(this.pidFile, { force: true });
  }

  logTail(lines = 40): string {
    try {
      const text = readFileSync(this.logPath, 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  failure(message: string): Error {
    return new Error(`${message}\n--- last lines of ${this.logPath} ---\n${this.logTail()}`);
  }

  /**
   * Polls `ready` until it returns true. Fails, with the tail of the log, when the process exits
   * or `timeoutMs` passes.
   */
  async waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running)
        throw this.failure(`${this.name} ${this.exitDescription ?? 'is not running'} before ${what}`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline)
        throw this.failure(`${this.name}: ${what} did not happen within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

// Polls the owner once a second; once it is gone (even SIGKILLed, when no exit handler runs),
// kills every process whose pid file is still in pidDir and removes the owner's directory.
const WATCHDOG = `
owner=$1; piddir=$2; ownedDir=$3
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
for f in "$piddir"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
[ -n "$ownedDir" ] && rm -rf "$ownedDir"
exit 0
`;

/**
 * Starts a detached watchdog that cleans up after this process if it dies without running its exit
 * handlers. Returns a function that stops the watchdog (call it after a normal stop).
 */
export function startWatchdog(pidDir: string, ownedDir: string | undefined): () => void {
  const child = spawn('sh', ['-c', WATCHDOG, 'watchdog', String(process.pid), pidDir, ownedDir ?? ''], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return () => {
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  };
}
