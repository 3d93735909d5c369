// The worker configurations the benchmark measures side by side: the default
// streamable HTTP (SSE-framed answers) on the SQL tool, the same with the production
// layers on (audit log + an input and an output policy), the same transport on two
// Python tools (the SQL tool's query through `db.execute`, and the answer computed in
// Python alone), and `--json-response` (one JSON body per POST). All are valid MCP;
// BENCH_WORKER_VARIANTS picks which ones run.
import { BENCH_TOOL, PYTHON_DB_TOOL, PYTHON_PURE_TOOL, type BenchFlavour } from './bench-project.js';

export type WorkerVariantKey = 'sse' | 'audit' | 'python' | 'pypure' | 'json';

export interface WorkerVariant {
  key: WorkerVariantKey;
  /** How the variant is named in the console and in docs/benchmarks.md. */
  label: string;
  /** Extra `mxcp serve` flags. */
  serveFlags: string[];
  /** The content type of this variant's answers to POSTs, checked before measuring. */
  contentType: 'text/event-stream' | 'application/json';
  /**
   * Which flavour of the bench project the worker serves (bench-project.ts): `audited` has the
   * audit log on and policies on its tool.
   */
  flavour: BenchFlavour;
  /** The tool the clients call; every one answers `{n, square}`. */
  tool: string;
}

/** In run order: at each client level the variants run in this order, then the baseline. */
// The audited and the Python variants run right after the default one, so each is measured
// close in time to the run it is compared with.
export const WORKER_VARIANTS: readonly WorkerVariant[] = [
  {
    key: 'sse',
    label: 'worker (SSE, default)',
    serveFlags: [],
    contentType: 'text/event-stream',
    flavour: 'plain',
    tool: BENCH_TOOL,
  },
  {
    key: 'audit',
    label: 'worker (SSE, audit+policies)',
    serveFlags: [],
    contentType: 'text/event-stream',
    flavour: 'audited',
    tool: BENCH_TOOL,
  },
  {
    key: 'python',
    label: 'worker (SSE, Python tool, db.execute)',
    serveFlags: [],
    contentType: 'text/event-stream',
    flavour: 'python',
    tool: PYTHON_DB_TOOL,
  },
  {
    key: 'pypure',
    label: 'worker (SSE, pure-Python tool)',
    serveFlags: [],
    contentType: 'text/event-stream',
    flavour: 'python',
    tool: PYTHON_PURE_TOOL,
  },
  {
    key: 'json',
    label: 'worker (--json-response)',
    serveFlags: ['--json-response'],
    contentType: 'application/json',
    flavour: 'plain',
    tool: BENCH_TOOL,
  },
];

/** The variant the target is judged on: MXCP's (and the worker's) default transport framing. */
export const DEFAULT_VARIANT: WorkerVariantKey = 'sse';

/** The Python variants, compared with the default (SQL tool) one. */
export const PYTHON_VARIANTS: readonly WorkerVariantKey[] = ['python', 'pypure'];

const KEYS = WORKER_VARIANTS.map((variant) => variant.key).join(', ');

/**
 * Parses BENCH_WORKER_VARIANTS (comma list of `sse`, `audit`, `python`, `pypure`, `json`;
 * unset or empty: all). The result keeps the canonical run order whatever order the list uses.
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
