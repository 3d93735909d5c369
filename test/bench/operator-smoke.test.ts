// The operator benchmark must keep working: a tiny run (2 then 3 projects, no docs written) on the
// shared test cluster, in this file's namespace, with a 3-second resync, prints its results table.
// A smoke test of the harness, not a timed test: no time is asserted, but the figures every row
// needs must be there, and a no-op resync must write nothing (what the benchmark reports as 0).
import { describe, expect, it } from 'vitest';
import { useTestNamespace } from '../cluster/namespace.js';
import { runBenchScript } from './run-bench-script.js';

const ns = useTestNamespace();

describe('npm run bench:operator (smoke)', () => {
  it('converges and resyncs two sizes end to end and prints the results table', async () => {
    const { code, output } = await runBenchScript('operator.bench.ts', {
      BENCH_PROJECTS: '2,3',
      BENCH_WRITE_DOCS: '0',
      BENCH_CLUSTER_INFO: JSON.stringify(ns.cluster.info),
      BENCH_NAMESPACE: ns.name,
      BENCH_RESYNC_SECONDS: '3',
      BENCH_RESYNC_PERIODS: '2',
      BENCH_QUIET_SECONDS: '3',
      BENCH_TIMEOUT_SECONDS: '150',
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/\| measure \| 2 projects \| 3 projects \|/);
    expect(output).toMatch(/\| \*\*all converged\*\* .* \| \*\*\d+\.\d s\*\* \| \*\*\d+\.\d s\*\* \|/);
    const ms = String.raw`\d+(\.\d)? / \d+(\.\d)? / (≥ )?\d+(\.\d)? ms`;
    expect(output).toMatch(
      new RegExp(
        String.raw`\| \*\*reconcile latency p50 / p95 / p99\*\* .* \| \*\*${ms}\*\* \| \*\*${ms}\*\* \|`,
      ),
    );
    expect(output).toMatch(/\| \*\*operator peak RSS\*\* .* \| \*\*\d+ MiB\*\* \| \*\*\d+ MiB\*\* \|/);
    expect(output).toMatch(
      /\| operator RSS when settled .* \| \d+ MiB \(\d+ MiB\) \| \d+ MiB \(\d+ MiB\) \|/,
    );
    // Target 0, and the operator meets it (test/operator/controller-zero-writes.test.ts asserts it too).
    expect(output).toMatch(
      /\| \*\*API writes per no-op resync\*\* .* \| \*\*0\.0\*\* \(\d+ resyncs\) \| \*\*0\.0\*\* \(\d+ resyncs\) \|/,
    );
    expect(output).toMatch(/\| API writes in a restarted operator's startup pass .* \| 0 \| 0 \|/);
    expect(output).toMatch(/\| restarted operator: reconciles, .* \| \d+, .* ms \| \d+, .* ms \|/);
    expect(output).toMatch(/\| restarted operator RSS .* \| \d+ \/ \d+ MiB \| \d+ \/ \d+ MiB \|/);
    expect(output).toContain('npm run bench:reload');
    expect(output).not.toContain('Wrote');
  }, 420_000);
});
