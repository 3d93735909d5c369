// The cluster `make cluster-up` leaves running: its launcher's pid and the cluster's facts, in a state
// file under ~/.cache/mxcp-operator/cluster/, so `make cluster-down` and test runs can find it.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ClusterInfo } from './access.js';
import { toolCacheDir } from './tool-cache.js';

export interface RunningCluster {
  /** Pid of the detached launcher that owns the processes (SIGTERM it to stop the cluster). */
  pid: number;
  info: ClusterInfo;
  startedAt: string;
}

export function stateFilePath(): string {
  return toolCacheDir('cluster', 'state.json');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running cluster, or undefined when there is none (a stale state file is removed). */
export async function readRunningCluster(): Promise<RunningCluster | undefined> {
  let state: RunningCluster;
  try {
    state = JSON.parse(await readFile(stateFilePath(), 'utf8')) as RunningCluster;
  } catch {
    return undefined;
  }
  if (isAlive(state.pid)) return state;
  await removeState();
  return undefined;
}

export async function writeState(state: RunningCluster): Promise<void> {
  await mkdir(dirname(stateFilePath()), { recursive: true });
  await writeFile(stateFilePath(), JSON.stringify(state, null, 2));
}

export async function removeState(): Promise<void> {
  await rm(stateFilePath(), { force: true });
}
