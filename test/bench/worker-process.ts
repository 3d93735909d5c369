// Starting the worker (`mxcp serve` of this repository) as a child process on a project
// directory: shared by the load benchmark and the cold start measurement.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type ServerProcess } from './processes.js';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// BENCH_WORKER_ENTRY: another CLI entry file to run as the worker (e.g. a build).
export const workerMain = resolve(process.env.BENCH_WORKER_ENTRY ?? join(repoRoot, 'worker/src/cli/main.ts'));
// Resolved here, not by the child: the child runs in a temp dir with no node_modules.
export const tsxLoader = import.meta.resolve('tsx');

/** `mxcp serve --transport streamable-http` on 127.0.0.1:`port` in `projectDir`, with its own user config. */
export function startWorker(options: {
  name: string;
  projectDir: string;
  userConfigPath: string;
  port: number;
  serveFlags?: string[];
}): ServerProcess {
  return startServer({
    name: options.name,
    args: [
      '--import',
      tsxLoader,
      workerMain,
      'serve',
      '--transport',
      'streamable-http',
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port),
      ...(options.serveFlags ?? []),
    ],
    cwd: options.projectDir,
    env: { ...process.env, MXCP_CONFIG: options.userConfigPath, MXCP_DISABLE_ANALYTICS: '1' },
    port: options.port,
  });
}
