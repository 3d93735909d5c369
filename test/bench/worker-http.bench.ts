// `npm run bench`: the worker's MCP-over-HTTP throughput and latency against a bare
// Express + DuckDB baseline running the same query, measured in the same run at
// 1, 8 and 32 concurrent clients, for five worker variants (default SSE answers, the
// same with audit + policies on, two Python tools on the default transport, and
// --json-response). Prints a table, the cost of audit + policies, the Python tools
// against the SQL tool, and writes docs/benchmarks.md.
// Env: BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (1), BENCH_CLIENTS ("1,8,32"),
// BENCH_WORKER_VARIANTS ("sse,audit,python,pypure,json"), BENCH_BASELINE_ONLY=1 (no worker),
// BENCH_WRITE_DOCS=0|1 (default: 1 for full runs),
// BENCH_START_TIMEOUT_SECONDS (60), BENCH_WORKER_ENTRY (worker/src/cli/main.ts).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { benchArgument, writeBenchProject } from './bench-project.js';
import { REQUEST_TIMEOUT_MS, runLoad, type Caller, type LoadResult } from './load.js';
import {
  freePort,
  processCpuSeconds,
  processTreeCpuSeconds,
  startServer,
  StartupError,
  stopServer,
  waitUntilReady,
  type ServerProcess,
} from './processes.js';
import {
  auditCostTable,
  auditVerdict,
  benchmarksMarkdown,
  keepOtherSections,
  pythonCostTable,
  pythonSummary,
  resultsTable,
  targetVerdict,
  type LevelResult,
  type RunSettings,
  type WorkerRun,
} from './report.js';
import { parseWorkerVariants, type WorkerVariant } from './worker-variants.js';

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

const baselineOnly = ['1', 'true', 'yes'].includes((process.env.BENCH_BASELINE_ONLY ?? '').toLowerCase());
const settings: RunSettings = {
  seconds: numberFromEnv('BENCH_SECONDS', 5),
  warmupSeconds: numberFromEnv('BENCH_WARMUP_SECONDS', 1),
  poolSize: Math.max(10, 2 * availableParallelism()),
  baselineOnly,
  variants: baselineOnly ? [] : parseWorkerVariants(process.env.BENCH_WORKER_VARIANTS),
};
const writeDocs = (process.env.BENCH_WRITE_DOCS ?? (settings.baselineOnly ? '0' : '1')) === '1';
const startTimeoutMs = numberFromEnv('BENCH_START_TIMEOUT_SECONDS', 60) * 1000;

/**
 * An MCP session calling one bench tool over streamable HTTP, spoken directly with
 * `fetch` (initialize, initialized, then `tools/call` POSTs whose answers are parsed,
 * SSE-framed or plain JSON, whichever the server sent): the load generator does the same kind of work per call as the baseline's
 * `fetch` client, so the ratio measures the servers, not two client libraries. A call
 * fails on a transport error, a JSON-RPC error or `isError`.
 */
async function connectMcp(url: string, tool: string): Promise<McpCaller> {
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(url, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'mxcp-bench', version: '1.0.0' },
      },
    }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const sessionId = init.headers.get('mcp-session-id');
  const protocol = (jsonRpcPayload(await init.text()) as { result?: { protocolVersion?: string } }).result
    ?.protocolVersion;
  if (!sessionId || !protocol) throw new Error(`initialize failed: HTTP ${init.status}`);
  const headers = { ...base, 'mcp-session-id': sessionId, 'mcp-protocol-version': protocol };
  await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  }).then((r) => r.text());
  return {
    contentType: init.headers.get('content-type') ?? '',
    async call(i) {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: i + 1,
          method: 'tools/call',
          params: { name: tool, arguments: { n: benchArgument(i) } },
        }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const payload = jsonRpcPayload(await response.text()) as {
        result?: { isError?: boolean };
        error?: unknown;
      };
      if (!response.ok || payload.error || !payload.result || payload.result.isError) {
        throw new Error(`tools/call failed: HTTP ${response.status} ${JSON.stringify(payload)}`);
      }
    },
    async close() {
      await fetch(url, { method: 'DELETE', headers }).catch(() => undefined);
    },
  };
}

interface McpCaller extends Caller {
  /** The content type the server answered `initialize` with (SSE or JSON framing). */
  contentType: string;
}

/** The JSON-RPC message of a response body: plain JSON, or the last `data:` line of an SSE stream. */
function jsonRpcPayload(body: string): unknown {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed);
  const data = trimmed
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((line) => line.length > 0);
  if (data.length === 0) throw new Error(`no JSON-RPC message in response: ${trimmed.slice(0, 200)}`);
  return JSON.parse(data[data.length - 1]);
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

/**
 * One real call before measuring, so a wrong answer stops the run instead of being timed.
 * It goes through the bench's own client too, so a response framing it cannot parse stops
 * the run here rather than showing up as measured errors.
 */
async function checkWorkerAnswers(url: string, variant: WorkerVariant, auditDir: string): Promise<void> {
  const label = variant.label;
  const caller = await connectMcp(url, variant.tool).catch((error: unknown) => {
    throw new StartupError(`${label} failed to open a session: ${(error as Error).message}`);
  });
  try {
    // A variant whose flag had no effect would be a second copy of the other one.
    if (!caller.contentType.startsWith(variant.contentType)) {
      throw new StartupError(
        `${label} answered with content type "${caller.contentType}", expected ${variant.contentType}`,
      );
    }
    await caller.call(12).catch((error: unknown) => {
      throw new StartupError(`${label} failed its first call: ${(error as Error).message}`);
    });
  } finally {
    await caller.close();
  }
  const client = new Client({ name: 'mxcp-bench-check', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: variant.tool, arguments: { n: 12 } }, undefined, {
      timeout: REQUEST_TIMEOUT_MS,
    });
    const text = JSON.stringify(result);
    if (result.isError || !text.includes('144')) {
      throw new StartupError(`${label} answered tools/call ${variant.tool}(n=12) without 144: ${text}`);
    }
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
  // The audited variant must really be auditing (records are flushed within a second).
  if (variant.flavour === 'audited' && !(await auditSegmentAppears(auditDir, 10_000))) {
    throw new StartupError(`${label} wrote no audit record in ${auditDir} within 10 s`);
  }
}

async function auditSegmentAppears(auditDir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const segments = existsSync(auditDir)
      ? readdirSync(auditDir).filter((f) => /^logs-default-.+\.jsonl$/.test(f))
      : [];
    if (segments.some((f) => statSync(join(auditDir, f)).size > 0)) return true;
    await new Promise((wake) => setTimeout(wake, 100));
  }
  return false;
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
    (result.serverCpuMsPerCall !== undefined
      ? `server CPU ${result.serverCpuMsPerCall.toFixed(2)} ms/call, `
      : '') +
    `load generator CPU ${result.clientCpuPercent.toFixed(0)}%${errors}`
  );
}

/**
 * Starts one worker variant on a free port, serving its own copy of the bench project:
 * each process opens its project's DuckDB file read-write, which two processes cannot share.
 */
async function startWorker(
  variant: WorkerVariant,
  workDir: string,
): Promise<{ server: ServerProcess; auditDir: string }> {
  const projectDir = join(workDir, `project-${variant.key}`);
  const { userConfigPath, auditDir } = writeBenchProject(projectDir, variant.flavour);
  const port = await freePort();
  const server = startServer({
    name: `${variant.label} (mxcp serve)`,
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
      String(port),
      ...variant.serveFlags,
    ],
    cwd: projectDir,
    env: { ...process.env, MXCP_CONFIG: userConfigPath, MXCP_DISABLE_ANALYTICS: '1' },
    port,
  });
  return { server, auditDir };
}

async function main(): Promise<number> {
  const levels = clientLevels();
  const loadAtStart = loadavg();
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

    if (settings.variants.length > 0 && !existsSync(workerMain)) {
      throw new StartupError(
        `the worker CLI is missing (${workerMain}). Build the worker first, or set BENCH_BASELINE_ONLY=1 to measure the baseline alone.`,
      );
    }
    const workers: Array<{ variant: WorkerVariant; server: ServerProcess; auditDir: string }> = [];
    for (const variant of settings.variants) {
      workers.push({ variant, ...(await startWorker(variant, workDir)) });
      servers.push(workers[workers.length - 1].server);
    }

    await waitUntilReady(baseline, startTimeoutMs);
    await checkBaselineAnswers(baseline.baseUrl);
    for (const { variant, server, auditDir } of workers) {
      await waitUntilReady(server, startTimeoutMs);
      await checkWorkerAnswers(`${server.baseUrl}/mcp`, variant, auditDir);
    }

    console.log(
      `Benchmark: ${levels.join(', ')} clients; ${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per level and server; ` +
        (workers.length > 0
          ? `servers: ${workers.map((w) => w.variant.label).join(', ')}, baseline.`
          : 'baseline only.'),
    );
    const results: LevelResult[] = [];
    const timing = { warmupMs: settings.warmupSeconds * 1000, measureMs: settings.seconds * 1000 };
    const labelWidth = Math.max(9, ...workers.map((w) => w.variant.label.length + 1));
    for (const clients of levels) {
      // One server under load at a time: each worker variant in run order, then the baseline.
      const runs: WorkerRun[] = [];
      for (const { variant, server } of workers) {
        const mcpUrl = `${server.baseUrl}/mcp`;
        const result = await runLoad({
          clients,
          connect: () => connectMcp(mcpUrl, variant.tool),
          // The worker and its Python host processes, if it started any.
          serverCpuSeconds: () => processTreeCpuSeconds(server.child),
          ...timing,
        });
        console.log(`  ${clients} clients, ${`${variant.label}:`.padEnd(labelWidth)} ${describe(result)}`);
        runs.push({ variant, result });
      }
      const baseUrl = baseline.baseUrl;
      const baselineResult = await runLoad({
        clients,
        connect: () => connectBaseline(baseUrl),
        serverCpuSeconds: () => processCpuSeconds(baseline.child),
        ...timing,
      });
      console.log(`  ${clients} clients, ${'baseline:'.padEnd(labelWidth)} ${describe(baselineResult)}`);
      results.push({ clients, workers: runs, baseline: baselineResult });
    }

    console.log(`\n${resultsTable(results)}\n`);
    console.log(
      `Target (default SSE worker ≥ 0.7 × baseline throughput at 32 clients): ${targetVerdict(results)}`,
    );
    const audit = auditCostTable(results);
    if (audit) {
      console.log(`\nCost of audit + policies (same SSE worker, on vs off):\n\n${audit}\n`);
      console.log(`Target (audit + policies on ≥ 0.85 × off at 32 clients): ${auditVerdict(results)}`);
    }
    const python = pythonCostTable(results);
    if (python) {
      console.log(`\nPython tools against the SQL tool (same SSE worker):\n\n${python}\n`);
      console.log(pythonSummary(results));
    }
    const loadAverage = { start: loadAtStart, end: loadavg() };
    console.log(
      `Machine load average (1, 5, 15 min): ${loadAverage.start.map((n) => n.toFixed(2)).join(', ')} at the start, ` +
        `${loadAverage.end.map((n) => n.toFixed(2)).join(', ')} at the end`,
    );
    if (writeDocs) {
      const docsPath = join(repoRoot, 'docs/benchmarks.md');
      const previous = existsSync(docsPath) ? readFileSync(docsPath, 'utf8') : '';
      const markdown = benchmarksMarkdown(results, { ...settings, loadAverage }, new Date());
      // Other benchmarks (the operator's) keep their sections of the same page.
      writeFileSync(docsPath, keepOtherSections(markdown, previous));
      console.log(`Wrote ${docsPath}`);
    }
    const anyErrors = results.some(
      (r) => r.baseline.errors > 0 || r.workers.some((w) => w.result.errors > 0),
    );
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
