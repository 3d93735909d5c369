// The benchmark's side of the load generator process (load-child.ts): forks it once, runs
// load jobs in it one at a time, and reads the server's CPU time when the child says its
// measured window starts and ends (the messages arrive within a millisecond or so of the
// window's edges, small against windows of seconds).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadJob } from './load-child.js';
import type { LoadResult } from './load.js';

const childMain = fileURLToPath(new URL('./load-child.ts', import.meta.url));

type ChildMessage =
  | { type: 'measure-start' }
  | { type: 'measure-end' }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; message: string };

export class LoadGenerator {
  private readonly child: ChildProcess;

  constructor(tsxLoader: string) {
    this.child = fork(childMain, [], {
      execArgv: ['--import', tsxLoader],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  /** The load generator's process id (its CPU is reported per run as "load generator CPU"). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Runs one job. `serverCpuSeconds` is read at the measured window's start and end;
   * `onMeasureStart`/`onMeasureEnd` let the caller sample other figures (memory) around it.
   */
  run(
    job: LoadJob,
    hooks: {
      serverCpuSeconds?: () => number | undefined;
      onMeasureStart?: () => void;
      onMeasureEnd?: () => void;
    } = {},
  ): Promise<LoadResult> {
    return new Promise((resolveRun, reject) => {
      let cpuBefore: number | undefined;
      let cpuAfter: number | undefined;
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`the load generator process exited (${code}) during a run`));
      };
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'measure-start') {
          cpuBefore = hooks.serverCpuSeconds?.();
          hooks.onMeasureStart?.();
        } else if (message.type === 'measure-end') {
          cpuAfter = hooks.serverCpuSeconds?.();
          hooks.onMeasureEnd?.();
        } else if (message.type === 'result') {
          cleanup();
          const { result } = message;
          const serverCpuMsPerCall =
            cpuBefore !== undefined && cpuAfter !== undefined && result.calls > 0
              ? ((cpuAfter - cpuBefore) * 1000) / result.calls
              : undefined;
          resolveRun({ ...result, serverCpuMsPerCall });
        } else {
          cleanup();
          reject(new Error(`the load generator failed: ${message.message}`));
        }
      };
      const cleanup = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(job);
    });
  }

  /** Closes the IPC channel (the child exits on it) and waits for the process to end. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
