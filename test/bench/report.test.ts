import { describe, expect, it } from 'vitest';
import type { LoadResult } from './load.js';
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
} from './report.js';
import { PYTHON_DB_TOOL, PYTHON_PURE_TOOL } from './bench-project.js';
import { answerIsRight } from './clients.js';
import { median } from './cold-start.js';
import { medianPairedRatio, pairedOrder, pairedSection, type PairedRound } from './paired.js';
import { pythonMxcpLine, pythonMxcpTable } from './report-sections.js';
import { parseWorkerVariants, WORKER_VARIANTS, type WorkerVariantKey } from './worker-variants.js';

const variant = (key: WorkerVariantKey) => WORKER_VARIANTS.find((v) => v.key === key)!;
const [sse, audit, python, pypure, json] = (['sse', 'audit', 'python', 'pypure', 'json'] as const).map(
  variant,
);

function load(callsPerSecond: number, errors = 0): LoadResult {
  return {
    clients: 1,
    calls: callsPerSecond * 5,
    errors,
    seconds: 5,
    callsPerSecond,
    p50Ms: 1.234,
    p95Ms: 5.5,
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
  it('measures every variant, SSE first and the audited and Python ones right after it, when unset or empty', () => {
    const all = ['sse', 'audit', 'python', 'pypure', 'stateless', 'json', 'pymxcp', 'heavy', 'pymxcp-heavy'];
    expect(parseWorkerVariants(undefined).map((v) => v.key)).toEqual(all);
    expect(parseWorkerVariants(' ').map((v) => v.key)).toEqual(all);
  });

  it('keeps the run order and drops duplicates whatever order the list uses', () => {
    expect(parseWorkerVariants('json, SSE,json').map((v) => v.key)).toEqual(['sse', 'json']);
    expect(parseWorkerVariants('audit,sse').map((v) => v.key)).toEqual(['sse', 'audit']);
    expect(parseWorkerVariants('json').map((v) => v.key)).toEqual(['json']);
    expect(parseWorkerVariants('pypure,sse,python').map((v) => v.key)).toEqual(['sse', 'python', 'pypure']);
  });

  it('rejects unknown variants and lists of only commas', () => {
    expect(() => parseWorkerVariants('sse,xml')).toThrow(/BENCH_WORKER_VARIANTS/);
    expect(() => parseWorkerVariants(',')).toThrow(/BENCH_WORKER_VARIANTS/);
  });

  it('starts only the stateless variant with --stateless, and has it expect no session id', () => {
    expect(WORKER_VARIANTS.filter((v) => v.serveFlags.includes('--stateless')).map((v) => v.key)).toEqual([
      'stateless',
    ]);
    expect(WORKER_VARIANTS.filter((v) => v.stateless).map((v) => v.key)).toEqual(['stateless']);
  });

  it('runs the heavy query on the default worker process and on Python MXCP, each beside its trivial query', () => {
    const heavy = WORKER_VARIANTS.filter((v) => v.query === 'heavy');
    expect(heavy.map((v) => [v.key, v.server, v.tool])).toEqual([
      ['heavy', 'sse', 'events_page'],
      ['pymxcp-heavy', 'pymxcp', 'events_page'],
    ]);
    expect(WORKER_VARIANTS.filter((v) => v.implementation === 'python-mxcp').map((v) => v.key)).toEqual([
      'pymxcp',
      'pymxcp-heavy',
    ]);
  });

  it('starts only the JSON variant with --json-response, and only the audit variant on the audited project', () => {
    expect(sse.serveFlags).toEqual([]);
    expect(audit.serveFlags).toEqual([]);
    expect(json.serveFlags).toEqual(['--json-response']);
    expect(WORKER_VARIANTS.filter((v) => v.flavour === 'audited')).toEqual([audit]);
  });

  it('has the Python variants call the Python tools of the Python project on the default transport', () => {
    expect([python.tool, pypure.tool]).toEqual([PYTHON_DB_TOOL, PYTHON_PURE_TOOL]);
    expect(WORKER_VARIANTS.filter((v) => v.flavour === 'python')).toEqual([python, pypure]);
    expect([python.serveFlags, pypure.serveFlags]).toEqual([[], []]);
    expect(python.contentType).toBe('text/event-stream');
  });
});

describe('resultsTable', () => {
  it('has a row per worker variant with its ratio, then the baseline row', () => {
    const lines = resultsTable([level(32, 300, 450, 600)]).split('\n');
    expect(lines.slice(2)).toEqual([
      '| 32 | worker (SSE, default) | 300 | 1.23 | 5.50 | 9.88 | 0.50 | 0 |',
      '| 32 | worker (--json-response) | 450 | 1.23 | 5.50 | 9.88 | 0.75 | 0 |',
      '| 32 | baseline (Express + DuckDB) | 600 | 1.23 | 5.50 | 9.88 | — | 0 |',
    ]);
  });

  it('divides a heavy-query variant by the heavy-query baseline, and shows that baseline in its own row', () => {
    const heavy = variant('heavy');
    const lines = resultsTable([
      {
        clients: 8,
        workers: [
          { variant: sse, result: load(300) },
          { variant: heavy, result: load(40) },
        ],
        baseline: load(600),
        heavyBaseline: load(50),
      },
    ]).split('\n');
    expect(lines.slice(2)).toEqual([
      '| 8 | worker (SSE, default) | 300 | 1.23 | 5.50 | 9.88 | 0.50 | 0 |',
      '| 8 | worker (SSE, heavy query) | 40 | 1.23 | 5.50 | 9.88 | 0.80 | 0 |',
      '| 8 | baseline (Express + DuckDB) | 600 | 1.23 | 5.50 | 9.88 | — | 0 |',
      '| 8 | baseline (Express + DuckDB, heavy query) | 50 | 1.23 | 5.50 | 9.88 | — | 0 |',
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

describe('paired rounds', () => {
  const round = (worker: number, baseline: number, i = 0): PairedRound => ({
    first: pairedOrder(i),
    worker: load(worker),
    baseline: load(baseline),
  });

  it('alternate who goes first, ABBA, so a steady drift cancels out', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(pairedOrder)).toEqual([
      'worker',
      'baseline',
      'baseline',
      'worker',
      'worker',
      'baseline',
      'baseline',
      'worker',
    ]);
  });

  it('judge the target on the median ratio, not on the single level-table window', () => {
    const rounds = [round(600, 1000), round(750, 1000), round(720, 900), round(800, 1000)];
    expect(medianPairedRatio(rounds)).toBeCloseTo((0.75 + 0.8) / 2, 10);
    expect(medianPairedRatio([round(1, 2), round(3, 4), round(1, 10)])).toBe(0.5);
    expect(medianPairedRatio([])).toBeUndefined();
    expect(targetVerdict([level(32, 570, 650, 1000)], rounds)).toBe(
      'met (median SSE ratio 0.78 over 4 paired rounds at 32 clients; 0.57 in the level table); --json-response ratio 0.65',
    );
    expect(targetVerdict([level(32, 800, undefined, 1000)], [round(600, 1000), round(650, 1000)])).toBe(
      'missed (median SSE ratio 0.63 over 2 paired rounds at 32 clients; 0.80 in the level table)',
    );
  });

  it('get a section with one row per round', () => {
    const section = pairedSection([round(600, 1000, 0), round(700, 1000, 1)], 32);
    expect(section).toContain('## Paired rounds at 32 clients');
    expect(section).toContain('median ratio (**0.65**)');
    expect(section).toContain('| 1 | worker | 600 | 1000 | 0.60 |');
    expect(section).toContain('| 2 | baseline | 700 | 1000 | 0.70 |');
    expect(pairedSection([], 32)).toBe('');
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

  it('notes a busy machine when the load average was above the core count', () => {
    const at = (load: number) =>
      benchmarksMarkdown(
        [level(32, 300, 450, 600)],
        { ...settings, variants: [sse, json], loadAverage: { start: [load, 1, 1], end: [0, 1, 1] } },
        new Date(0),
      );
    expect(at(10_000)).toContain('> The machine was busy with other work during this run');
    expect(at(0)).not.toContain('The machine was busy');
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

describe('the Python tools against the SQL tool', () => {
  const withPython = (
    clients: number,
    sqlCalls: number,
    dbCalls?: number,
    pureCalls?: number,
  ): LevelResult => {
    const workers = [{ variant: sse, result: { ...load(sqlCalls), serverCpuMsPerCall: 2 } }];
    if (dbCalls !== undefined)
      workers.push({ variant: python, result: { ...load(dbCalls), serverCpuMsPerCall: 5 } });
    if (pureCalls !== undefined)
      workers.push({ variant: pypure, result: { ...load(pureCalls), serverCpuMsPerCall: 4 } });
    return { clients, workers, baseline: load(1000) };
  };

  it('has a row for the SQL tool and one per Python tool, with the ratio to the SQL tool', () => {
    const table = pythonCostTable([
      withPython(1, 200, 100, 150),
      level(8, 500, 500, 900),
      withPython(32, 400, 100),
    ]);
    expect(table?.split('\n').slice(2)).toEqual([
      '| 1 | SQL (`square`) | 200 | — | 1.23 | 9.88 | 2.00 | 0 |',
      '| 1 | Python, db.execute (`square_py`) | 100 | 0.50 | 1.23 | 9.88 | 5.00 | 0 |',
      '| 1 | pure Python (`square_py_pure`) | 150 | 0.75 | 1.23 | 9.88 | 4.00 | 0 |',
      '| 32 | SQL (`square`) | 400 | — | 1.23 | 9.88 | 2.00 | 0 |',
      '| 32 | Python, db.execute (`square_py`) | 100 | 0.25 | 1.23 | 9.88 | 5.00 | 0 |',
    ]);
  });

  it('is not measured without the SQL tool or without a Python tool', () => {
    const onlyPython: LevelResult = {
      clients: 32,
      workers: [{ variant: python, result: load(100) }],
      baseline: load(1),
    };
    expect(pythonCostTable([onlyPython, withPython(8, 300)])).toBeUndefined();
    expect(pythonSummary([onlyPython])).toMatch(/^Python tools: not measured/);
  });

  it('sums up the highest client level where they were compared', () => {
    expect(pythonSummary([withPython(32, 400, 100, 300), withPython(1, 200, 200, 200)])).toBe(
      "Python tools at 32 clients: Python, db.execute (`square_py`) 0.25 × the SQL tool's throughput, " +
        '2.50 × its server CPU per call (p50 1.23 ms against 1.23 ms); pure Python (`square_py_pure`) ' +
        "0.75 × the SQL tool's throughput, 2.00 × its server CPU per call (p50 1.23 ms against 1.23 ms).",
    );
  });

  it('puts the table, the module and the summary into docs/benchmarks.md', () => {
    const markdown = benchmarksMarkdown(
      [withPython(32, 400, 200, 300)],
      { seconds: 5, warmupSeconds: 1, poolSize: 10, baselineOnly: false, variants: [sse, python, pypure] },
      new Date(0),
    );
    expect(markdown).toContain('## Python tools against the SQL tool');
    expect(markdown).toContain('| 32 | Python, db.execute (`square_py`) | 200 | 0.50 |');
    expect(markdown).toContain('return db.execute(SQL, {"n": n})[0]');
    expect(markdown).toContain('Python tools at 32 clients:');
  });
});

describe('keepOtherSections', () => {
  const operator = '<!-- operator-bench:start -->\n## Operator\n\n| a | b |\n<!-- operator-bench:end -->';

  it('appends the sections other benchmarks wrote to the page, and nothing else of the old page', () => {
    const previous = `# Benchmarks\n\nold worker numbers\n\n${operator}\n`;
    expect(keepOtherSections('# Benchmarks\n\nnew numbers\n', previous)).toBe(
      `# Benchmarks\n\nnew numbers\n\n${operator}\n`,
    );
  });

  it('leaves the page alone when the old one had no marked section, or when the new one has it', () => {
    expect(keepOtherSections('# New\n', '# Old\n')).toBe('# New\n');
    const own = '# New\n\n<!-- operator-bench:start -->\nnew\n<!-- operator-bench:end -->\n';
    expect(keepOtherSections(own, `# Old\n${operator}`)).toBe(own);
  });
});

describe('Python MXCP against the worker', () => {
  const [pymxcp, heavy, pymxcpHeavy] = (['pymxcp', 'heavy', 'pymxcp-heavy'] as const).map(variant);
  const levels: LevelResult[] = [
    {
      clients: 8,
      workers: [
        { variant: sse, result: load(400) },
        { variant: pymxcp, result: load(100) },
        { variant: heavy, result: load(40) },
        { variant: pymxcpHeavy, result: load(20) },
      ],
      baseline: load(600),
      heavyBaseline: load(50),
    },
    {
      clients: 32,
      workers: [
        { variant: sse, result: load(500) },
        { variant: pymxcp, result: load(125) },
      ],
      baseline: load(700),
    },
  ];

  it('divides the worker by Python MXCP per level and query', () => {
    expect(pythonMxcpTable(levels)?.split('\n').slice(2)).toEqual([
      '| 8 | square | 400 | 100 | 4.00 | 1.23 | 1.23 | — | — | 0 |',
      '| 8 | heavy | 40 | 20 | 2.00 | 1.23 | 1.23 | — | — | 0 |',
      '| 32 | square | 500 | 125 | 4.00 | 1.23 | 1.23 | — | — | 0 |',
    ]);
  });

  it('sums up each query at its highest level, or prints why it was skipped', () => {
    expect(pythonMxcpLine(levels, { measured: true, version: '0.12.3' })).toBe(
      "Python MXCP 0.12.3: worker (SSE, default) 4.00 × Python MXCP (SSE)'s throughput at 32 clients; " +
        "worker (SSE, heavy query) 2.00 × Python MXCP (SSE, heavy query)'s throughput at 8 clients.",
    );
    expect(pythonMxcpLine([], { measured: false, version: '0.12.3', reason: 'no network to PyPI' })).toBe(
      'Python MXCP 0.12.3: skipped: no network to PyPI',
    );
  });

  it('writes the skip reason, the cold start and the memory tables into docs/benchmarks.md', () => {
    const markdown = benchmarksMarkdown(
      levels,
      { seconds: 5, warmupSeconds: 1, poolSize: 10, baselineOnly: false, variants: [...WORKER_VARIANTS] },
      new Date(0),
      {
        pythonMxcp: { measured: false, version: '0.12.3', reason: 'pip failed' },
        coldStart: [{ endpoints: 100, samplesMs: [900, 1000, 1100], medianMs: 1000, readyRssKiB: 204800 }],
        memory: [{ label: 'worker (SSE, default)', idleKiB: 102400, peakKiB: 153600, clients: 32 }],
      },
    );
    expect(markdown).toContain('## Python MXCP against the worker');
    expect(markdown).toContain('Python MXCP 0.12.3: skipped: pip failed');
    expect(markdown).not.toContain('| clients | query | worker calls/s |');
    expect(markdown).toContain('## The heavy query');
    expect(markdown).toContain('GROUP BY k ORDER BY k LIMIT 100 OFFSET $page * 100');
    expect(markdown).toContain('| 100 | 1000 | 900, 1000, 1100 | 200 |');
    expect(markdown).toContain('| worker (SSE, default) | 100 | 150 | 32 |');
    expect(markdown).toContain('(a separate process holding all clients)');
  });

  it('says so when cold start and memory were not measured', () => {
    const markdown = benchmarksMarkdown(
      levels,
      { seconds: 5, warmupSeconds: 1, poolSize: 10, baselineOnly: false, variants: [sse] },
      new Date(0),
    );
    expect(markdown).toContain('## Cold start\n\nNot measured in this run');
    expect(markdown).toContain('## Memory\n\nNot measured in this run');
    expect(markdown).toContain('Python MXCP: not measured');
  });
});

describe('the answer checks and the cold start median', () => {
  it('reads the values whatever the JSON layout, and rejects wrong ones', () => {
    expect(answerIsRight('square', 12, '{"n":12,"square":144}')).toBe(true);
    expect(answerIsRight('square', 12, '{"text":"{\\"n\\": 12, \\"square\\": 144}"}')).toBe(true);
    expect(answerIsRight('square', 12, '{"n":12,"square":1440}')).toBe(false);
    expect(answerIsRight('heavy', 3, '[{"k": 300, "total": 70.0, "rows": 100}]')).toBe(true);
    expect(answerIsRight('heavy', 3, '[{"k":3000,"rows":100}]')).toBe(false);
    expect(answerIsRight('heavy', 3, '[{"k":300,"rows":99}]')).toBe(false);
  });

  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
