// Child processes for the benchmark: a free port on 127.0.0.1, spawning a server
// with its output kept (for error messages), waiting for GET /ready, stopping it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ServerProcess {
  name: string;
  baseUrl: string;
  child: ChildProcess;
  /** The last lines the process wrote to stdout and stderr. */
  outputTail(): string;
}

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not read the probe port'));
      });
    });
  });
}

const TAIL_LINES = 40;

export function startServer(options: {
  name: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
}): ServerProcess {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name: options.name,
    baseUrl: `http://127.0.0.1:${options.port}`,
    child,
    outputTail: () => tail.join('\n'),
  };
}

/** Polls GET /ready until 200; fails early if the process exits, or after `timeoutMs`. */
export async function waitUntilReady(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new StartupError(
        `${server.name} exited during startup (${server.child.exitCode ?? server.child.signalCode}).` +
          describeOutput(server),
      );
    }
    try {
      const response = await fetch(`${server.baseUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      lastProblem = `GET /ready answered ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new StartupError(
    `${server.name} was not ready after ${Math.round(timeoutMs / 1000)} s (${lastProblem}).` +
      describeOutput(server),
  );
}

function describeOutput(server: ServerProcess): string {
  const output = server.outputTail();
  return output ? `\nIts last output:\n${output}` : '\nIt wrote no output.';
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Only this child is signalled. */
export async function stopServer(server: ServerProcess, graceMs = 5_000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Linux reports process CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) the child has used so far, from /proc/<pid>/stat; undefined
 * where there is no /proc (not Linux) or the process is gone.
 */
export function processCpuSeconds(child: ChildProcess): number | undefined {
  if (child.pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
