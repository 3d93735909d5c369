// Closed-loop load: N clients, each sending its next request as soon as the last
// one answered, for a warm-up and then a measured window. Every loop is bounded by
// its deadline, and every request by a timeout. Runs inside the load generator
// process (load-child.ts), which tells the benchmark when the measured window starts
// and ends so it can read the server's CPU and memory around it.
import { performance } from 'node:perf_hooks';

/** One client's connection: `call(i)` makes request number i and throws on any failure. */
export interface Caller {
  call(i: number): Promise<void>;
  close(): Promise<void>;
}

export interface LoadResult {
  clients: number;
  calls: number;
  errors: number;
  seconds: number;
  callsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** CPU used by this (load generator) process during the window, in % of one core. */
  clientCpuPercent: number;
  /** CPU the server under test used per completed call in the window (ms), when it could be read. */
  serverCpuMsPerCall?: number;
  firstError?: string;
}

export const REQUEST_TIMEOUT_MS = 10_000;

export async function runLoad(options: {
  clients: number;
  connect: () => Promise<Caller>;
  warmupMs: number;
  measureMs: number;
  /** The server's CPU seconds so far (e.g. processes.ts processCpuSeconds), read around the window. */
  serverCpuSeconds?: () => number | undefined;
  /** Called when the measured window starts and when it ends (after the warm-up, before closing). */
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}): Promise<LoadResult> {
  const callers = await Promise.all(Array.from({ length: options.clients }, () => options.connect()));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let counter = 0;
  try {
    const loop = async (caller: Caller, until: number, record: boolean) => {
      while (performance.now() < until) {
        const started = performance.now();
        try {
          await caller.call(counter++);
          if (record) latencies.push(performance.now() - started);
        } catch (error) {
          if (record) {
            errors++;
            firstError ??= (error as Error).message;
          }
        }
      }
    };
    const warmupEnd = performance.now() + options.warmupMs;
    await Promise.all(callers.map((caller) => loop(caller, warmupEnd, false)));
    options.onMeasureStart?.();
    const cpuBefore = process.cpuUsage();
    const serverCpuBefore = options.serverCpuSeconds?.();
    const measureStart = performance.now();
    const measureEnd = measureStart + options.measureMs;
    await Promise.all(callers.map((caller) => loop(caller, measureEnd, true)));
    const seconds = (performance.now() - measureStart) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpuAfter = options.serverCpuSeconds?.();
    options.onMeasureEnd?.();
    const serverCpuMsPerCall =
      serverCpuBefore !== undefined && serverCpuAfter !== undefined && latencies.length > 0
        ? ((serverCpuAfter - serverCpuBefore) * 1000) / latencies.length
        : undefined;
    latencies.sort((a, b) => a - b);
    return {
      clients: options.clients,
      calls: latencies.length,
      errors,
      seconds,
      callsPerSecond: latencies.length / seconds,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      p99Ms: percentile(latencies, 0.99),
      clientCpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
      serverCpuMsPerCall,
      firstError,
    };
  } finally {
    await Promise.all(callers.map((caller) => caller.close().catch(() => undefined)));
  }
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
