// Process lifecycle of `mxcp serve`: SIGHUP reloads; SIGTERM and SIGINT shut down in order:
//   1. stop accepting (servers refuse new MCP requests and let running ones finish, bounded);
//   2. wait for engine calls still running, up to the grace period, then interrupt their queries;
//   3. shutdown steps (e.g. flush the audit queue), in the order they were added;
//   4. close DuckDB (every runtime);
//   5. closing steps (admin listeners), then exit 0 (1 when a step failed).
import type { ServerLogger } from '../mcp.js';
import type { ReloadManager } from './reload-manager.js';

/** MXCP's graceful shutdown timeout (MXCP-SPEC §13). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;
/** Past the grace period, how long the remaining steps may take before the process gives up. */
const HARD_DEADLINE_EXTRA_MS = 30_000;

type Step = { name: string; run: () => Promise<void> | void };

export interface LifecycleOptions {
  graceMs?: number;
  logger?: ServerLogger;
  /** Defaults to process.exit; tests pass their own. */
  exit?: (code: number) => void;
}

export class Lifecycle {
  private readonly stopAccepting: Step[] = [];
  private readonly shutdownSteps: Step[] = [];
  private readonly closingSteps: Step[] = [];
  private shuttingDown: Promise<number> | undefined;
  private readonly graceMs: number;

  constructor(
    private readonly manager: ReloadManager,
    private readonly opts: LifecycleOptions = {},
  ) {
    this.graceMs = opts.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  }

  /** Phase 1: a listener that stops accepting and finishes its requests (e.g. the MCP server). */
  onStopAccepting(name: string, run: Step['run']): this {
    this.stopAccepting.push({ name, run });
    return this;
  }

  /** Phase 3: work done after calls finished and before DuckDB closes (e.g. audit flush). */
  onShutdown(name: string, run: Step['run']): this {
    this.shutdownSteps.push({ name, run });
    return this;
  }

  /** Phase 5: after DuckDB closed (e.g. the admin listeners, so status stays visible until then). */
  onClosed(name: string, run: Step['run']): this {
    this.closingSteps.push({ name, run });
    return this;
  }

  /** SIGHUP → reload; SIGTERM/SIGINT → shutdown and exit. */
  installSignalHandlers(): void {
    process.on('SIGHUP', () => {
      if (!this.manager.accepting) return;
      void this.manager.reload('signal');
    });
    const stop = (signal: NodeJS.Signals) => {
      this.opts.logger?.info('shutting down', { signal });
      void this.shutdown().then((code) => (this.opts.exit ?? process.exit)(code));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  }

  /** Runs the shutdown once, however many times it is asked for; resolves with the exit code. */
  shutdown(): Promise<number> {
    this.shuttingDown ??= this.run();
    return this.shuttingDown;
  }

  private async run(): Promise<number> {
    const deadline = setTimeout(() => {
      this.opts.logger?.error('shutdown did not finish in time; exiting');
      (this.opts.exit ?? process.exit)(1);
    }, this.graceMs + HARD_DEADLINE_EXTRA_MS);
    deadline.unref();
    let failed = false;
    const runAll = async (steps: Step[], parallel: boolean) => {
      const runOne = async (step: Step) => {
        try {
          await step.run();
        } catch (error) {
          failed = true;
          this.opts.logger?.error('shutdown step failed', {
            step: step.name,
            error: (error as Error).message,
          });
        }
      };
      if (parallel) await Promise.all(steps.map(runOne));
      else for (const step of steps) await runOne(step);
    };
    // Listeners stop together: each waits for its own requests within the same grace period.
    await Promise.all([runAll(this.stopAccepting, true), this.manager.drain(this.graceMs)]);
    await runAll(this.shutdownSteps, false);
    await runAll([{ name: 'close DuckDB', run: () => this.manager.close() }], false);
    await runAll(this.closingSteps, false);
    clearTimeout(deadline);
    return failed ? 1 : 0;
  }
}
