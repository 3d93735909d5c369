import { describe, expect, it } from 'vitest';
import type { LoadResult } from './load.js';
import { benchmarksMarkdown, resultsTable, targetVerdict, type LevelResult } from './report.js';
import { parseWorkerVariants, WORKER_VARIANTS } from './worker-variants.js';

const [sse, json] = WORKER_VARIANTS;

function load(callsPerSecond: number, errors = 0): LoadResult {
  return {
    clients: 1,
    calls: callsPerSecond * 5,
    errors,
    seconds: 5,
    callsPerSecond,
    p50Ms: 1.234,
    p99Ms: 9.876,
    clientCpuPercent: 40,
  };
}

function level(
  clients: number,
  sseCalls: number | undefined,
  jsonCalls: number | undefined,
  baseline: number,
): LevelResult {
  const workers = [];
  if (sseCalls !== undefined) workers.push({ variant: sse, result: load(sseCalls) });
  if (jsonCalls !== undefined) workers.push({ variant: json, result: load(jsonCalls) });
  return { clients, workers, baseline: load(baseline) };
}

describe('parseWorkerVariants', () => {
  it('measures both variants, SSE first, when unset or empty', () => {
    expect(parseWorkerVariants(undefined).map((v) => v.key)).toEqual(['sse', 'json']);
    expect(parseWorkerVariants(' ').map((v) => v.key)).toEqual(['sse', 'json']);
  });

  it('keeps the run order and drops duplicates whatever order the list uses', () => {
    expect(parseWorkerVariants('json, SSE,json').map((v) => v.key)).toEqual(['sse', 'json']);
    expect(parseWorkerVariants('json').map((v) => v.key)).toEqual(['json']);
  });

  it('rejects unknown variants and lists of only commas', () => {
    expect(() => parseWorkerVariants('sse,xml')).toThrow(/BENCH_WORKER_VARIANTS/);
    expect(() => parseWorkerVariants(',')).toThrow(/BENCH_WORKER_VARIANTS/);
  });

  it('starts only the JSON variant with --json-response', () => {
    expect(sse.serveFlags).toEqual([]);
    expect(json.serveFlags).toEqual(['--json-response']);
  });
});

describe('resultsTable', () => {
  it('has a row per worker variant with its ratio, then the baseline row', () => {
    const lines = resultsTable([level(32, 300, 450, 600)]).split('\n');
    expect(lines.slice(2)).toEqual([
      '| 32 | worker (SSE, default) | 300 | 1.23 | 9.88 | 0.50 | 0 |',
      '| 32 | worker (--json-response) | 450 | 1.23 | 9.88 | 0.75 | 0 |',
      '| 32 | baseline (Express + DuckDB) | 600 | 1.23 | 9.88 | — | 0 |',
    ]);
  });
});

describe('targetVerdict', () => {
  it('judges the target on the SSE variant and reports the JSON ratio beside it', () => {
    expect(targetVerdict([level(1, 10, 10, 10), level(32, 300, 450, 600)])).toBe(
      'missed (SSE ratio 0.50 at 32 clients); --json-response ratio 0.75',
    );
    expect(targetVerdict([level(32, 450, 300, 600)])).toBe(
      'met (SSE ratio 0.75 at 32 clients); --json-response ratio 0.50',
    );
  });

  it('is not measured without the SSE variant at 32 clients, even when the JSON one ran', () => {
    expect(targetVerdict([level(32, undefined, 500, 600)])).toBe(
      'not measured (needs the default SSE worker at 32 clients); --json-response ratio 0.83',
    );
    expect(targetVerdict([level(8, 500, 500, 600)])).toMatch(/^not measured/);
  });
});

describe('benchmarksMarkdown', () => {
  const settings = { seconds: 5, warmupSeconds: 1, poolSize: 10, baselineOnly: false };

  it('has a CPU column per measured variant and the "where the time goes" paragraph', () => {
    const markdown = benchmarksMarkdown(
      [level(32, 300, 450, 600)],
      { ...settings, variants: [sse, json] },
      new Date(0),
    );
    expect(markdown).toContain(
      '| clients | during worker (SSE, default) run (%) | during worker (--json-response) run (%) | during baseline run (%) |',
    );
    expect(markdown).toContain("### Where the worker's time goes");
    expect(markdown).not.toContain('one worker variant only');
  });

  it('says when only one variant was measured', () => {
    const markdown = benchmarksMarkdown(
      [level(32, undefined, 450, 600)],
      { ...settings, variants: [json] },
      new Date(0),
    );
    expect(markdown).toContain('one worker variant only (`BENCH_WORKER_VARIANTS`): worker (--json-response)');
    expect(markdown).toContain(
      '| clients | during worker (--json-response) run (%) | during baseline run (%) |',
    );
  });
});
