// Running the real `mxcp` CLI in tests: as a child process (Node 24 via
// process.execPath, TypeScript through tsx), on a temporary copy of a project
// so parallel tests never share a DuckDB file.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO_ROOT, 'worker/src/cli/main.ts');
/** tsx's loader by absolute path: `--import tsx` would resolve from the child's cwd (a temp project). */
export const TSX_LOADER = join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A throwaway copy of `source` (a folder relative to the repo root); removed by `cleanup`. */
export function copyProject(source: string): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-test-'));
  const dir = join(root, 'project');
  cpSync(join(REPO_ROOT, source), dir, {
    recursive: true,
    filter: (src) => !/\/(data|audit|drift)\/.+\.duckdb/.test(src) && !src.endsWith('.duckdb'),
  });
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  // A user config from the developer's home must not leak into tests.
  env.HOME = extra.HOME ?? mkdtempSync(join(tmpdir(), 'mxcp-home-'));
  delete env.MXCP_CONFIG;
  delete env.MXCP_PROFILE;
  if (extra.MXCP_CONFIG) env.MXCP_CONFIG = extra.MXCP_CONFIG;
  if (extra.MXCP_PROFILE) env.MXCP_PROFILE = extra.MXCP_PROFILE;
  return env;
}

export function spawnMxcp(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, CLI, ...args], {
    cwd: opts.cwd,
    env: childEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function runMxcp(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; input?: string },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnMxcp(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin?.end(opts.input ?? '');
  });
}

export interface RunningServer {
  url: string;
  port: number;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** `mxcp serve` on a free port; resolves once the banner says where it listens. */
export function startServe(
  cwd: string,
  args: string[] = [],
  env?: Record<string, string | undefined>,
): Promise<RunningServer> {
  const child = spawnMxcp(
    ['serve', '--transport', 'streamable-http', '--host', '127.0.0.1', '--port', '0', ...args],
    {
      cwd,
      env,
    },
  );
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mxcp serve did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Listening on (http:\/\/[^\s]+?:(\d+))/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise({
          url: `${m[1]}/mcp`,
          port: Number(m[2]),
          output: () => output,
          stop: () => stopChild(child),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mxcp serve exited with ${code} before listening:\n${output}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<number | null> {
  // Already gone: exited with a code, or killed by a signal (exitCode stays null then).
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolvePromise(code);
    });
    child.kill('SIGTERM');
  });
}
