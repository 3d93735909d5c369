// The real `helm` CLI for the chart tests: built once per machine from the Go module proxy by
// test/cluster/build-helm.sh (cached under ~/.cache/mxcp-operator/helm-<version>/bin), and run
// with its cache, config and data directories in a temp dir, so tests never read or write the
// user's Helm repositories or plugins.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable, toolCacheDir } from '../cluster/tool-cache.js';

export const HELM_VERSION = 'v4.3.1';
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = join(REPO_ROOT, 'charts/mxcp-operator');
const BUILD_SCRIPT = join(REPO_ROOT, 'test/cluster/build-helm.sh');

/** The directory build-helm.sh uses: MXCP_TEST_HELM_DIR, else the per-version cache. */
export function helmBinDir(): string {
  const fromEnv = process.env.MXCP_TEST_HELM_DIR;
  if (fromEnv) return fromEnv;
  return toolCacheDir(`helm-${HELM_VERSION}`, 'bin');
}

let built: Promise<string> | undefined;

/** The helm binary's path, building it first when it is missing (3-10 min once per machine). */
export function ensureHelm(): Promise<string> {
  built ??= (async () => {
    let dir = helmBinDir();
    if (!isExecutable(join(dir, 'helm'))) dir = await runBuildScript();
    const path = join(dir, 'helm');
    if (!isExecutable(path)) throw new Error(`build-helm.sh finished but ${path} is missing`);
    return path;
  })();
  return built;
}

function runBuildScript(): Promise<string> {
  process.stderr.write(`helm missing in ${helmBinDir()}; building it with ${BUILD_SCRIPT}…\n`);
  return new Promise((resolvePath, reject) => {
    // stdout carries only the bin dir (last line); the go build's progress goes to stderr.
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePath(out.trim().split('\n').pop()!);
      else
        reject(new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit code ${code}`}); its output is above`));
    });
  });
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface HelmOptions {
  /** KUBECONFIG for commands that talk to a cluster. */
  kubeconfig?: string;
}

// One private Helm home per test process (repositories, plugins, registry logins live there).
let helmHome: string | undefined;

/** Runs helm with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function helm(args: string[], opts: HelmOptions = {}): Promise<HelmResult> {
  const binary = await ensureHelm();
  helmHome ??= mkdtempSync(join(tmpdir(), 'mxcp-helm-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: helmHome,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    KUBECONFIG: opts.kubeconfig ?? join(helmHome, 'no-cluster.kubeconfig'),
  };
  return new Promise((resolveResult, reject) => {
    const child = spawn(binary, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => resolveResult({ code, stdout, stderr }));
  });
}

/** Like helm(), but throws with helm's output unless it exits 0; resolves with stdout. */
export async function helmOk(args: string[], opts: HelmOptions = {}): Promise<string> {
  const result = await helm(args, opts);
  if (result.code !== 0) {
    throw new Error(`helm ${args.join(' ')} exited ${result.code}\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}
