// Locates the test control plane binaries (etcd, kube-apiserver, kube-controller-manager) and the
// kubectl of the same Kubernetes build (for the install tests), and builds them once per machine
// with build-binaries.sh when any is missing. The first build compiles Kubernetes from the Go module
// proxy and takes 10-25 minutes, so its progress goes to stderr.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable, toolCacheDir } from './tool-cache.js';

export const K8S_VERSION = 'v1.37.2';
export const ETCD_VERSION = 'v3.6.16';

export const BINARY_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];
export type Binaries = Record<BinaryName, string>;

const BUILD_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'build-binaries.sh');

/** The directory build-binaries.sh uses: MXCP_TEST_BIN_DIR, else the per-version cache. */
export function binDir(): string {
  const fromEnv = process.env.MXCP_TEST_BIN_DIR;
  if (fromEnv) return fromEnv;
  return toolCacheDir(`k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}`, 'bin');
}

export function missingBinaries(dir = binDir()): BinaryName[] {
  return BINARY_NAMES.filter((name) => !isExecutable(join(dir, name)));
}

/** Paths of all binaries, building the missing ones first. */
export async function ensureBinaries(): Promise<Binaries> {
  let dir = binDir();
  if (missingBinaries(dir).length > 0) dir = await runBuildScript();
  const missing = missingBinaries(dir);
  if (missing.length > 0) {
    throw new Error(`build-binaries.sh finished but ${missing.join(', ')} is still missing in ${dir}`);
  }
  return Object.fromEntries(BINARY_NAMES.map((name) => [name, join(dir, name)])) as Binaries;
}

/** The kubectl built from the same Kubernetes version as the test control plane (built if missing). */
export async function kubectlPath(): Promise<string> {
  return (await ensureBinaries()).kubectl;
}

function runBuildScript(): Promise<string> {
  process.stderr.write(
    `Test control plane binaries missing in ${binDir()}; building them with ${BUILD_SCRIPT} ` +
      '(first run on this machine: 10-25 min)…\n',
  );
  return new Promise((resolve, reject) => {
    // stdout carries only the bin dir (last line); the go build's progress and errors stream to stderr.
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) {
        const lines = out.trim().split('\n');
        resolve(lines[lines.length - 1]);
      } else {
        reject(new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit code ${code}`}); its output is above`));
      }
    });
  });
}
