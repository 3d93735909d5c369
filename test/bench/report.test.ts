import { describe, expect, it } from 'vitest';
import type { LoadResult } from './load.js';
import {
  auditCostTable,
  auditVerdict,
  benchmarksMarkdown,
  resultsTable,
  targetVerdict,
  type LevelResult,
} from './report.js';
import { parseWorkerVariants, WORKER_VARIANTS } from './worker-variants.js';

const [sse, audit, json] = WORKER_VARIANTS;

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
  it('measures every variant, SSE first and the audited one right after it, when unset or empty', () => {
    expect(parseWorkerVariants(undefined).map((v) => v.key)).toEqual(['sse', 'audit', 'json']);
    expect(parseWorkerVariants(' ').map((v) => v.key)).toEqual(['sse', 'audit', 'json']);
  });

  it('keeps the run order and drops duplicates whatever order the list uses', () => {
    expect(parseWorkerVariants('json, SSE,json').map((v) => v.key)).toEqual(['sse', 'json']);
    expect(parseWorkerVariants('audit,sse').map((v) => v.key)).toEqual(['sse', 'audit']);
    expect(parseWorkerVariants('json').map((v) => v.key)).toEqual(['json']);
  });

  it('rejects unknown variants and lists of only commas', () => {
    expect(() => parseWorkerVariants('sse,xml')).toThrow(/BENCH_WORKER_VARIANTS/);
    expect(() => parseWorkerVariants(',')).toThrow(/BENCH_WORKER_VARIANTS/);
  });

  it('starts only the JSON variant with --json-response, and only the audit variant on the audited project', () => {
    expect(sse.serveFlags).toEqual([]);
    expect(audit.serveFlags).toEqual([]);
    expect(json.serveFlags).toEqual(['--json-response']);
    expect(WORKER_VARIANTS.filter((v) => v.audited)).toEqual([audit]);
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

describe('the cost of audit + policies', () => {
  const withAudit = (clients: number, off: number, on: number): LevelResult => ({
    clients,
    workers: [
      { variant: sse, result: { ...load(off), serverCpuMsPerCall: clients === 32 ? 2.5 : undefined } },
      { variant: audit, result: { ...load(on), serverCpuMsPerCall: clients === 32 ? 2.75 : undefined } },
    ],
    baseline: load(1000),
  });

  it('compares the audited worker with the default one at each level where both ran', () => {
    const table = auditCostTable([withAudit(1, 200, 190), level(8, 500, 500, 900), withAudit(32, 600, 540)]);
    expect(table?.split('\n').slice(2)).toEqual([
      '| 1 | 200 | 190 | 0.95 | 1.23 | 1.23 | — | — |',
      '| 32 | 600 | 540 | 0.90 | 1.23 | 1.23 | 2.50 | 2.75 |',
    ]);
    expect(auditCostTable([level(32, 500, 500, 900)])).toBeUndefined();
  });

  it('judges at most 15% lower at 32 clients', () => {
    expect(auditVerdict([withAudit(32, 600, 540)])).toBe(
      'met (on ÷ off 0.90 at 32 clients, 10% lower; server CPU per call +10%)',
    );
    expect(auditVerdict([withAudit(32, 600, 480)])).toBe(
      'missed (on ÷ off 0.80 at 32 clients, 20% lower; server CPU per call +10%)',
    );
    expect(auditVerdict([{ ...withAudit(1, 500, 510), clients: 32 }])).toBe(
      'met (on ÷ off 1.02 at 32 clients, 2% higher)',
    );
    expect(auditVerdict([withAudit(8, 600, 540)])).toMatch(/^not measured/);
  });
});

describe('benchmarksMarkdown', () => {
  const settings = { seconds: 5, warmupSeconds: 1, poolSize: 10, baselineOnly: false };

  it('has a CPU column per measured variant and the "where the time goes" paragraph', () => {
    const markdown = benchmarksMarkdown(
      [level(32, 300, 450, 600)],
      { ...settings, variants: [sse, json], loadAverage: { start: [1, 2, 3], end: [1.5, 2, 3] } },
      new Date(0),
    );
    expect(markdown).toContain(
      '| clients | during worker (SSE, default) run (%) | during worker (--json-response) run (%) | during baseline run (%) |',
    );
    expect(markdown).toContain("### Where the worker's time goes");
    expect(markdown).toContain(
      'Load average (1, 5, 15 min): 1.00, 2.00, 3.00 at the start of the run, 1.50, 2.00, 3.00 at the end',
    );
    expect(markdown).toContain('only some worker variants (`BENCH_WORKER_VARIANTS`)');
    expect(markdown).toContain('## Cost of audit and policies\n\nNot measured in this run');
  });

  it('has the audit cost table and its verdict when both SSE variants ran', () => {
    const markdown = benchmarksMarkdown(
      [
        {
          clients: 32,
          workers: [
            { variant: sse, result: load(600) },
            { variant: audit, result: load(570) },
          ],
          baseline: load(900),
        },
      ],
      { ...settings, variants: [sse, audit] },
      new Date(0),
    );
    expect(markdown).toContain('| 32 | 600 | 570 | 0.95 |');
    expect(markdown).toContain('**met (on ÷ off 0.95 at 32 clients, 5% lower)**');
    expect(markdown).toContain('action: filter_fields');
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
