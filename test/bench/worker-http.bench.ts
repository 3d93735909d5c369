// `npm run bench`: the worker's MCP-over-HTTP throughput and latency against a bare
// Express + DuckDB baseline running the same query, measured in the same run at
// 1, 8 and 32 concurrent clients. Prints a table and writes docs/benchmarks.md.
// Env: BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (1), BENCH_CLIENTS ("1,8,32"),
// BENCH_BASELINE_ONLY=1 (no worker), BENCH_WRITE_DOCS=0|1 (default: 1 for full runs),
// BENCH_START_TIMEOUT_SECONDS (60), BENCH_WORKER_ENTRY (worker/src/cli/main.ts).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { BENCH_TOOL, benchArgument, writeBenchProject } from './bench-project.js';
import { REQUEST_TIMEOUT_MS, runLoad, type Caller, type LoadResult } from './load.js';
import {
  freePort,
  startServer,
  StartupError,
  stopServer,
  waitUntilReady,
  type ServerProcess,
} from './processes.js';
import {
  benchmarksMarkdown,
  resultsTable,
  targetVerdict,
  type LevelResult,
  type RunSettings,
} from './report.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// BENCH_WORKER_ENTRY: another CLI entry file to run as the worker (e.g. a build).
const workerMain = resolve(process.env.BENCH_WORKER_ENTRY ?? join(repoRoot, 'worker/src/cli/main.ts'));
const baselineMain = fileURLToPath(new URL('./baseline-server.ts', import.meta.url));
// Resolved here, not by the child: the child runs in a temp dir with no node_modules.
const tsxLoader = import.meta.resolve('tsx');

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function clientLevels(): number[] {
  const raw = process.env.BENCH_CLIENTS ?? '1,8,32';
  const levels = raw.split(',').map((part) => Number(part.trim()));
  if (levels.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`BENCH_CLIENTS must list positive integers, got "${raw}"`);
  return levels;
}

const settings: RunSettings = {
  seconds: numberFromEnv('BENCH_SECONDS', 5),
  warmupSeconds: numberFromEnv('BENCH_WARMUP_SECONDS', 1),
  poolSize: Math.max(10, 2 * availableParallelism()),
  baselineOnly: ['1', 'true', 'yes'].includes((process.env.BENCH_BASELINE_ONLY ?? '').toLowerCase()),
};
const writeDocs = (process.env.BENCH_WRITE_DOCS ?? (settings.baselineOnly ? '0' : '1')) === '1';
const startTimeoutMs = numberFromEnv('BENCH_START_TIMEOUT_SECONDS', 60) * 1000;

/** An MCP session calling the bench tool; a call fails on a transport error or `isError`. */
async function connectMcp(url: string): Promise<Caller> {
  const client = new Client({ name: 'mxcp-bench', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return {
    async call(i) {
      const result = await client.callTool(
        { name: BENCH_TOOL, arguments: { n: benchArgument(i) } },
        undefined,
        {
          timeout: REQUEST_TIMEOUT_MS,
        },
      );
      if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content)}`);
    },
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

async function connectBaseline(baseUrl: string): Promise<Caller> {
  return {
    async call(i) {
      const response = await fetch(`${baseUrl}/square`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n: benchArgument(i) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json()) as { square?: number; error?: string };
      if (!response.ok || typeof body.square !== 'number')
        throw new Error(`HTTP ${response.status}: ${body.error}`);
    },
    async close() {},
  };
}

/** One real call before measuring, so a wrong answer stops the run instead of being timed. */
async function checkWorkerAnswers(url: string): Promise<void> {
  const client = new Client({ name: 'mxcp-bench-check', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: BENCH_TOOL, arguments: { n: 12 } }, undefined, {
      timeout: REQUEST_TIMEOUT_MS,
    });
    const text = JSON.stringify(result);
    if (result.isError || !text.includes('144')) {
      throw new StartupError(`the worker answered tools/call ${BENCH_TOOL}(n=12) without 144: ${text}`);
    }
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}

async function checkBaselineAnswers(baseUrl: string): Promise<void> {
  const caller = await connectBaseline(baseUrl);
  await caller.call(12).catch((error: unknown) => {
    throw new StartupError(`the baseline failed its first call: ${(error as Error).message}`);
  });
}

function describe(result: LoadResult): string {
  const errors = result.errors > 0 ? `, ${result.errors} errors (first: ${result.firstError})` : '';
  return (
    `${result.callsPerSecond.toFixed(0)} calls/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ` +
    `load generator CPU ${result.clientCpuPercent.toFixed(0)}%${errors}`
  );
}

async function main(): Promise<number> {
  const levels = clientLevels();
  const workDir = mkdtempSync(join(tmpdir(), 'mxcp-bench-'));
  const servers: ServerProcess[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((server) => stopServer(server)));
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const projectDir = join(workDir, 'project');
    const { userConfigPath } = writeBenchProject(projectDir);

    const baselinePort = await freePort();
    const baseline = startServer({
      name: 'the baseline server',
      args: ['--import', tsxLoader, baselineMain],
      cwd: repoRoot,
      env: {
        ...process.env,
        BENCH_PORT: String(baselinePort),
        BENCH_DB: join(workDir, 'baseline.duckdb'),
        BENCH_POOL_SIZE: String(settings.poolSize),
      },
      port: baselinePort,
    });
    servers.push(baseline);

    let worker: ServerProcess | undefined;
    if (!settings.baselineOnly) {
      if (!existsSync(workerMain)) {
        throw new StartupError(
          `the worker CLI is missing (${workerMain}). Build the worker first, or set BENCH_BASELINE_ONLY=1 to measure the baseline alone.`,
        );
      }
      const workerPort = await freePort();
      worker = startServer({
        name: 'the worker (mxcp serve)',
        args: [
          '--import',
          tsxLoader,
          workerMain,
          'serve',
          '--transport',
          'streamable-http',
          '--host',
          '127.0.0.1',
          '--port',
          String(workerPort),
        ],
        cwd: projectDir,
        env: { ...process.env, MXCP_CONFIG: userConfigPath, MXCP_DISABLE_ANALYTICS: '1' },
        port: workerPort,
      });
      servers.push(worker);
    }

    await waitUntilReady(baseline, startTimeoutMs);
    await checkBaselineAnswers(baseline.baseUrl);
    if (worker) {
      await waitUntilReady(worker, startTimeoutMs);
      await checkWorkerAnswers(`${worker.baseUrl}/mcp`);
    }

    console.log(
      `Benchmark: ${levels.join(', ')} clients; ${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per level` +
        `${settings.baselineOnly ? '; baseline only' : ''}.`,
    );
    const results: LevelResult[] = [];
    const timing = { warmupMs: settings.warmupSeconds * 1000, measureMs: settings.seconds * 1000 };
    for (const clients of levels) {
      let workerResult: LoadResult | undefined;
      if (worker) {
        const mcpUrl = `${worker.baseUrl}/mcp`;
        workerResult = await runLoad({ clients, connect: () => connectMcp(mcpUrl), ...timing });
        console.log(`  ${clients} clients, worker:   ${describe(workerResult)}`);
      }
      const baseUrl = baseline.baseUrl;
      const baselineResult = await runLoad({ clients, connect: () => connectBaseline(baseUrl), ...timing });
      console.log(`  ${clients} clients, baseline: ${describe(baselineResult)}`);
      results.push({ clients, worker: workerResult, baseline: baselineResult });
    }

    console.log(`\n${resultsTable(results)}\n`);
    console.log(`Target (worker ≥ 0.7 × baseline throughput at 32 clients): ${targetVerdict(results)}`);
    if (writeDocs) {
      const docsPath = join(repoRoot, 'docs/benchmarks.md');
      writeFileSync(docsPath, benchmarksMarkdown(results, settings, new Date()));
      console.log(`Wrote ${docsPath}`);
    }
    const anyErrors = results.some((r) => r.baseline.errors > 0 || (r.worker?.errors ?? 0) > 0);
    return anyErrors ? 1 : 0;
  } catch (error) {
    if (error instanceof StartupError) {
      console.error(`Benchmark aborted: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stopAll();
  }
}

process.exitCode = await main();
