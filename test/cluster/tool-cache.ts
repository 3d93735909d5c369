// Where the test tooling built once per machine lives (control plane binaries, helm, the Lua runner,
// the cluster-up state): below $XDG_CACHE_HOME (or ~/.cache)/mxcp-operator/.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `<cache>/mxcp-operator/<parts…>`. */
export function toolCacheDir(...parts: string[]): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'mxcp-operator', ...parts);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
