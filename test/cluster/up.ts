// `make cluster-up` / `make cluster-down`: a test control plane that outlives the command, for
// running the operator or kubectl against by hand. `up` starts a detached launcher (this file in
// `serve` mode) that owns the processes and records itself in the state file (running.ts); the
// kubeconfig path is the last line printed. `down` sends the launcher SIGTERM and waits.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from './controlplane.js';
import { isAlive, readRunningCluster, removeState, stateFilePath, writeState } from './running.js';

const launcherLog = (): string => join(dirname(stateFilePath()), 'launcher.log');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function up(): Promise<void> {
  const running = await readRunningCluster();
  if (running) {
    console.log(`A test cluster is already running (launcher pid ${running.pid}, ${running.info.server}).`);
    console.log(running.info.kubeconfigPath);
    return;
  }
  mkdirSync(dirname(stateFilePath()), { recursive: true });
  const log = openSync(launcherLog(), 'w');
  // Same node and loader (execArgv holds --import tsx), new session: it survives this command.
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'serve'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  console.error(`Starting the test control plane (launcher pid ${child.pid}, log ${launcherLog()})…`);
  for (;;) {
    const state = await readRunningCluster();
    if (state && state.pid === child.pid) {
      console.error(
        `Up at ${state.info.server}. Use: export KUBECONFIG=${state.info.kubeconfigPath}; stop with make cluster-down.`,
      );
      console.log(state.info.kubeconfigPath);
      return;
    }
    if (!child.pid || !isAlive(child.pid) || child.exitCode !== null) {
      console.error(readFileSync(launcherLog(), 'utf8'));
      throw new Error('the test control plane did not start; its launcher log is above');
    }
    await sleep(300);
  }
}

async function serve(): Promise<void> {
  const cp = await startControlPlane({ log: (line) => console.log(line) });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await cp.stop();
    await removeState();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGHUP', () => void stop());
  await writeState({ pid: process.pid, info: cp.info, startedAt: new Date().toISOString() });
  console.log(`ready: ${cp.server}, kubeconfig ${cp.kubeconfigPath}, dir ${cp.dir}`);
  // Keep the event loop alive until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

async function down(): Promise<void> {
  const running = await readRunningCluster();
  if (!running) {
    console.log('No test cluster is running.');
    return;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (isAlive(running.pid)) {
    if (Date.now() > deadline) {
      process.kill(running.pid, 'SIGKILL');
      break;
    }
    await sleep(200);
  }
  await removeState();
  console.log(`Stopped the test cluster at ${running.info.server}.`);
}

const command = process.argv[2];
const commands: Record<string, () => Promise<void>> = { up, down, serve };
const run = command ? commands[command] : undefined;
if (!run) {
  console.error('usage: up.ts up|down');
  process.exit(2);
}
run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
