// Locates (building it once per machine when missing) the gopher-lua runner of main.go, and runs
// an ArgoCD health script over objects with it. The binary is cached under
// ~/.cache/mxcp-operator/gopher-lua-<version>-<source hash>/, so an edit of main.go builds anew.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isExecutable, toolCacheDir } from '../../tool-cache.js';

const run = promisify(execFile);
const HERE = import.meta.dirname;
export const GOPHER_LUA_VERSION = 'v1.1.2';

export interface HealthStatus {
  status: string;
  message: string;
}

interface RunnerResult {
  status?: string;
  message?: string;
  error?: string;
}

function runnerPath(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(HERE, file)));
  const dir = toolCacheDir(`gopher-lua-${GOPHER_LUA_VERSION}-${hash.digest('hex').slice(0, 12)}`);
  return join(dir, 'argocd-health');
}

let built: Promise<string> | undefined;

/** The runner binary, built with the ordinary go client (seconds) when it is not cached yet. */
export function ensureHealthRunner(): Promise<string> {
  built ??= (async () => {
    const path = runnerPath();
    if (isExecutable(path)) return path;
    mkdirSync(join(path, '..'), { recursive: true });
    // Built beside the target and renamed: a parallel run never executes a half-written file.
    const partial = `${path}.${process.pid}.partial`;
    await run('go', ['build', '-mod=readonly', '-trimpath', '-p', '1', '-o', partial, '.'], {
      cwd: HERE,
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    renameSync(partial, path);
    return path;
  })();
  return built;
}

/** Runs `script` (a file) for each object as ArgoCD would; a script error rejects. */
export async function runHealthScript(script: string, objects: unknown[]): Promise<HealthStatus[]> {
  const runner = await ensureHealthRunner();
  const child = spawn(runner, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`argocd-health exited ${code}: ${err}`)),
    );
  });
  child.stdin.end(JSON.stringify(objects));
  const results = JSON.parse(await output) as RunnerResult[];
  return results.map((r, i) => {
    if (r.error !== undefined) throw new Error(`health script failed on object ${i}: ${r.error}`);
    return { status: r.status ?? '', message: r.message ?? '' };
  });
}
