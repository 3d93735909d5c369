// Runs the real kubectl (built from the same Kubernetes version as the test control plane, see
// test/cluster/binaries.ts) from the repository root, so paths read as in docs/install.md.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kubectlPath } from '../cluster/binaries.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface KubectlOptions {
  /** Kubeconfig file; none for commands that need no cluster (kustomize). */
  kubeconfig?: string;
  /** Written to kubectl's stdin (for `-f -`). */
  input?: string;
  cwd?: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl and resolves with its exit code and output, whatever the code. */
export async function kubectlRun(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const bin = await kubectlPath();
  // KUBECONFIG pointing nowhere keeps a developer's own ~/.kube/config out of reach.
  const env = { ...process.env, KUBECONFIG: options.kubeconfig ?? '/dev/null' };
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      { cwd: options.cwd ?? REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** Runs kubectl and resolves with stdout; rejects with stderr when it fails. */
export async function kubectl(args: string[], options: KubectlOptions = {}): Promise<string> {
  const result = await kubectlRun(args, options);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}
