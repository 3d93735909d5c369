// The worker configurations the benchmark measures side by side: the default
// streamable HTTP (SSE-framed answers), the same with the production layers on
// (audit log + an input and an output policy), and `--json-response` (one JSON
// body per POST). All are valid MCP; BENCH_WORKER_VARIANTS picks which ones run.

export type WorkerVariantKey = 'sse' | 'audit' | 'json';

export interface WorkerVariant {
  key: WorkerVariantKey;
  /** How the variant is named in the console and in docs/benchmarks.md. */
  label: string;
  /** Extra `mxcp serve` flags. */
  serveFlags: string[];
  /** The content type of this variant's answers to POSTs, checked before measuring. */
  contentType: 'text/event-stream' | 'application/json';
  /** Serves the bench project with the audit log on and policies on its tool (bench-project.ts). */
  audited: boolean;
}

/** In run order: at each client level the variants run in this order, then the baseline. */
// The audited variant runs right after the default one, so the two it is compared with
// are measured back to back.
export const WORKER_VARIANTS: readonly WorkerVariant[] = [
  {
    key: 'sse',
    label: 'worker (SSE, default)',
    serveFlags: [],
    contentType: 'text/event-stream',
    audited: false,
  },
  {
    key: 'audit',
    label: 'worker (SSE, audit+policies)',
    serveFlags: [],
    contentType: 'text/event-stream',
    audited: true,
  },
  {
    key: 'json',
    label: 'worker (--json-response)',
    serveFlags: ['--json-response'],
    contentType: 'application/json',
    audited: false,
  },
];

/** The variant the target is judged on: MXCP's (and the worker's) default transport framing. */
export const DEFAULT_VARIANT: WorkerVariantKey = 'sse';

/**
 * Parses BENCH_WORKER_VARIANTS (comma list of `sse`, `audit`, `json`; unset or empty: all).
 * The result keeps the canonical run order whatever order the list uses.
 */
export function parseWorkerVariants(raw: string | undefined): WorkerVariant[] {
  if (raw === undefined || raw.trim() === '') return [...WORKER_VARIANTS];
  const wanted = raw
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
  const unknown = wanted.filter((key) => !WORKER_VARIANTS.some((variant) => variant.key === key));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new Error(`BENCH_WORKER_VARIANTS must list sse, audit and/or json (comma-separated), got "${raw}"`);
  }
  return WORKER_VARIANTS.filter((variant) => wanted.includes(variant.key));
}
