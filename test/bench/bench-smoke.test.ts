// The benchmark itself must keep working: a very short run (one level, half a
// second, no docs written) starts the worker in its five variants (two of them on
// Python tools) and the baseline, checks their answers, measures, and prints the
// comparison tables. This is a
// smoke test of the harness, not a timed test: no number is asserted.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, TSX_LOADER } from '../support/mxcp.js';

describe('npm run bench (smoke)', () => {
  // Six servers start (Python pools included) before anything is measured: allow a slow machine.
  it('runs one short level end to end and prints the ratio tables', { timeout: 120_000 }, async () => {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, join(REPO_ROOT, 'test/bench/worker-http.bench.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          BENCH_CLIENTS: '2',
          BENCH_SECONDS: '0.5',
          BENCH_WARMUP_SECONDS: '0.2',
          BENCH_WRITE_DOCS: '0',
        },
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/\| 2 \| worker \(SSE, default\) \| \d+ \|/);
    expect(output).toMatch(/\| 2 \| worker \(--json-response\) \| \d+ \|/);
    expect(output).toMatch(/\| 2 \| worker \(SSE, audit\+policies\) \| \d+ \|/);
    expect(output).toMatch(/Cost of audit \+ policies[\s\S]*\| 2 \| \d+ \| \d+ \| \d+\.\d\d \|/);
    expect(output).toMatch(/\| 2 \| worker \(SSE, Python tool, db\.execute\) \| \d+ \|/);
    expect(output).toMatch(/\| 2 \| worker \(SSE, pure-Python tool\) \| \d+ \|/);
    expect(output).toMatch(
      /Python tools against the SQL tool[\s\S]*\| 2 \| Python, db\.execute \(`square_py`\) \| \d+ \| \d+\.\d\d \|/,
    );
    expect(output).toMatch(/\| 2 \| pure Python \(`square_py_pure`\) \| \d+ \| \d+\.\d\d \|/);
    expect(output).toContain('Python tools at 2 clients:');
    expect(output).toMatch(/\| 2 \| baseline \(Express \+ DuckDB\) \| \d+ \|/);
    expect(output).not.toContain('Wrote');
  });
});
