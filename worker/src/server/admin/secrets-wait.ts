// `POST /admin/reload {"secretsHash": H}`: the operator has changed a Secret and knows its new
// hash, but the kubelet updates mounted files later (up to a minute or two). Wait until the files
// hash to H, polling (inotify does not see the atomic `..data` symlink swap reliably everywhere).
import { hashSecretsDir } from '../../config/secrets-hash.js';

export const SECRETS_HASH = /^[0-9a-f]{64}$/;
const POLL_MS = 250;

export interface SecretsWait {
  matched: boolean;
  /** The hash of the files when the wait ended (null when the directory could not be read). */
  onDisk: string | null;
}

export async function waitForSecretsHash(
  dir: string,
  expected: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SecretsWait> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let onDisk: string | null;
    try {
      onDisk = hashSecretsDir(dir);
    } catch {
      onDisk = null;
    }
    if (onDisk === expected) return { matched: true, onDisk };
    if (Date.now() >= deadline || signal?.aborted) return { matched: false, onDisk };
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))),
    );
  }
}
