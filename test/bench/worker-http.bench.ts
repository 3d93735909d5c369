// `npm run bench`: the worker's MCP-over-HTTP throughput and latency (p50/p95/p99) against
// a bare Express + DuckDB baseline running the same query, measured in the same run at
// 1, 8, 32 and 128 concurrent clients, for the worker variants of worker-variants.ts
// (stateful and stateless streamable HTTP, the trivial and the heavy query, audit +
// policies, Python tools, --json-response) and for Python MXCP serving the same project
// when it can be installed. Then the worker's cold start to /ready for projects of
// 10/100/1000 endpoints, and each server's RSS at idle and under load. The clients run in
// a separate load generator process (load-child.ts). Prints the tables and writes
// docs/benchmarks.md (keeping the sections other benchmarks wrote there).
// Env (README.md): BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (1), BENCH_CLIENTS ("1,8,32,128"),
// BENCH_WORKER_VARIANTS (all), BENCH_BASELINE_ONLY=1, BENCH_WRITE_DOCS=0|1,
// BENCH_START_TIMEOUT_SECONDS (60), BENCH_WORKER_ENTRY, BENCH_COLD_ENDPOINTS ("10,100,1000"),
// BENCH_COLD_REPEATS (3), BENCH_PYTHON_MXCP (auto|installed|0), BENCH_QUICK=1 (short defaults).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { databasePath, writeBenchProject } from './bench-project.js';
import {
  answerIsRight,
  connectBaseline,
  connectMcp,
  queryArguments,
  type BenchQuery,
  type LoadTarget,
} from './clients.js';
import { measureColdStarts, type ColdStartResult } from './cold-start.js';
import { buildEventsDatabase, copyEventsDatabase } from './events-table.js';
import { LoadGenerator } from './load-generator.js';
import { REQUEST_TIMEOUT_MS, type LoadResult } from './load.js';
import { readMemory, trackPeak } from './memory.js';
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
  mcpInitializeProbe,
  preparePythonMxcp,
  PYTHON_MXCP_PATH,
  PYTHON_MXCP_VERSION,
  pythonMxcpMode,
  startPythonMxcp,
} from './python-mxcp.js';
import {
  coldStartTable,
  memoryTable,
  pythonMxcpLine,
  pythonMxcpTable,
  type MemoryRow,
  type PythonMxcpStatus,
} from './report-sections.js';
import {
  auditCostTable,
  auditVerdict,
  benchmarksMarkdown,
  keepOtherSections,
  pythonCostTable,
  pythonSummary,
  resultsTable,
  targetVerdict,
  TARGET_CLIENTS,
  type LevelResult,
  type RunSettings,
  type WorkerRun,
} from './report.js';
import { pairedOrder, pairedTable, roundRatio, type PairedRound } from './paired.js';
import { parseWorkerVariants, type WorkerVariant } from './worker-variants.js';
import { repoRoot, startWorker, tsxLoader, workerMain } from './worker-process.js';

const baselineMain = fileURLToPath(new URL('./baseline-server.ts', import.meta.url));
const quick = ['1', 'true', 'yes'].includes((process.env.BENCH_QUICK ?? '').toLowerCase());

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** A comma list of positive integers; "0" (where `allowNone`) is the empty list. */
function integersFromEnv(name: string, fallback: string, allowNone = false): number[] {
  const raw = process.env[name] || fallback;
  if (allowNone && raw.trim() === '0') return [];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`${name} must list positive integers${allowNone ? ' (or be 0)' : ''}, got "${raw}"`);
  return values;
}

const baselineOnly = ['1', 'true', 'yes'].includes((process.env.BENCH_BASELINE_ONLY ?? '').toLowerCase());
const settings: RunSettings = {
  seconds: numberFromEnv('BENCH_SECONDS', quick ? 1 : 5),
  warmupSeconds: numberFromEnv('BENCH_WARMUP_SECONDS', quick ? 0.5 : 1),
  poolSize: Math.max(10, 2 * availableParallelism()),
  baselineOnly,
  variants: baselineOnly ? [] : parseWorkerVariants(process.env.BENCH_WORKER_VARIANTS),
};
const writeDocs = (process.env.BENCH_WRITE_DOCS ?? (settings.baselineOnly || quick ? '0' : '1')) === '1';
const startTimeoutMs = numberFromEnv('BENCH_START_TIMEOUT_SECONDS', 60) * 1000;
const coldEndpoints = baselineOnly
  ? []
  : integersFromEnv('BENCH_COLD_ENDPOINTS', quick ? '10,100' : '10,100,1000', true);
const coldRepeats = numberFromEnv('BENCH_COLD_REPEATS', quick ? 1 : 3);
const pythonMode = pythonMxcpMode(process.env.BENCH_PYTHON_MXCP);
/** Paired worker/baseline rounds at the target level (paired.ts); 0 skips them. */
const pairedRounds = integersFromEnv('BENCH_PAIRED_ROUNDS', quick ? '0' : '4', true)[0] ?? 0;

/** One server process and the variants measured on it. */
interface RunningServer {
  server: ServerProcess;
  variants: WorkerVariant[];
  mcpUrl: string;
  auditDir: string;
  idleKiB?: number;
}

/**
 * One real call per variant before measuring, so a wrong answer stops the run instead of being
 * timed. It goes through the bench's own client (whose framing and session behaviour must match
 * the variant's flags, so a flag that had no effect stops the run) and through the MCP SDK client.
 */
async function checkAnswers(mcpUrl: string, variant: WorkerVariant, auditDir: string): Promise<void> {
  const label = variant.label;
  const target = {
    kind: 'mcp',
    url: mcpUrl,
    tool: variant.tool,
    query: variant.query,
    stateless: variant.stateless,
  } as const;
  const caller = await connectMcp(target).catch((error: unknown) => {
    throw new StartupError(`${label} failed to open a session: ${(error as Error).message}`);
  });
  try {
    if (!caller.contentType.startsWith(variant.contentType)) {
      throw new StartupError(
        `${label} answered with content type "${caller.contentType}", expected ${variant.contentType}`,
      );
    }
    if (variant.stateless !== (caller.sessionId === null)) {
      throw new StartupError(
        `${label} ${caller.sessionId === null ? 'minted no session id' : `minted session id ${caller.sessionId}`}, ` +
          `expected ${variant.stateless ? 'none (stateless)' : 'one (stateful)'}`,
      );
    }
    const result = await caller.callOnce(12).catch((error: unknown) => {
      throw new StartupError(`${label} failed its first call: ${(error as Error).message}`);
    });
    if (!answerIsRight(variant.query, 12, JSON.stringify(result))) {
      throw new StartupError(`${label} answered call 12 wrongly: ${JSON.stringify(result).slice(0, 300)}`);
    }
  } finally {
    await caller.close();
  }
  const client = new Client({ name: 'mxcp-bench-check', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
  try {
    await client.connect(transport);
    const result = await client.callTool(
      { name: variant.tool, arguments: queryArguments(variant.query, 12) },
      undefined,
      {
        timeout: REQUEST_TIMEOUT_MS,
      },
    );
    if (result.isError || !answerIsRight(variant.query, 12, JSON.stringify(result))) {
      throw new StartupError(
        `${label} answered the SDK client's tools/call ${variant.tool} wrongly: ${JSON.stringify(result).slice(0, 300)}`,
      );
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

async function checkBaselineAnswers(baseUrl: string, query: BenchQuery): Promise<void> {
  const caller = await connectBaseline(baseUrl, query);
  const answer = await caller.callOnce(12).catch((error: unknown) => {
    throw new StartupError(`the baseline failed its first ${query} call: ${(error as Error).message}`);
  });
  if (!answerIsRight(query, 12, JSON.stringify(answer))) {
    throw new StartupError(
      `the baseline answered ${query} call 12 wrongly: ${JSON.stringify(answer).slice(0, 300)}`,
    );
  }
}

function describe(result: LoadResult): string {
  const errors = result.errors > 0 ? `, ${result.errors} errors (first: ${result.firstError})` : '';
  return (
    `${result.callsPerSecond.toFixed(0)} calls/s, p50 ${result.p50Ms.toFixed(2)} ms, p95 ${result.p95Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ` +
    (result.serverCpuMsPerCall !== undefined
      ? `server CPU ${result.serverCpuMsPerCall.toFixed(2)} ms/call, `
      : '') +
    `load generator CPU ${result.clientCpuPercent.toFixed(0)}%${errors}`
  );
}

/** The level whose run gives the peak RSS: TARGET_CLIENTS, else the highest level below it, else the lowest. */
function memoryLevel(levels: number[]): number {
  const below = levels.filter((n) => n <= TARGET_CLIENTS);
  return below.length > 0 ? Math.max(...below) : Math.min(...levels);
}

async function main(): Promise<number> {
  const levels = integersFromEnv('BENCH_CLIENTS', quick ? '1,8' : '1,8,32,128');
  const loadAtStart = loadavg();
  const workDir = mkdtempSync(join(tmpdir(), 'mxcp-bench-'));
  const servers: ServerProcess[] = [];
  let generator: LoadGenerator | undefined;
  const stopAll = async () => {
    await generator?.close();
    await Promise.all(servers.map((server) => stopServer(server)));
  };
  const onSignal = () => {
    void stopAll().finally(() => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    let variants = settings.variants;
    // Every project and the baseline get the table (the heavy tool is in every project and the
    // baseline prepares its statement at start); the heavy baseline runs only beside a heavy variant.
    const needHeavy = baselineOnly || variants.some((v) => v.query === 'heavy');
    const eventsTemplate = join(workDir, 'events-template.duckdb');
    await buildEventsDatabase(eventsTemplate);

    // Python MXCP is optional: without it, its variants are dropped and the reason printed.
    let pythonMxcp: PythonMxcpStatus | undefined;
    let pythonBin: string | undefined;
    if (variants.some((v) => v.implementation === 'python-mxcp')) {
      const install = preparePythonMxcp(pythonMode);
      if (install.ok) pythonBin = install.bin;
      else {
        pythonMxcp = { measured: false, version: PYTHON_MXCP_VERSION, reason: install.reason };
        variants = variants.filter((v) => v.implementation !== 'python-mxcp');
        console.log(pythonMxcpLine([], pythonMxcp));
      }
    }

    const baselinePort = await freePort();
    const baselineDb = join(workDir, 'baseline.duckdb');
    copyEventsDatabase(eventsTemplate, baselineDb);
    const baseline = startServer({
      name: 'the baseline server',
      args: ['--import', tsxLoader, baselineMain],
      cwd: repoRoot,
      env: {
        ...process.env,
        BENCH_PORT: String(baselinePort),
        BENCH_DB: baselineDb,
        BENCH_POOL_SIZE: String(settings.poolSize),
      },
      port: baselinePort,
    });
    servers.push(baseline);

    if (variants.some((v) => v.implementation === 'worker') && !existsSync(workerMain)) {
      throw new StartupError(
        `the worker CLI is missing (${workerMain}). Build the worker first, or set BENCH_BASELINE_ONLY=1 to measure the baseline alone.`,
      );
    }
    // One process per server key, serving its own copy of the project: each process opens
    // its project's DuckDB file read-write, which two processes cannot share.
    const running: RunningServer[] = [];
    for (const variant of variants) {
      const existing = running.find((r) => r.variants[0].server === variant.server);
      if (existing) {
        existing.variants.push(variant);
        continue;
      }
      const projectDir = join(workDir, `project-${variant.server}`);
      const { userConfigPath, auditDir } = writeBenchProject(projectDir, variant.flavour);
      copyEventsDatabase(eventsTemplate, databasePath(projectDir));
      const server =
        variant.implementation === 'python-mxcp'
          ? await startPythonMxcp({ bin: pythonBin!, projectDir, userConfigPath })
          : startWorker({
              name: `${variant.label} (mxcp serve)`,
              projectDir,
              userConfigPath,
              port: await freePort(),
              serveFlags: variant.serveFlags,
            });
      servers.push(server);
      const mcpUrl = `${server.baseUrl}${variant.implementation === 'python-mxcp' ? PYTHON_MXCP_PATH : '/mcp'}`;
      running.push({ server, variants: [variant], mcpUrl, auditDir });
    }

    await waitUntilReady(baseline, startTimeoutMs);
    await checkBaselineAnswers(baseline.baseUrl, 'square');
    await checkBaselineAnswers(baseline.baseUrl, 'heavy');
    for (const entry of [...running]) {
      const python = entry.variants[0].implementation === 'python-mxcp';
      try {
        await waitUntilReady(
          entry.server,
          startTimeoutMs,
          python ? { probe: () => mcpInitializeProbe(entry.mcpUrl) } : {},
        );
        for (const variant of entry.variants) await checkAnswers(entry.mcpUrl, variant, entry.auditDir);
      } catch (error) {
        if (!python || !(error instanceof StartupError)) throw error;
        // Python MXCP failing to start or to answer is a skip, not a failed run.
        pythonMxcp = {
          measured: false,
          version: PYTHON_MXCP_VERSION,
          reason: `it did not start or answer: ${error.message.split('\n')[0]}`,
        };
        console.log(pythonMxcpLine([], pythonMxcp));
        console.log(entry.server.outputTail());
        await stopServer(entry.server);
        running.splice(running.indexOf(entry), 1);
        variants = variants.filter((v) => v.implementation !== 'python-mxcp');
        continue;
      }
      if (python) pythonMxcp = { measured: true, version: PYTHON_MXCP_VERSION };
      entry.idleKiB = readMemory(entry.server.child.pid)?.rssKiB;
    }
    const baselineIdleKiB = readMemory(baseline.child.pid)?.rssKiB;

    console.log(
      `Benchmark: ${levels.join(', ')} clients; ${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per level and server; ` +
        (variants.length > 0
          ? `servers: ${variants.map((v) => v.label).join(', ')}, baseline.`
          : 'baseline only.') +
        ' Clients run in a separate load generator process.',
    );
    generator = new LoadGenerator(tsxLoader);
    const results: LevelResult[] = [];
    const memory: MemoryRow[] = [];
    const peakLevel = memoryLevel(levels);
    const timing = { warmupMs: settings.warmupSeconds * 1000, measureMs: settings.seconds * 1000 };
    const labelWidth = Math.max(
      9,
      ...variants.map((v) => v.label.length + 1),
      'baseline (heavy query):'.length,
    );
    const measure = async (
      clients: number,
      target: LoadTarget,
      server: ServerProcess,
      cpu: () => number | undefined,
      memoryRow: Omit<MemoryRow, 'peakKiB' | 'clients'> | undefined,
    ): Promise<LoadResult> => {
      // The peak is tracked over the whole run (warm-up included) at the memory level.
      const peak = clients === peakLevel && memoryRow ? trackPeak(server.child.pid) : undefined;
      const result = await generator!.run({ target, clients, ...timing }, { serverCpuSeconds: cpu });
      if (peak && memoryRow) memory.push({ ...memoryRow, peakKiB: peak.stop(), clients });
      return result;
    };
    for (const clients of levels) {
      // One server under load at a time: each variant in run order, then the baseline.
      const runs: WorkerRun[] = [];
      for (const variant of variants) {
        const entry = running.find((r) => r.variants.includes(variant))!;
        const target = {
          kind: 'mcp',
          url: entry.mcpUrl,
          tool: variant.tool,
          query: variant.query,
          stateless: variant.stateless,
        } as const;
        const result = await measure(
          clients,
          target,
          entry.server,
          // The worker and its Python host processes, if it started any.
          () => processTreeCpuSeconds(entry.server.child),
          { label: variant.label, idleKiB: entry.idleKiB },
        );
        console.log(`  ${clients} clients, ${`${variant.label}:`.padEnd(labelWidth)} ${describe(result)}`);
        runs.push({ variant, result });
      }
      const baselineCpu = () => processCpuSeconds(baseline.child);
      const baselineResult = await measure(
        clients,
        { kind: 'baseline', baseUrl: baseline.baseUrl, query: 'square' },
        baseline,
        baselineCpu,
        {
          label: 'baseline (Express + DuckDB)',
          idleKiB: baselineIdleKiB,
        },
      );
      console.log(`  ${clients} clients, ${'baseline:'.padEnd(labelWidth)} ${describe(baselineResult)}`);
      let heavyBaseline: LoadResult | undefined;
      if (needHeavy) {
        heavyBaseline = await measure(
          clients,
          { kind: 'baseline', baseUrl: baseline.baseUrl, query: 'heavy' },
          baseline,
          baselineCpu,
          {
            label: 'baseline (Express + DuckDB, heavy query)',
            idleKiB: baselineIdleKiB,
          },
        );
        console.log(
          `  ${clients} clients, ${'baseline (heavy query):'.padEnd(labelWidth)} ${describe(heavyBaseline)}`,
        );
      }
      results.push({ clients, workers: runs, baseline: baselineResult, heavyBaseline });
    }

    // The target, judged on the default worker and the baseline measured back to back.
    const paired: PairedRound[] = [];
    const sse = running.find((r) => r.variants.some((v) => v.key === 'sse'));
    if (sse && pairedRounds > 0) {
      console.log(
        `Paired rounds at ${TARGET_CLIENTS} clients: the default worker and the baseline back to back`,
      );
      const variant = sse.variants.find((v) => v.key === 'sse')!;
      const runWorker = () =>
        measure(
          TARGET_CLIENTS,
          {
            kind: 'mcp',
            url: sse.mcpUrl,
            tool: variant.tool,
            query: variant.query,
            stateless: variant.stateless,
          },
          sse.server,
          () => processTreeCpuSeconds(sse.server.child),
          undefined,
        );
      const runBaseline = () =>
        measure(
          TARGET_CLIENTS,
          { kind: 'baseline', baseUrl: baseline.baseUrl, query: 'square' },
          baseline,
          () => processCpuSeconds(baseline.child),
          undefined,
        );
      for (let i = 0; i < pairedRounds; i++) {
        const first = pairedOrder(i);
        const a = await (first === 'worker' ? runWorker() : runBaseline());
        const b = await (first === 'worker' ? runBaseline() : runWorker());
        const round: PairedRound =
          first === 'worker' ? { first, worker: a, baseline: b } : { first, worker: b, baseline: a };
        paired.push(round);
        console.log(
          `  round ${i + 1} (${first} first): worker ${Math.round(round.worker.callsPerSecond)} calls/s, ` +
            `baseline ${Math.round(round.baseline.callsPerSecond)} calls/s, ratio ${roundRatio(round)?.toFixed(2) ?? '—'}`,
        );
      }
    }
    await stopAll();
    servers.length = 0;

    // Cold start last, with every other server stopped.
    let coldStart: ColdStartResult[] | undefined;
    if (coldEndpoints.length > 0) {
      console.log(`Cold start to /ready: ${coldEndpoints.join(', ')} endpoints, ${coldRepeats} run(s) each`);
      coldStart = await measureColdStarts({
        workDir,
        endpointCounts: coldEndpoints,
        repetitions: coldRepeats,
        timeoutMs: startTimeoutMs,
        log: (line) => console.log(line),
      });
    }

    console.log(`\n${resultsTable(results)}\n`);
    console.log(
      `Target (default SSE worker ≥ 0.7 × baseline throughput at 32 clients): ${targetVerdict(results, paired)}`,
    );
    if (paired.length > 0) console.log(`\n${pairedTable(paired)}\n`);
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
    const mxcpTable = pythonMxcp?.measured ? pythonMxcpTable(results) : undefined;
    if (mxcpTable)
      console.log(`\nPython MXCP against the worker (same query, same transport):\n\n${mxcpTable}\n`);
    console.log(pythonMxcpLine(results, pythonMxcp));
    if (coldStart)
      console.log(`\nCold start to /ready (median of ${coldRepeats}):\n\n${coldStartTable(coldStart)}\n`);
    if (memory.length > 0)
      console.log(`\nMemory (RSS; peak during the ${peakLevel}-client run):\n\n${memoryTable(memory)}\n`);
    const loadAverage = { start: loadAtStart, end: loadavg() };
    console.log(
      `Machine load average (1, 5, 15 min): ${loadAverage.start.map((n) => n.toFixed(2)).join(', ')} at the start, ` +
        `${loadAverage.end.map((n) => n.toFixed(2)).join(', ')} at the end`,
    );
    if (writeDocs) {
      const docsPath = join(repoRoot, 'docs/benchmarks.md');
      const previous = existsSync(docsPath) ? readFileSync(docsPath, 'utf8') : '';
      const markdown = benchmarksMarkdown(results, { ...settings, variants, loadAverage }, new Date(), {
        pythonMxcp,
        coldStart,
        memory,
        paired,
      });
      // Other benchmarks (the operator's) keep their sections of the same page.
      writeFileSync(docsPath, keepOtherSections(markdown, previous));
      console.log(`Wrote ${docsPath}`);
    }
    // Python MXCP's own errors are reported in its rows; they do not fail the worker's benchmark.
    const anyErrors =
      results.some(
        (r) =>
          r.baseline.errors > 0 ||
          (r.heavyBaseline?.errors ?? 0) > 0 ||
          r.workers.some((w) => w.variant.implementation === 'worker' && w.result.errors > 0),
      ) || paired.some((r) => r.worker.errors > 0 || r.baseline.errors > 0);
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
    rmSync(workDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
