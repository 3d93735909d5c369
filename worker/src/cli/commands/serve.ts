// `mxcp serve`: open the project, refuse to start when endpoints failed (unless
// --ignore-errors), serve MCP over streamable HTTP, SSE or stdio, and shut
// down cleanly on SIGTERM/SIGINT.
import type { Command } from 'commander';
import { openProject } from '../../engine/index.js';
import {
  formatServeBanner,
  formatStartupFailure,
  serveStdio,
  startHttpServer,
  startupFailureJson,
  type FailedEndpoint,
} from '../../server/index.js';
import type { EndpointFailure } from '../../endpoints/index.js';
import { loadConfig } from '../project.js';
import { parseBooleanFlag } from '../flags.js';
import { failureMessage, useColor } from '../output.js';
import { createLogger } from '../logger.js';

interface ServeFlags {
  profile?: string;
  transport?: string;
  host?: string;
  port?: string;
  readonly?: boolean;
  stateless?: boolean;
  jsonResponse?: boolean;
  sqlTools?: string;
  ignoreErrors?: boolean;
  debug?: boolean;
  jsonOutput?: boolean;
}

const TRANSPORTS = ['streamable-http', 'sse', 'stdio'] as const;
type Transport = (typeof TRANSPORTS)[number];

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the project over MCP (streamable HTTP, SSE or stdio)')
    .option('--profile <name>', 'profile to use')
    .option('--transport <transport>', `transport: ${TRANSPORTS.join(', ')}`)
    .option('--host <host>', 'host to bind (HTTP transports)')
    .option('--port <port>', 'port to bind (HTTP transports)')
    .option('--readonly', 'open the database read-only')
    .option('--stateless', 'stateless streamable HTTP (no MCP sessions)')
    .option('--json-response', 'answer streamable HTTP POSTs with JSON instead of SSE streams (faster)')
    .option('--sql-tools <bool>', 'enable the built-in SQL tools (true|false)')
    .option('--ignore-errors', 'start even when some endpoints failed to load')
    .option('--debug', 'debug logging')
    .option('--json-output', 'print startup errors as JSON')
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}

async function serve(flags: ServeFlags): Promise<void> {
  const config = loadConfig(flags);
  const http = config.user.transport?.http ?? {};
  const transport = (flags.transport ?? config.user.transport?.provider ?? 'streamable-http') as Transport;
  if (!TRANSPORTS.includes(transport)) {
    throw new Error(`Unknown transport '${transport}': expected one of ${TRANSPORTS.join(', ')}`);
  }
  const host = flags.host ?? http.host ?? 'localhost';
  const port = flags.port !== undefined ? parsePort(flags.port) : (http.port ?? 8000);
  const stateless = Boolean(flags.stateless ?? http.stateless ?? false);
  const logger = createLogger({ debug: flags.debug, quiet: transport === 'stdio' });
  const opened = await openProject(config, {
    sqlTools: parseBooleanFlag(flags.sqlTools, '--sql-tools'),
    logger,
  });

  if (opened.failures.length > 0 && !flags.ignoreErrors) {
    await opened.engine.close();
    const failed = opened.failures.map(toFailedEndpoint);
    if (flags.jsonOutput) process.stdout.write(JSON.stringify(startupFailureJson(failed), null, 2) + '\n');
    else process.stderr.write(formatStartupFailure(failed, useColor(process.stderr)) + '\n');
    process.exitCode = 1;
    return;
  }

  if (transport === 'stdio') {
    const server = await serveStdio(opened.engine);
    const stop = once(async () => {
      await server.close();
      await opened.engine.close();
    });
    onShutdown(stop);
    // The client went away (stdin ended): close DuckDB cleanly before the process ends.
    void server.closed.then(stop);
    return;
  }

  let server: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    server = await startHttpServer(opened.engine, {
      host,
      port,
      stateless,
      jsonResponse: Boolean(flags.jsonResponse),
      transports: { streamableHttp: transport === 'streamable-http', sse: transport === 'sse' },
      ready: () => true,
      logger,
    });
  } catch (error) {
    await opened.engine.close();
    throw error;
  }
  process.stdout.write(
    formatServeBanner(
      {
        project: config.site.project,
        profile: config.profileName,
        transport,
        host,
        port: server.port,
        readonly: config.profile.duckdb.readonly,
        stateless,
        sqlTools: opened.sqlToolsEnabled,
        counts: opened.engine.counts,
        skipped: opened.failures.length,
      },
      useColor(process.stdout),
    ) + '\n',
  );
  onShutdown(async () => {
    await server.close();
    await opened.engine.close();
  });
}

/** Runs `fn` once, however many signals or events ask for it. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function toFailedEndpoint(failure: EndpointFailure): FailedEndpoint {
  return { path: failure.path, error: failureMessage(failure) };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid --port '${value}': expected an integer between 0 and 65535`);
  }
  return port;
}

/** SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close DuckDB, exit 0. */
function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`Error during shutdown after ${signal}: ${(error as Error).message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
