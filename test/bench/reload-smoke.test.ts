// The hot-reload benchmark must keep working: a tiny run (2 rotations, 2 replicas, 2 projects sharing
// the Secret, no docs written) on the shared test cluster, in this file's namespace, with its own test
// kubelet. A smoke test of the harness, not a timed test: no figure is asserted.
import { describe, expect, it } from 'vitest';
import { useTestNamespace } from '../cluster/namespace.js';
import { runBenchScript } from './run-bench-script.js';

const ns = useTestNamespace();

describe('npm run bench:reload (smoke)', () => {
  it('rotates a Secret through the operator to the workers and prints the percentiles', async () => {
    const { code, output } = await runBenchScript('reload.bench.ts', {
      BENCH_ROTATIONS: '2',
      BENCH_REPLICAS: '2',
      BENCH_SHARED_PROJECTS: '2',
      BENCH_WRITE_DOCS: '0',
      BENCH_KUBECONFIG: ns.cluster.kubeconfigPath,
      BENCH_NAMESPACE: ns.name,
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/\| 1 project × 1 replica \| 2 \| \d+ ms \| \*\*\d+ ms\*\* \| \d+ ms \|/);
    expect(output).toMatch(/\| 1 project × 2 replicas \| 2 \|/);
    expect(output).toMatch(/\| 2 projects × 1 replica \| 1 \|/);
    expect(output).not.toContain('Wrote');
  }, 420_000);
});
