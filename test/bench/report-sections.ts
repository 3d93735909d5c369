// The benchmark's report sections for the heavy query, Python MXCP against the worker,
// cold start and memory: printed tables and the docs/benchmarks.md sections (report.ts
// puts them on the page).
import type { PairedRound } from './paired.js';
import { EVENTS_TABLE_SQL, HEAVY_SQL, HEAVY_TOOL } from './bench-project.js';
import type { ColdStartResult } from './cold-start.js';
import type { LoadResult } from './load.js';
import type { LevelResult } from './report.js';
import { PYTHON_MXCP_PAIRS, WORKER_VARIANTS, type WorkerVariantKey } from './worker-variants.js';

/** Whether Python MXCP was measured, and if not, why. */
export type PythonMxcpStatus =
  | { measured: true; version: string }
  | { measured: false; version: string; reason: string };

/** One server's memory: RSS after start (idle) and its peak during one variant's run. */
export interface MemoryRow {
  /** The variant whose run the peak is from (its server's idle figure is repeated per variant). */
  label: string;
  idleKiB?: number;
  peakKiB?: number;
  /** The client level the peak was read at. */
  clients?: number;
}

export interface ReportExtras {
  pythonMxcp?: PythonMxcpStatus;
  coldStart?: ColdStartResult[];
  memory?: MemoryRow[];
  /** The default worker and the baseline back to back at the target level (paired.ts). */
  paired?: PairedRound[];
}

/** A figure with `digits` decimals, or — when it was not measured. */
export const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
const mib = (kib: number | undefined) => fixed(kib === undefined ? undefined : kib / 1024, 0);

export function heavySection(levels: LevelResult[]): string {
  const measured = levels.some((level) => level.heavyBaseline);
  return `## The heavy query

\`${HEAVY_TOOL}\` (variants marked "heavy query", and the baseline's \`POST /events_page\`) runs

\`\`\`sql
${HEAVY_SQL}
\`\`\`

over a 1M-row table built once before the servers start and copied into each one's DuckDB file:

\`\`\`sql
${EVENTS_TABLE_SQL}
\`\`\`

Every call aggregates all 1M rows into 10k groups; the answer is one page of 100 of them (the page
cycles through 0..99). \`ORDER BY … LIMIT/OFFSET\` sits above the \`GROUP BY\`, so DuckDB cannot push
the page into the scan, and the answer stays about 5 kB, so the figure is the aggregation's rather than
JSON encoding's. Its ratio vs baseline is against the baseline running the same statement.
${measured ? '' : '\nNot measured in this run (it needs the `heavy` or `pymxcp-heavy` variant).\n'}`;
}

function findRun(level: LevelResult, key: WorkerVariantKey): LoadResult | undefined {
  return level.workers.find((w) => w.variant.key === key)?.result;
}

const labelOf = (key: WorkerVariantKey) => WORKER_VARIANTS.find((v) => v.key === key)!.label;

/**
 * One row per level and query where both the worker and Python MXCP ran: both throughputs, the
 * worker ÷ Python MXCP ratio, both p50s and both server CPU per call. Undefined when none.
 */
export function pythonMxcpTable(levels: LevelResult[]): string | undefined {
  const rows = levels.flatMap((level) =>
    PYTHON_MXCP_PAIRS.flatMap(({ mxcp, worker }) => {
      const ours = findRun(level, worker);
      const theirs = findRun(level, mxcp);
      if (!ours || !theirs) return [];
      const query = worker === 'heavy' ? 'heavy' : 'square';
      return [
        `| ${level.clients} | ${query} | ${fixed(ours.callsPerSecond, 0)} | ${fixed(theirs.callsPerSecond, 0)} | ` +
          `${theirs.callsPerSecond > 0 ? fixed(ours.callsPerSecond / theirs.callsPerSecond, 2) : '—'} | ` +
          `${fixed(ours.p50Ms, 2)} | ${fixed(theirs.p50Ms, 2)} | ${fixed(ours.serverCpuMsPerCall, 2)} | ` +
          `${fixed(theirs.serverCpuMsPerCall, 2)} | ${theirs.errors} |`,
      ];
    }),
  );
  if (rows.length === 0) return undefined;
  return [
    '| clients | query | worker calls/s | Python MXCP calls/s | worker ÷ Python MXCP | worker p50 (ms) | Python MXCP p50 (ms) | worker CPU/call (ms) | Python MXCP CPU/call (ms) | Python MXCP errors |',
    '|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** The one line the run prints about Python MXCP: its ratio at the highest level, or why it was skipped. */
export function pythonMxcpLine(levels: LevelResult[], status: PythonMxcpStatus | undefined): string {
  if (!status) return 'Python MXCP: not measured (no Python MXCP variant selected in BENCH_WORKER_VARIANTS).';
  if (!status.measured) return `Python MXCP ${status.version}: skipped: ${status.reason}`;
  const parts = PYTHON_MXCP_PAIRS.flatMap(({ mxcp, worker }) => {
    const level = [...levels]
      .sort((a, b) => b.clients - a.clients)
      .find((l) => findRun(l, mxcp) && findRun(l, worker));
    if (!level) return [];
    const ours = findRun(level, worker)!;
    const theirs = findRun(level, mxcp)!;
    const value = theirs.callsPerSecond > 0 ? ours.callsPerSecond / theirs.callsPerSecond : undefined;
    return [
      `${labelOf(worker)} ${fixed(value, 2)} × ${labelOf(mxcp)}'s throughput at ${level.clients} clients`,
    ];
  });
  if (parts.length === 0) {
    return `Python MXCP ${status.version}: measured, but not beside its worker variant (needs \`sse\` with \`pymxcp\`, \`heavy\` with \`pymxcp-heavy\`).`;
  }
  return `Python MXCP ${status.version}: ${parts.join('; ')}.`;
}

export function pythonMxcpSection(levels: LevelResult[], status: PythonMxcpStatus | undefined): string {
  const table = status?.measured ? pythonMxcpTable(levels) : undefined;
  return `## Python MXCP against the worker

Python MXCP (the reference implementation, \`mxcp\` from PyPI, installed by
\`test/bench/python-mxcp.sh\` into \`~/.cache/mxcp-operator/python-mxcp-<version>/\`) serves a copy
of the same project (\`mxcp serve --transport streamable-http --port P\` in the project directory,
stateful streamable HTTP with SSE-framed answers, its defaults) and is measured with the same load
generator at the same levels. Its rows in the results table carry their ratio vs the baseline; here
the worker's matching variant (same query, same transport) is divided by it.

${table ?? ''}${table ? '\n\n' : ''}${pythonMxcpLine(levels, status)}
`;
}

export function coldStartTable(results: ColdStartResult[]): string {
  return [
    '| endpoints | median to /ready (ms) | runs (ms) | RSS at ready (MiB) |',
    '|---:|---:|:---|---:|',
    ...results.map(
      (r) =>
        `| ${r.endpoints} | ${fixed(r.medianMs, 0)} | ${r.samplesMs.map((ms) => ms.toFixed(0)).join(', ')} | ${mib(r.readyRssKiB)} |`,
    ),
  ].join('\n');
}

export function coldStartSection(results: ColdStartResult[] | undefined): string {
  if (!results || results.length === 0) {
    return `## Cold start

Not measured in this run (\`BENCH_COLD_ENDPOINTS=0\`, or a baseline-only run).
`;
  }
  return `## Cold start

Time from spawning \`mxcp serve --transport streamable-http\` (through \`node --import tsx\`, so it
includes loading the TypeScript sources) to its first \`GET /ready\` answering 200 (polled every
20 ms), on projects of generated SQL tools (one YAML file each, each with a parameter and an object
return), ${results[0].samplesMs.length} run(s) each on a fresh copy, nothing else under load; the median is shown.

${coldStartTable(results)}
`;
}

export function memoryTable(rows: MemoryRow[]): string {
  return [
    '| server | idle RSS (MiB) | peak RSS under load (MiB) | at clients |',
    '|:---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${mib(r.idleKiB)} | ${mib(r.peakKiB)} | ${r.clients ?? '—'} |`),
  ].join('\n');
}

export function memorySection(rows: MemoryRow[] | undefined): string {
  if (!rows || rows.length === 0) {
    return `## Memory

Not measured in this run (it needs Linux's \`/proc\`).
`;
  }
  return `## Memory

Resident set size of each server process from \`/proc/<pid>/status\`: **idle** is VmRSS after the
server started and answered its checks, before any load; **peak** is VmHWM over that variant's run
(warm-up and measured window) at 32 clients (or the highest level measured below it), with the
high-water mark reset before the run (\`/proc/<pid>/clear_refs\`); where the kernel refuses the
reset, the highest VmRSS sampled every 100 ms. Variants that share a server process (the default
worker answers both queries; Python MXCP too) show the same idle figure. Only the server process
itself is counted: the Python tool variants' Python host processes are not in these figures.

${memoryTable(rows)}
`;
}
