// The benchmark's output: the results table, the cost of audit + policies and the
// Python tools against the SQL tool (printed, and written into docs/benchmarks.md
// with the machine it ran on and how it was measured). The sections added with the
// heavy query, cold start, memory and Python MXCP live in report-sections.ts.
import { cpus, totalmem, platform, release, availableParallelism } from 'node:os';
import type { LoadResult } from './load.js';
import { medianPairedRatio, pairedSection, type PairedRound } from './paired.js';
import {
  coldStartSection,
  fixed,
  heavySection,
  memorySection,
  pythonMxcpSection,
  type ReportExtras,
} from './report-sections.js';
import {
  BENCH_POLICIES,
  BENCH_SQL,
  BENCH_TOOL,
  PYTHON_DB_TOOL,
  PYTHON_MODULE,
  PYTHON_PURE_TOOL,
} from './bench-project.js';
import {
  DEFAULT_VARIANT,
  PYTHON_VARIANTS,
  WORKER_VARIANTS,
  type WorkerVariant,
  type WorkerVariantKey,
} from './worker-variants.js';

export const TARGET_CLIENTS = 32;
export const TARGET_RATIO = 0.7;
/** Audit + policies may cost at most 15% of the default worker's throughput. */
export const AUDIT_TARGET_RATIO = 0.85;

/** One worker variant's measurement at one client level. */
export interface WorkerRun {
  variant: WorkerVariant;
  result: LoadResult;
}

export interface LevelResult {
  clients: number;
  /** The worker variants measured at this level, in run order (empty for a baseline-only run). */
  workers: WorkerRun[];
  /** The baseline on the trivial query (`square`). */
  baseline: LoadResult;
  /** The baseline on the heavy query, when a heavy variant ran (or in a baseline-only run). */
  heavyBaseline?: LoadResult;
}

export interface RunSettings {
  seconds: number;
  warmupSeconds: number;
  poolSize: number;
  baselineOnly: boolean;
  /** The worker variants the run measured (BENCH_WORKER_VARIANTS). */
  variants: WorkerVariant[];
  /** os.loadavg() (1, 5, 15 min) when the run started and ended: how busy the machine was. */
  loadAverage?: { start: number[]; end: number[] };
}

const BASELINE_LABEL = 'baseline (Express + DuckDB)';
const HEAVY_BASELINE_LABEL = 'baseline (Express + DuckDB, heavy query)';

/** Server calls/s ÷ the baseline's calls/s on the same query at the same level. */
export function ratio(run: WorkerRun, level: LevelResult): number | undefined {
  const baseline = run.variant.query === 'heavy' ? level.heavyBaseline : level.baseline;
  if (!baseline || baseline.callsPerSecond === 0) return undefined;
  return run.result.callsPerSecond / baseline.callsPerSecond;
}

/** One row per server and level: each variant first, then the baselines they are compared with. */
export function resultsTable(levels: LevelResult[]): string {
  const header =
    '| clients | server | calls/s | p50 (ms) | p95 (ms) | p99 (ms) | ratio vs baseline | errors |';
  const rule = '|---:|:---|---:|---:|---:|---:|---:|---:|';
  const row = (clients: number, label: string, result: LoadResult, ratioText: string) =>
    `| ${clients} | ${label} | ${fixed(result.callsPerSecond, 0)} | ${fixed(result.p50Ms, 2)} | ` +
    `${fixed(result.p95Ms, 2)} | ${fixed(result.p99Ms, 2)} | ${ratioText} | ${result.errors} |`;
  const rows = levels.flatMap((level) => [
    ...level.workers.map((run) =>
      row(level.clients, run.variant.label, run.result, fixed(ratio(run, level), 2)),
    ),
    row(level.clients, BASELINE_LABEL, level.baseline, '—'),
    ...(level.heavyBaseline ? [row(level.clients, HEAVY_BASELINE_LABEL, level.heavyBaseline, '—')] : []),
  ]);
  return [header, rule, ...rows].join('\n');
}

function cpuTable(levels: LevelResult[], variants: WorkerVariant[]): string {
  const heavyBaseline = levels.some((level) => level.heavyBaseline);
  const header =
    `| clients | ${variants.map((v) => `during ${v.label} run (%)`).join(' | ')}${variants.length > 0 ? ' | ' : ''}during baseline run (%) |` +
    (heavyBaseline ? ' during baseline heavy-query run (%) |' : '');
  const rule = `|---:|${variants.map(() => '---:|').join('')}---:|${heavyBaseline ? '---:|' : ''}`;
  const rows = levels.map((level) => {
    const workerCells = variants.map((variant) => {
      const run = level.workers.find((w) => w.variant.key === variant.key);
      return ` ${fixed(run?.result.clientCpuPercent, 0)} |`;
    });
    return (
      `| ${level.clients} |${workerCells.join('')} ${fixed(level.baseline.clientCpuPercent, 0)} |` +
      (heavyBaseline ? ` ${fixed(level.heavyBaseline?.clientCpuPercent, 0)} |` : '')
    );
  });
  return [header, rule, ...rows].join('\n');
}

function ratioAtTarget(levels: LevelResult[], key: WorkerVariant['key']): number | undefined {
  const level = levels.find((l) => l.clients === TARGET_CLIENTS);
  const run = level?.workers.find((w) => w.variant.key === key);
  return level && run ? ratio(run, level) : undefined;
}

/**
 * "met", "missed" or "not measured", judged on the default (SSE) worker's ratio at
 * TARGET_CLIENTS; the `--json-response` ratio is reported beside it when it was measured.
 */
export function targetVerdict(levels: LevelResult[], paired?: PairedRound[]): string {
  const single = ratioAtTarget(levels, DEFAULT_VARIANT);
  const json = ratioAtTarget(levels, 'json');
  const median = paired ? medianPairedRatio(paired) : undefined;
  let verdict: string;
  if (median !== undefined) {
    verdict =
      `${median >= TARGET_RATIO ? 'met' : 'missed'} (median SSE ratio ${median.toFixed(2)} over ` +
      `${paired!.length} paired rounds at ${TARGET_CLIENTS} clients` +
      (single === undefined ? ')' : `; ${single.toFixed(2)} in the level table)`);
  } else {
    verdict =
      single === undefined
        ? `not measured (needs the default SSE worker at ${TARGET_CLIENTS} clients)`
        : `${single >= TARGET_RATIO ? 'met' : 'missed'} (SSE ratio ${single.toFixed(2)} at ${TARGET_CLIENTS} clients)`;
  }
  return json === undefined ? verdict : `${verdict}; --json-response ratio ${json.toFixed(2)}`;
}

/** The default worker and its audited twin at one level, when both ran there. */
function auditPair(level: LevelResult): { off: LoadResult; on: LoadResult } | undefined {
  const off = level.workers.find((w) => w.variant.key === DEFAULT_VARIANT)?.result;
  const on = level.workers.find((w) => w.variant.key === 'audit')?.result;
  return off && on ? { off, on } : undefined;
}

/** Audited calls/s ÷ default calls/s at one level. */
export function auditRatio(level: LevelResult): number | undefined {
  const pair = auditPair(level);
  if (!pair || pair.off.callsPerSecond === 0) return undefined;
  return pair.on.callsPerSecond / pair.off.callsPerSecond;
}

/**
 * One row per level where both the default worker and the audited one ran: throughput and
 * latency off and on, and their ratio. Undefined when no level has both.
 */
export function auditCostTable(levels: LevelResult[]): string | undefined {
  const rows = levels.flatMap((level) => {
    const pair = auditPair(level);
    if (!pair) return [];
    const { off, on } = pair;
    return [
      `| ${level.clients} | ${fixed(off.callsPerSecond, 0)} | ${fixed(on.callsPerSecond, 0)} | ` +
        `${fixed(auditRatio(level), 2)} | ${fixed(off.p50Ms, 2)} | ${fixed(on.p50Ms, 2)} | ` +
        `${fixed(off.serverCpuMsPerCall, 2)} | ${fixed(on.serverCpuMsPerCall, 2)} |`,
    ];
  });
  if (rows.length === 0) return undefined;
  return [
    '| clients | off: calls/s | on: calls/s | on ÷ off | off: p50 (ms) | on: p50 (ms) | off: server CPU/call (ms) | on: server CPU/call (ms) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** "met", "missed" or "not measured": audited throughput ≥ AUDIT_TARGET_RATIO × default at TARGET_CLIENTS. */
export function auditVerdict(levels: LevelResult[]): string {
  const level = levels.find((l) => l.clients === TARGET_CLIENTS);
  const value = level ? auditRatio(level) : undefined;
  if (value === undefined) {
    return `not measured (needs the default and the audit+policies worker at ${TARGET_CLIENTS} clients)`;
  }
  const cost = (1 - value) * 100;
  const pair = level && auditPair(level);
  const cpuOff = pair?.off.serverCpuMsPerCall;
  const cpuOn = pair?.on.serverCpuMsPerCall;
  // Server CPU per call moves less than throughput when other work shares the machine.
  const cpu =
    cpuOff !== undefined && cpuOn !== undefined && cpuOff > 0
      ? `; server CPU per call ${signedPercent((cpuOn / cpuOff - 1) * 100)}`
      : '';
  return (
    `${value >= AUDIT_TARGET_RATIO ? 'met' : 'missed'} (on ÷ off ${value.toFixed(2)} at ${TARGET_CLIENTS} clients, ` +
    `${cost >= 0 ? `${cost.toFixed(0)}% lower` : `${(-cost).toFixed(0)}% higher`}${cpu})`
  );
}

const signedPercent = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(0)}%`;

function loadAverageLine(settings: RunSettings): string {
  if (!settings.loadAverage) return '';
  const show = (values: number[]) => values.map((n) => n.toFixed(2)).join(', ');
  const line = `\n- Load average (1, 5, 15 min): ${show(settings.loadAverage.start)} at the start of the run, ${show(settings.loadAverage.end)} at the end`;
  const cores = availableParallelism();
  if (Math.max(settings.loadAverage.start[0], settings.loadAverage.end[0]) <= cores) return line;
  return (
    `${line}\n\n> The machine was busy with other work during this run (1-minute load average above its ${cores} cores):\n` +
    '> absolute numbers are pessimistic and throughput ratios are noisy; server CPU per call is the steadier figure.'
  );
}

function auditSection(levels: LevelResult[]): string {
  const table = auditCostTable(levels);
  if (!table) {
    return `## Cost of audit and policies

Not measured in this run (it needs the \`sse\` and \`audit\` variants; see \`BENCH_WORKER_VARIANTS\`).
`;
  }
  return `## Cost of audit and policies

The same worker (SSE, default flags) on the same project, measured in the same run: **off** is
the plain project; **on** has the audit log enabled (\`profiles.default.audit.enabled: true\`, one
JSONL record per call, batched writes) and an input and an output policy on the tool:

\`\`\`yaml
${BENCH_POLICIES.trimEnd().replace(/^ {2}/gm, '')}
\`\`\`

Both rules are evaluated on every call (CEL over the validated parameters, then over the result);
neither fires for the benchmark's anonymous clients, so both variants answer the same. Telemetry
(metrics) is on in both: \`mxcp serve\` always counts calls.

${table}

Target: audit + policies cost at most ${Math.round((1 - AUDIT_TARGET_RATIO) * 100)}% of the throughput at ${TARGET_CLIENTS} clients (on ÷ off ≥ ${AUDIT_TARGET_RATIO}): **${auditVerdict(levels)}**.

Server CPU per call is read from \`/proc/<pid>/stat\` around each measured window. When other work
shares the machine (see the load average above), each server gets a varying share of the cores and
the throughput ratio moves with it; CPU per call moves much less, and on an idle machine, where the
server is CPU-bound, on ÷ off throughput is about off ÷ on CPU per call. To measure only this
comparison: \`BENCH_CLIENTS=32 BENCH_WORKER_VARIANTS=sse,audit BENCH_WRITE_DOCS=0 npm run bench\`.
`;
}

/** How each tool is named in the Python comparison. */
const TOOL_NAMES: Partial<Record<WorkerVariantKey, string>> = {
  [DEFAULT_VARIANT]: `SQL (\`${BENCH_TOOL}\`)`,
  python: `Python, db.execute (\`${PYTHON_DB_TOOL}\`)`,
  pypure: `pure Python (\`${PYTHON_PURE_TOOL}\`)`,
};

/** The SQL tool's run and the Python tools' runs at one level, when the SQL one and a Python one ran. */
function pythonRuns(level: LevelResult): { sql: LoadResult; python: WorkerRun[] } | undefined {
  const sql = level.workers.find((w) => w.variant.key === DEFAULT_VARIANT)?.result;
  const python = level.workers.filter((w) => PYTHON_VARIANTS.includes(w.variant.key));
  return sql && python.length > 0 ? { sql, python } : undefined;
}

/** A Python tool's calls/s ÷ the SQL tool's at the same level (same worker, same transport). */
export function pythonRatio(level: LevelResult, key: WorkerVariantKey): number | undefined {
  const runs = pythonRuns(level);
  const run = runs?.python.find((w) => w.variant.key === key);
  if (!runs || !run || runs.sql.callsPerSecond === 0) return undefined;
  return run.result.callsPerSecond / runs.sql.callsPerSecond;
}

/**
 * One row per tool and level where the SQL tool and at least one Python tool ran: throughput,
 * its ratio to the SQL tool's, latency and server CPU per call (the worker plus its Python
 * processes). Undefined when no level has both.
 */
export function pythonCostTable(levels: LevelResult[]): string | undefined {
  const rows = levels.flatMap((level) => {
    const runs = pythonRuns(level);
    if (!runs) return [];
    const row = (key: WorkerVariantKey, result: LoadResult, ratioText: string) =>
      `| ${level.clients} | ${TOOL_NAMES[key]} | ${fixed(result.callsPerSecond, 0)} | ${ratioText} | ` +
      `${fixed(result.p50Ms, 2)} | ${fixed(result.p99Ms, 2)} | ${fixed(result.serverCpuMsPerCall, 2)} | ${result.errors} |`;
    return [
      row(DEFAULT_VARIANT, runs.sql, '—'),
      ...runs.python.map((run) =>
        row(run.variant.key, run.result, fixed(pythonRatio(level, run.variant.key), 2)),
      ),
    ];
  });
  if (rows.length === 0) return undefined;
  return [
    '| clients | tool | calls/s | ÷ SQL tool | p50 (ms) | p99 (ms) | server CPU/call (ms) | errors |',
    '|---:|:---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/**
 * One sentence on the Python tools at the highest client level where they were compared with the
 * SQL tool (TARGET_CLIENTS in a full run), or "not measured".
 */
export function pythonSummary(levels: LevelResult[]): string {
  const compared = levels.filter((level) => pythonRuns(level) !== undefined);
  const level = compared.sort((a, b) => b.clients - a.clients)[0];
  if (!level) return 'Python tools: not measured (needs the `sse` variant and `python` and/or `pypure`).';
  const runs = pythonRuns(level)!;
  const sqlCpu = runs.sql.serverCpuMsPerCall;
  const parts = runs.python.map((run) => {
    const value = pythonRatio(level, run.variant.key);
    const cpu = run.result.serverCpuMsPerCall;
    const cpuText =
      cpu !== undefined && sqlCpu !== undefined && sqlCpu > 0
        ? `, ${(cpu / sqlCpu).toFixed(2)} × its server CPU per call`
        : '';
    return (
      `${TOOL_NAMES[run.variant.key]} ${fixed(value, 2)} × the SQL tool's throughput${cpuText} ` +
      `(p50 ${fixed(run.result.p50Ms, 2)} ms against ${fixed(runs.sql.p50Ms, 2)} ms)`
    );
  });
  return `Python tools at ${level.clients} clients: ${parts.join('; ')}.`;
}

function pythonSection(levels: LevelResult[]): string {
  const table = pythonCostTable(levels);
  if (!table) {
    return `## Python tools against the SQL tool

Not measured in this run (it needs the \`sse\` variant and \`python\` and/or \`pypure\`; see \`BENCH_WORKER_VARIANTS\`).
`;
  }
  return `## Python tools against the SQL tool

The same worker (SSE, default flags) measured in the same run on three tools with the same
parameter, return type and answer (\`{n, square}\`): the SQL tool \`${BENCH_TOOL}\`, and two Python
tools (\`language: python\`) in one module:

\`\`\`python
${PYTHON_MODULE.trimEnd()}
\`\`\`

**Python, db.execute** is the comparable one: it runs the SQL tool's query on the same DuckDB,
so the difference is what the Python path adds (the call sent to a pooled Python process over
its JSON-lines pipe, the query sent back to the worker as a \`db\` request and its rows returned,
then the result). **Pure Python** skips DuckDB and shows the Python round trip alone. The Python
tools run in the worker's default pool (one process per CPU, \`MXCP_PYTHON_POOL_SIZE\`); their
worker is a separate process serving the Python flavour of the project. Server CPU per call counts
the worker and its Python processes.

On a machine shared with other work (see the load average), read **server CPU per call** first:
the Python variants run as three processes (the worker and two Python hosts), which get a larger
share of oversubscribed cores than the SQL tool's single process, so their throughput ratio comes
out higher than on an idle machine, where the CPU-bound ratio is about the inverse of the CPU per
call ratio.

${table}

${pythonSummary(levels)}
`;
}

export function machineDescription(): string {
  const cpuList = cpus();
  const model = cpuList[0]?.model?.trim() ?? 'unknown CPU';
  return [
    `- CPU: ${model}, ${availableParallelism()} cores available`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${platform()} ${release()}`,
    `- Node: ${process.version}`,
  ].join('\n');
}

function partialRunNote(settings: RunSettings): string {
  if (settings.baselineOnly || settings.variants.length === 0) {
    return '\n> This run measured the baseline only (`BENCH_BASELINE_ONLY=1`); there are no worker rows.\n> Run `npm run bench` for the full comparison.\n';
  }
  // Python MXCP's variants are left out of this count: when it is skipped, its section says why.
  const ours = settings.variants.filter((v) => v.implementation === 'worker');
  if (ours.length < WORKER_VARIANTS.filter((v) => v.implementation === 'worker').length) {
    const only = ours.map((v) => v.label).join(', ');
    const which = ours.length === 1 ? 'one worker variant only' : 'only some worker variants';
    return `\n> This run measured ${which} (\`BENCH_WORKER_VARIANTS\`): ${only}.\n> Run \`npm run bench\` for all of them.\n`;
  }
  return '';
}

export function benchmarksMarkdown(
  levels: LevelResult[],
  settings: RunSettings,
  date: Date,
  extras: ReportExtras = {},
): string {
  return `# Benchmarks

Generated by \`npm run bench\` (\`test/bench/worker-http.bench.ts\`) on ${date.toISOString()}.
${partialRunNote(settings)}
## Machine

${machineDescription()}${loadAverageLine(settings)}

## Results

${resultsTable(levels)}

Target: the default (SSE) worker's throughput at least ${TARGET_RATIO} × the baseline's at ${TARGET_CLIENTS} concurrent clients: **${targetVerdict(levels, extras.paired)}**.

Each level ran ${settings.warmupSeconds} s of warm-up (not counted) and then ${settings.seconds} s of measurement, per server.

CPU used by the load generator (a separate process holding all clients) during each measured
window, in % of one core:

${cpuTable(levels, settings.variants)}

${pairedSection(extras.paired, TARGET_CLIENTS)}
${heavySection(levels)}
${auditSection(levels)}
${pythonSection(levels)}
${pythonMxcpSection(levels, extras.pythonMxcp)}
${coldStartSection(extras.coldStart)}
${memorySection(extras.memory)}
## What is measured, and how

- **Worker**: \`mxcp serve --transport streamable-http\` (the TypeScript worker, started as a child
  process with \`node --import tsx worker/src/cli/main.ts\`) serving a one-tool MXCP project. The tool
  \`square\` runs \`${BENCH_SQL}\` (one computed row, next to no DuckDB work)
  and declares an object return, so each call goes through the whole pipeline: MCP JSON-RPC over
  streamable HTTP (one session per client), argument validation, the DuckDB query, result
  reshaping, output validation and \`structuredContent\`.
- **Worker variants**, one process per server configuration started side by side, each serving its
  own copy of the project directory (one DuckDB file cannot be opened read-write by two processes;
  the default worker answers both the trivial and the heavy query, the two Python tools share one
  worker, and so do Python MXCP's two queries): **worker (SSE, stateless)** is started with
  \`--stateless\` (no session id: each client initializes once, then sends its calls without one);
  **worker (SSE, heavy query)** calls the heavy tool (see above);
  **worker (SSE, default)** answers each \`tools/call\` POST with an SSE stream carrying the
  JSON-RPC response (MXCP's default, and the worker's); **worker (SSE, audit+policies)** is the
  same with the audit log and two policies on (see above); **worker (SSE, Python tool, db.execute)**
  and **worker (SSE, pure-Python tool)** are the same transport calling the Python tools (see
  above); **worker (--json-response)** is started with \`--json-response\` and answers with one
  \`application/json\` body. All are valid MCP streamable HTTP. The ${TARGET_RATIO} target is judged
  on the default (SSE) variant; its ratio vs the baseline is for the SQL tool (the baseline runs
  the same SQL), and the Python rows' ratios vs the baseline are shown for reference only.
- **Baseline**: bare Express 5 routes (\`test/bench/baseline-server.ts\`, also a child process,
  \`POST /square\` and \`POST /events_page\`) that run the same SQL on one DuckDB instance through \`@duckdb/node-api\`, with a pool of
  ${settings.poolSize} connections (MXCP's pool size rule, max(10, 2 × CPUs)) and both statements prepared once per
  connection; plain JSON request and response, no validation.
- **Clients**: closed loop, in a separate load generator process (\`test/bench/load-child.ts\`,
  forked once per run and sent one job at a time), so the clients' HTTP and parsing work does not
  share an event loop with the benchmark's orchestration and CPU/memory sampling. For the worker each client is one MCP
  session spoken directly over streamable HTTP with \`fetch\` (initialize once, then \`tools/call\`
  POSTs; the answer is parsed from the SSE \`data:\` line or from the JSON body, whichever the
  server sent); for the baseline each client \`fetch\`es \`POST /square\` in a loop. Both load
  generators do the same kind of work per call, so the ratio compares the servers. Each request
  waits for the previous one; the argument cycles through 0..999. Latency is measured per request
  from send to parsed response.
- **Order**: at each client level the SSE worker, the audited one, the two Python tools, the stateless
  worker, the JSON worker, Python MXCP, the heavy query on the worker then on Python MXCP, then the
  baseline on both queries, each
  with its own warm-up and measured window; only one server is under load at a time (the others
  sit idle), all bound to 127.0.0.1 with their own DuckDB files.
- **Numbers**: calls/s = completed calls in the measured window ÷ its length; p50, p95 and p99 are
  nearest-rank percentiles of the per-request latencies; ratio = that worker's calls/s ÷ the
  baseline's calls/s at the same level.
- **Caveat**: the load generator process still shares the machine's ${availableParallelism()} cores with the server under test, so
  absolute numbers depend on how busy the machine is; the ratio is the number to compare.

### Where the worker's time goes

A first CPU profile of the worker (SSE mode, 8 clients, this machine, 2 cores) put about 20% of
its time in DuckDB (running the prepared statement and fetching the result chunk, work the
baseline pays too), about 17% in the MCP SDK's conversion between Node and Web requests and
responses (\`@hono/node-server\`), about 11% in Express body parsing and about 10% in zod
validation of JSON-RPC messages. The worker now speaks streamable HTTP with its own small
transport (\`worker/src/server/http-transport.ts\`, see \`docs/adr/0001-own-streamable-http-transport.md\`),
which cut its CPU per call by about a quarter (about 2.75 ms to 2.08 ms; the baseline uses about
1.5 ms).

A second round (32 clients) found three more costs, now removed:
- **The SDK's type guards.** Its \`Protocol\` sorts each incoming message by trying zod schemas in
  turn (response? error? request?). For a request the first two fail, and each failure builds a
  \`ZodError\` with a stack trace: about 10% of the worker's CPU. Our transport has already
  validated each message against \`JSONRPCMessageSchema\`, so \`server/sdk-dispatch.ts\` hands
  requests and notifications straight to the Protocol's handlers. The SDK's \`Server\` also
  parsed each \`tools/call\` request a second time and checked the result against
  \`CallToolResultSchema\`; the handler is now registered so that the request is parsed once.
- **A DuckDB pool of 4.** The worker pooled max(4, 2 × CPUs) connections where MXCP pools
  max(10, 2 × CPUs) (as the baseline does). At 32 clients, calls queued for a connection; with
  MXCP's size the worker's throughput rose by about 12% on this machine.
- **Small per-call work:** request headers flattened for every call (now only when a Python
  endpoint reads them), and a SHA-256 of the SQL text for every query's span (now remembered per
  statement).

What remains above the baseline is DuckDB under more contention (about 0.15 ms of main-thread time
per call more than the baseline spends in the same two calls), the one zod parse of each message
and of the \`tools/call\` params, the metrics and no-op tracing calls, and Express routing. The
worker's own code (argument and output validation, the execution engine) is a small share.

Settings: \`BENCH_SECONDS\` (measured seconds per level, default 5), \`BENCH_WARMUP_SECONDS\` (default 1),
\`BENCH_CLIENTS\` (default \`1,8,32,128\`), \`BENCH_WORKER_VARIANTS\` (default: all of
\`${WORKER_VARIANTS.map((v) => v.key).join(',')}\`), \`BENCH_COLD_ENDPOINTS\` (default \`10,100,1000\`),
\`BENCH_COLD_REPEATS\` (default 3), \`BENCH_PYTHON_MXCP\` (\`auto\`, \`installed\` or \`0\`),
\`BENCH_BASELINE_ONLY=1\` (skip the worker). See \`test/bench/README.md\`.
`;
}

/** Marks a section another benchmark owns on the same page (`<!-- name:start -->` … `<!-- name:end -->`). */
const FOREIGN_SECTION = /<!-- ([a-z-]+):start -->[\s\S]*?<!-- \1:end -->/g;

/**
 * The page as written by this benchmark, followed by every marked section of `previous` that it
 * does not have itself, so a run of \`npm run bench\` keeps what \`npm run bench:operator\` wrote.
 */
export function keepOtherSections(markdown: string, previous: string): string {
  const kept = [...previous.matchAll(FOREIGN_SECTION)]
    .map((match) => match[0])
    .filter((section) => !markdown.includes(section.slice(0, section.indexOf('-->') + 3)));
  return kept.length === 0 ? markdown : `${markdown.trimEnd()}\n\n${kept.join('\n\n')}\n`;
}
