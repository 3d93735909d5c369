// The operator benchmark must keep working: a tiny run (3 projects, no docs written) on the shared
// test cluster, in this file's namespace, prints its results table. A smoke test of the harness, not
// a timed test: no number is asserted beyond "it converged".
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestNamespace } from '../cluster/namespace.js';
import { REPO_ROOT, TSX_LOADER } from '../support/mxcp.js';

const ns = useTestNamespace();

describe('npm run bench:operator (smoke)', () => {
  it('converges a few projects end to end and prints the results table', async () => {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, join(REPO_ROOT, 'test/bench/operator.bench.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          BENCH_PROJECTS: '3',
          BENCH_WRITE_DOCS: '0',
          BENCH_KUBECONFIG: ns.cluster.kubeconfigPath,
          BENCH_NAMESPACE: ns.name,
          BENCH_TIMEOUT_SECONDS: '150',
        },
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/\| \*\*all converged\*\* .* \| \*\*\d+\.\d s\*\* \|/);
    expect(output).toMatch(/\| operator peak RSS .* \| \*\*\d+ MiB\*\* \|/);
    expect(output).not.toContain('Wrote');
  }, 240_000);
});
