// Child processes for the benchmark: a free port on 127.0.0.1, spawning a server
// with its output kept (for error messages), waiting for GET /ready, stopping it,
// and the CPU time a server (with the processes it started) has used.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
  /** The program to run; default this Node (the args then start with its flags and a script). */
  command?: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
}): ServerProcess {
  const child = spawn(options.command ?? process.execPath, options.args, {
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

/**
 * Polls GET /ready until 200 (every `intervalMs`); fails early if the process exits, or after
 * `timeoutMs`. `probe` replaces the GET /ready request for a server without that route (Python
 * MXCP): it resolves to a status code.
 */
export async function waitUntilReady(
  server: ServerProcess,
  timeoutMs: number,
  options: { intervalMs?: number; probe?: () => Promise<number> } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const intervalMs = options.intervalMs ?? 100;
  const probe =
    options.probe ??
    (async () => {
      const response = await fetch(`${server.baseUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status;
    });
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new StartupError(
        `${server.name} exited during startup (${server.child.exitCode ?? server.child.signalCode}).` +
          describeOutput(server),
      );
    }
    try {
      const status = await probe();
      if (status === 200) return;
      lastProblem = `the readiness probe answered ${status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((wake) => setTimeout(wake, intervalMs));
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

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): field 3 onwards. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (fields 14 and 15) in seconds. */
const cpuSecondsOf = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;

/**
 * CPU seconds (user + system) the child has used so far, from /proc/<pid>/stat; undefined
 * where there is no /proc (not Linux) or the process is gone.
 */
export function processCpuSeconds(child: ChildProcess): number | undefined {
  if (child.pid === undefined) return undefined;
  try {
    return cpuSecondsOf(statFields(child.pid));
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of the child and of every live process below it (a worker's Python host
 * processes), so a server that hands work to helper processes is charged for it. Processes
 * that exit between two readings take their time with them; the bench's servers keep theirs
 * running. Undefined where there is no /proc or the child is gone.
 */
export function processTreeCpuSeconds(child: ChildProcess): number | undefined {
  const own = processCpuSeconds(child);
  if (own === undefined || child.pid === undefined) return undefined;
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(Number(entry));
      parents.set(Number(entry), Number(fields[1]));
      cpu.set(Number(entry), cpuSecondsOf(fields));
    } catch {
      // The process exited while /proc was being read.
    }
  }
  let total = own;
  const below = [child.pid];
  while (below.length > 0) {
    const parent = below.pop()!;
    for (const [pid, ppid] of parents) {
      if (ppid !== parent) continue;
      total += cpu.get(pid) ?? 0;
      below.push(pid);
    }
  }
  return total;
}
