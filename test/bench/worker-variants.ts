// The server configurations the benchmark measures side by side. The worker: the default
// streamable HTTP (stateful, SSE-framed answers) on the SQL tool and on the heavy query,
// stateless streamable HTTP (`--stateless`), the production layers on (audit log + an
// input and an output policy), two Python tools (the SQL tool's query through
// `db.execute`, and the answer computed in Python alone), and `--json-response` (one JSON
// body per POST). And Python MXCP (the reference implementation, from PyPI) serving the
// same project, on both queries, when it can be installed. All are valid MCP;
// BENCH_WORKER_VARIANTS picks which ones run. Variants with the same `server` share one
// server process (the same process answers both queries).
import {
  BENCH_TOOL,
  HEAVY_TOOL,
  PYTHON_DB_TOOL,
  PYTHON_PURE_TOOL,
  type BenchFlavour,
} from './bench-project.js';
import type { BenchQuery } from './clients.js';

export type WorkerVariantKey =
  | 'sse'
  | 'audit'
  | 'python'
  | 'pypure'
  | 'stateless'
  | 'json'
  | 'pymxcp'
  | 'heavy'
  | 'pymxcp-heavy';

/** Which program serves a variant. */
export type Implementation = 'worker' | 'python-mxcp';

export interface WorkerVariant {
  key: WorkerVariantKey;
  /** How the variant is named in the console and in docs/benchmarks.md. */
  label: string;
  implementation: Implementation;
  /** Variants with the same server key are measured on one server process. */
  server: string;
  /** Extra `mxcp serve` flags. */
  serveFlags: string[];
  /** Stateless streamable HTTP: the server mints no session id. */
  stateless: boolean;
  /** The content type of this variant's answers to POSTs, checked before measuring. */
  contentType: 'text/event-stream' | 'application/json';
  /**
   * Which flavour of the bench project the server serves (bench-project.ts): `audited` has the
   * audit log on and policies on its tool.
   */
  flavour: BenchFlavour;
  /** The query the clients run: the baseline runs the same one for the ratio. */
  query: BenchQuery;
  /** The tool the clients call. */
  tool: string;
}

/** What a variant is unless it says otherwise: the worker, stateful SSE, the trivial SQL tool. */
const worker: Omit<WorkerVariant, 'key' | 'label' | 'server'> = {
  implementation: 'worker',
  serveFlags: [],
  stateless: false,
  contentType: 'text/event-stream',
  flavour: 'plain',
  query: 'square',
  tool: BENCH_TOOL,
};

/** In run order: at each client level the variants run in this order, then the baseline. */
// The audited and the Python variants run right after the default one, so each is measured
// close in time to the run it is compared with; Python MXCP runs right after the worker's
// variant of the same query.
export const WORKER_VARIANTS: readonly WorkerVariant[] = [
  { ...worker, key: 'sse', label: 'worker (SSE, default)', server: 'sse' },
  { ...worker, key: 'audit', label: 'worker (SSE, audit+policies)', server: 'audit', flavour: 'audited' },
  {
    ...worker,
    key: 'python',
    label: 'worker (SSE, Python tool, db.execute)',
    server: 'python',
    flavour: 'python',
    tool: PYTHON_DB_TOOL,
  },
  {
    ...worker,
    key: 'pypure',
    label: 'worker (SSE, pure-Python tool)',
    server: 'python',
    flavour: 'python',
    tool: PYTHON_PURE_TOOL,
  },
  {
    ...worker,
    key: 'stateless',
    label: 'worker (SSE, stateless)',
    server: 'stateless',
    serveFlags: ['--stateless'],
    stateless: true,
  },
  {
    ...worker,
    key: 'json',
    label: 'worker (--json-response)',
    server: 'json',
    serveFlags: ['--json-response'],
    contentType: 'application/json',
  },
  {
    ...worker,
    key: 'pymxcp',
    label: 'Python MXCP (SSE)',
    implementation: 'python-mxcp',
    server: 'pymxcp',
  },
  {
    ...worker,
    key: 'heavy',
    label: 'worker (SSE, heavy query)',
    server: 'sse',
    query: 'heavy',
    tool: HEAVY_TOOL,
  },
  {
    ...worker,
    key: 'pymxcp-heavy',
    label: 'Python MXCP (SSE, heavy query)',
    implementation: 'python-mxcp',
    server: 'pymxcp',
    query: 'heavy',
    tool: HEAVY_TOOL,
  },
];

/** The variant the target is judged on: MXCP's (and the worker's) default transport framing. */
export const DEFAULT_VARIANT: WorkerVariantKey = 'sse';

/** The Python tool variants, compared with the default (SQL tool) one. */
export const PYTHON_VARIANTS: readonly WorkerVariantKey[] = ['python', 'pypure'];

/** Each Python MXCP variant and the worker variant it is compared with (same query, same transport). */
export const PYTHON_MXCP_PAIRS: ReadonlyArray<{ mxcp: WorkerVariantKey; worker: WorkerVariantKey }> = [
  { mxcp: 'pymxcp', worker: 'sse' },
  { mxcp: 'pymxcp-heavy', worker: 'heavy' },
];

const KEYS = WORKER_VARIANTS.map((variant) => variant.key).join(', ');

/**
 * Parses BENCH_WORKER_VARIANTS (comma list of the keys above; unset or empty: all). The result
 * keeps the canonical run order whatever order the list uses.
 */
export function parseWorkerVariants(raw: string | undefined): WorkerVariant[] {
  if (raw === undefined || raw.trim() === '') return [...WORKER_VARIANTS];
  const wanted = raw
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
  const unknown = wanted.filter((key) => !WORKER_VARIANTS.some((variant) => variant.key === key));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new Error(`BENCH_WORKER_VARIANTS must list some of ${KEYS} (comma-separated), got "${raw}"`);
  }
  return WORKER_VARIANTS.filter((variant) => wanted.includes(variant.key));
}
