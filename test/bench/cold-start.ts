// Cold start: how long the worker takes from spawn to its first `GET /ready` 200 on
// projects of 10, 100 and 1000 generated SQL tools (bench-project.ts
// writeColdStartProject), a few times each, and its RSS at that moment. Each start is a
// fresh process on a fresh copy of the project (no DuckDB file yet), polled every 20 ms,
// and stopped before the next: one process at a time, nothing else under load.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeColdStartProject } from './bench-project.js';
import { readMemory } from './memory.js';
import { freePort, stopServer, waitUntilReady } from './processes.js';
import { startWorker } from './worker-process.js';

export interface ColdStartResult {
  endpoints: number;
  /** Spawn to /ready 200, each repetition, in ms. */
  samplesMs: number[];
  medianMs: number;
  /** The worker's RSS when it became ready (median over the repetitions), in KiB. */
  readyRssKiB?: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function measureColdStarts(options: {
  workDir: string;
  endpointCounts: number[];
  repetitions: number;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<ColdStartResult[]> {
  const results: ColdStartResult[] = [];
  for (const endpoints of options.endpointCounts) {
    const samplesMs: number[] = [];
    const rss: number[] = [];
    for (let run = 1; run <= options.repetitions; run++) {
      const projectDir = join(options.workDir, `cold-${endpoints}-${run}`);
      mkdirSync(projectDir, { recursive: true });
      const { userConfigPath } = writeColdStartProject(projectDir, endpoints);
      const port = await freePort();
      const started = performance.now();
      const server = startWorker({
        name: `the worker (cold start, ${endpoints} endpoints)`,
        projectDir,
        userConfigPath,
        port,
      });
      try {
        await waitUntilReady(server, options.timeoutMs, { intervalMs: 20 });
        samplesMs.push(performance.now() - started);
        const memory = readMemory(server.child.pid);
        if (memory) rss.push(memory.rssKiB);
      } finally {
        await stopServer(server);
        rmSync(projectDir, { recursive: true, force: true });
      }
    }
    const result: ColdStartResult = {
      endpoints,
      samplesMs,
      medianMs: median(samplesMs),
      readyRssKiB: rss.length > 0 ? median(rss) : undefined,
    };
    options.log(
      `  cold start, ${endpoints} endpoints: median ${result.medianMs.toFixed(0)} ms ` +
        `(${samplesMs.map((ms) => ms.toFixed(0)).join(', ')} ms)` +
        (result.readyRssKiB !== undefined
          ? `, RSS at ready ${(result.readyRssKiB / 1024).toFixed(0)} MiB`
          : ''),
    );
    results.push(result);
  }
  return results;
}
