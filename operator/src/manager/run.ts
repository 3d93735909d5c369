// `mxcp-operator run` (the default command): builds the logger, metrics and Kubernetes client from the
// flags, starts the manager, turns SIGTERM/SIGINT into a graceful shutdown (a second signal exits at
// once) and exits with the manager's code. Everything printed is a JSON log line on stdout.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadKubeConfig } from '../kube/index.js';
import { createLogger, type OperatorLogger } from './logger.js';
import { OperatorManager } from './manager.js';
import { OperatorMetrics } from './metrics.js';
import { addRunOptions, toOperatorOptions, type OperatorOptions } from './options.js';

/** The version in the nearest package.json (source tree and dist/ sit at different depths). */
export function operatorVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
      } catch {
        return 'unknown';
      }
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export function registerRun(program: Command): void {
  const command = program
    .command('run', { isDefault: true })
    .description(
      'Run the operator: reconcile MxcpProjects (leader-elected), serve /healthz, /readyz, /metrics',
    );
  addRunOptions(command).action(async (flags: Parameters<typeof toOperatorOptions>[0]) => {
    const code = await runOperator(toOperatorOptions(flags));
    process.exit(code);
  });
}

/** Runs the operator until it stops; resolves with the exit code. Installs signal handlers. */
export async function runOperator(options: OperatorOptions): Promise<number> {
  const logger = createLogger({ level: options.logLevel });
  const fatal = (what: string) => (error: unknown) => {
    logger.error(what, { error: error instanceof Error ? error : String(error) });
    void logger.flush().then(() => process.exit(1));
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));

  let manager: OperatorManager;
  try {
    const kubeConfig = loadKubeConfig({ kubeconfigPath: options.kubeconfig, context: options.context });
    manager = new OperatorManager(options, {
      kubeConfig,
      logger,
      metrics: new OperatorMetrics(operatorVersion()),
    });
    installSignalHandlers(manager, logger);
    await manager.start();
  } catch (error) {
    logger.error('the operator could not start', { error: error instanceof Error ? error : String(error) });
    await logger.flush();
    return 1;
  }
  const code = await manager.done;
  await logger.flush();
  return code;
}

function installSignalHandlers(manager: OperatorManager, logger: OperatorLogger): void {
  let received = 0;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      received++;
      if (received > 1) {
        logger.warn('second signal: exiting without finishing the shutdown', { signal });
        void logger.flush().then(() => process.exit(1));
        return;
      }
      logger.info('signal received; shutting down', { signal });
      void manager.shutdown(signal);
    });
  }
}
