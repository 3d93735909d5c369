// The benchmark itself must keep working: a very short run (one level, half a second, a
// 10-endpoint cold start, no docs written) starts the worker in all its variants (stateful
// and stateless, the heavy query, audit + policies, Python tools, --json-response), Python
// MXCP when it is already installed (BENCH_PYTHON_MXCP=installed: the test never installs
// it), and the baseline; checks their answers, measures from the load generator process,
// and prints every table. This is a smoke test of the harness, not a timed test: no number
// is asserted.
import { describe, expect, it } from 'vitest';
import { runBenchScript } from './run-bench-script.js';

describe('npm run bench (smoke)', () => {
  // Eight servers start (Python pools and perhaps Python MXCP included) before anything is
  // measured, then a cold start: allow a slow machine.
  it(
    'runs one short level end to end and prints every table and the Python MXCP line',
    { timeout: 240_000 },
    async () => {
      const { code, output } = await runBenchScript('worker-http.bench.ts', {
        BENCH_QUICK: '1',
        BENCH_CLIENTS: '2',
        BENCH_SECONDS: '0.5',
        BENCH_WARMUP_SECONDS: '0.2',
        BENCH_COLD_ENDPOINTS: '10',
        BENCH_COLD_REPEATS: '1',
        BENCH_PYTHON_MXCP: 'installed',
        BENCH_WRITE_DOCS: '0',
        BENCH_PAIRED_ROUNDS: '2',
      });
      expect(code, output).toBe(0);
      expect(output).toContain('Clients run in a separate load generator process.');
      const row = (label: string) =>
        new RegExp(
          `\\| 2 \\| ${label} \\| \\d+ \\| \\d+\\.\\d\\d \\| \\d+\\.\\d\\d \\| \\d+\\.\\d\\d \\| \\d+\\.\\d\\d \\| 0 \\|`,
        );
      for (const label of [
        'worker \\(SSE, default\\)',
        'worker \\(SSE, stateless\\)',
        'worker \\(SSE, heavy query\\)',
        'worker \\(--json-response\\)',
        'worker \\(SSE, audit\\+policies\\)',
        'worker \\(SSE, Python tool, db\\.execute\\)',
        'worker \\(SSE, pure-Python tool\\)',
      ]) {
        expect(output).toMatch(row(label));
      }
      expect(output).toMatch(
        /\| 2 \| baseline \(Express \+ DuckDB\) \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| — \| 0 \|/,
      );
      expect(output).toMatch(/\| 2 \| baseline \(Express \+ DuckDB, heavy query\) \| \d+ \|/);
      expect(output).toMatch(/Cost of audit \+ policies[\s\S]*\| 2 \| \d+ \| \d+ \| \d+\.\d\d \|/);
      expect(output).toMatch(
        /Python tools against the SQL tool[\s\S]*\| 2 \| Python, db\.execute \(`square_py`\) \| \d+ \| \d+\.\d\d \|/,
      );
      expect(output).toContain('Python tools at 2 clients:');
      // Python MXCP: measured (its rows and the ratio line) or skipped with a reason, never a failure.
      const measured =
        /Python MXCP 0\.12\.3: worker \(SSE, default\) \d+\.\d\d × Python MXCP \(SSE\)'s throughput at 2 clients/;
      const skipped = /Python MXCP 0\.12\.3: skipped: \S.*/;
      expect(output).toMatch(new RegExp(`${measured.source}|${skipped.source}`));
      if (measured.test(output)) {
        expect(output).toMatch(/\| 2 \| Python MXCP \(SSE, heavy query\) \| \d+ \|/);
        expect(output).toMatch(/\| 2 \| heavy \| \d+ \| \d+ \| \d+\.\d\d \|/);
      }
      expect(output).toMatch(/Cold start to \/ready[\s\S]*\| 10 \| \d+ \| \d+ \| \d+ \|/);
      expect(output).toMatch(
        /Memory \(RSS; peak during the 2-client run\)[\s\S]*\| worker \(SSE, default\) \| \d+ \| \d+ \| 2 \|/,
      );
      expect(output).toMatch(/\| baseline \(Express \+ DuckDB, heavy query\) \| \d+ \| \d+ \| 2 \|/);
      // The target's paired rounds (paired.ts) at 32 clients, worker first, then baseline first.
      expect(output).toMatch(
        /round 1 \(worker first\): worker \d+ calls\/s, baseline \d+ calls\/s, ratio \d+\.\d\d/,
      );
      expect(output).toMatch(
        /round 2 \(baseline first\): worker \d+ calls\/s, baseline \d+ calls\/s, ratio \d+\.\d\d/,
      );
      expect(output).toMatch(/median SSE ratio \d+\.\d\d over 2 paired rounds at 32 clients/);
      expect(output).not.toContain('Wrote');
    },
  );
});
