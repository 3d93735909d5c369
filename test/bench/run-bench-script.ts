// The smoke tests run a benchmark script as `npm run bench…` would: a child process from the
// repository root with extra environment, its stdout and stderr collected together in order.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, TSX_LOADER } from '../support/mxcp.js';

export async function runBenchScript(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(REPO_ROOT, 'test/bench', script)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, output };
}
