// `mxcp serve`: open the project, refuse to start when endpoints failed (unless
// --ignore-errors), serve MCP over streamable HTTP, SSE or stdio, reload on SIGHUP or through the
// admin API, and shut down cleanly on SIGTERM/SIGINT (server/lifecycle).
import type { Command } from 'commander';
import { openProject, type OpenedProject } from '../../engine/index.js';
import {
  formatServeBanner,
  formatStartupFailure,
  serveStdio,
  startHttpServer,
  startupFailureJson,
  type FailedEndpoint,
} from '../../server/index.js';
import {
  startAdminHttp,
  startAdminSocket,
  startMetricsHttp,
  type AdminContext,
} from '../../server/admin/index.js';
import {
  Lifecycle,
  ReloadManager,
  lifecycleSettings,
  secretsHashOrNull,
  type LifecycleFlags,
} from '../../server/lifecycle/index.js';
import type { EndpointFailure } from '../../endpoints/index.js';
import { loadConfig } from '../project.js';
import { parseBooleanFlag } from '../flags.js';
import { failureMessage, useColor } from '../output.js';
import { createLogger } from '../logger.js';
import { startServeLayers, type ServeLayers } from '../serve-layers.js';
import { createAuthLayer } from '../../auth/index.js';
import { invalidatedDatabases } from '../../db/index.js';

interface ServeFlags extends LifecycleFlags {
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
  metricsPort?: string;
  headersTimeout?: string;
  requestTimeout?: string;
}

const TRANSPORTS = ['streamable-http', 'sse', 'stdio'] as const;
type Transport = (typeof TRANSPORTS)[number];

const LIFECYCLE_HELP = `
Reload and shutdown:
  SIGHUP, POST /admin/reload and the socket's POST /reload re-read mxcp-site.yml and the user
  config, re-resolve every reference (\${VAR}, file://), reopen DuckDB and swap atomically;
  running calls finish on the old state. A failed reload keeps the old state (see /admin/status).
  SIGTERM/SIGINT: stop accepting, let running calls finish (--shutdown-grace), close DuckDB, exit 0.

Admin API (off unless --admin-token-file is given), routes behind "Authorization: Bearer <token>":
  GET /admin/status, GET /admin/config, GET /admin/endpoints, POST /admin/reload [{"secretsHash": H}];
  GET /health and /ready need no token. The token file is re-read on every request.
  secretsHash: SHA-256 over the files of --secrets-dir sorted by name (name NUL content NUL each);
  with it, /admin/reload waits (--reload-wait-timeout) until the files hash to H, then reloads.

Environment: MXCP_ADMIN_PORT, MXCP_ADMIN_HOST, MXCP_ADMIN_TOKEN_FILE, MXCP_SECRETS_DIR,
  MXCP_RELOAD_WAIT_TIMEOUT, MXCP_SHUTDOWN_GRACE, MXCP_HTTP_HEADERS_TIMEOUT,
  MXCP_HTTP_REQUEST_TIMEOUT (flags win); MXCP_ADMIN_ENABLED=true and
  MXCP_ADMIN_SOCKET (default /run/mxcp/mxcp.sock) for MXCP's admin Unix socket (mode 0600).
`;

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
    .option('--admin-port <port>', 'admin API port (default 8081; needs --admin-token-file)')
    .option('--admin-host <host>', 'admin API host (default: --host)')
    .option('--admin-token-file <path>', 'file holding the admin bearer token; enables the admin API')
    .option('--secrets-dir <dir>', 'mounted secrets directory whose hash /admin/status reports')
    .option(
      '--reload-wait-timeout <seconds>',
      'longest wait for secrets to match a requested hash (default 120)',
    )
    .option('--shutdown-grace <seconds>', 'how long running calls may finish at shutdown (default 5)')
    .option('--headers-timeout <seconds>', 'longest a client may take to send request headers (default 20)')
    .option('--request-timeout <seconds>', 'longest a client may take to send a whole request (default 60)')
    .option('--metrics-port <port>', 'serve Prometheus /metrics on this port (also on the admin port)')
    .addHelpText('after', LIFECYCLE_HELP)
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}

async function serve(flags: ServeFlags): Promise<void> {
  const config = await loadConfig(flags);
  const http = config.user.transport?.http ?? {};
  const transport = (flags.transport ?? config.user.transport?.provider ?? 'streamable-http') as Transport;
  if (!TRANSPORTS.includes(transport)) {
    throw new Error(`Unknown transport '${transport}': expected one of ${TRANSPORTS.join(', ')}`);
  }
  const host = flags.host ?? http.host ?? 'localhost';
  const port = flags.port !== undefined ? parsePort(flags.port) : (http.port ?? 8000);
  const stateless = Boolean(flags.stateless ?? http.stateless ?? false);
  const settings = lifecycleSettings(flags, process.env, host);
  const debug = Boolean(flags.debug || process.env.MXCP_DEBUG);
  const logger = createLogger({ debug: flags.debug, quiet: transport === 'stdio' });
  const layers = await startServeLayers(config, {
    transport,
    logger,
    auditToStdout: parseBooleanFlag(process.env.MXCP_AUDIT_STDOUT, 'MXCP_AUDIT_STDOUT') ?? false,
  });
  const openOptions = {
    sqlTools: parseBooleanFlag(flags.sqlTools, '--sql-tools'),
    logger,
    policyLogger: logger,
    observer: layers.metrics.duckdb,
  };
  const startedAt = new Date();
  const initialHash = secretsHashOrNull(settings.secretsDir, logger);
  const opened = await openProject(config, openOptions);

  if (opened.failures.length > 0 && !flags.ignoreErrors) {
    await opened.engine.close();
    for (const step of layers.shutdownSteps) await step.run();
    const failed = opened.failures.map(toFailedEndpoint);
    if (flags.jsonOutput) process.stdout.write(JSON.stringify(startupFailureJson(failed), null, 2) + '\n');
    else process.stderr.write(formatStartupFailure(failed, useColor(process.stderr)) + '\n');
    process.exitCode = 1;
    return;
  }

  // A reload re-reads both config files from disk; transport, host, port and auth stay as started.
  const reloadProject = async (): Promise<OpenedProject> => {
    const next = await openProject(await loadConfig(flags), openOptions);
    if (next.failures.length > 0 && !flags.ignoreErrors) {
      await next.engine.close();
      throw new Error(
        `${next.failures.length} endpoint file(s) failed to load: ` +
          next.failures.map((f) => `${f.path}: ${failureMessage(f)}`).join('; '),
      );
    }
    return next;
  };
  const manager = new ReloadManager(
    opened,
    {
      load: reloadProject,
      secretsDir: settings.secretsDir,
      wrapEngine: layers.wrapEngine,
      onReload: layers.onReload,
      logger,
    },
    initialHash,
  );
  const lifecycle = new Lifecycle(manager, { graceMs: settings.shutdownGraceMs, logger });
  for (const step of layers.shutdownSteps) lifecycle.onShutdown(step.name, step.run);

  try {
    await startAdmin(manager, lifecycle, settings, layers, { startedAt, debug, transport, logger });
    const metricsPort = flags.metricsPort ?? process.env.MXCP_METRICS_PORT;
    if (metricsPort !== undefined) {
      const metricsServer = await startMetricsHttp(host, parsePort(metricsPort), layers.metricsHandler);
      lifecycle.onClosed('metrics', () => metricsServer.close());
      process.stderr.write(`Metrics listening on ${metricsServer.address}\n`);
    }
    if (transport === 'stdio') {
      const server = await serveStdio(manager.engine);
      // Closing stdio would cut calls still running: it closes after they finish.
      lifecycle.onShutdown('stdio', () => server.close());
      lifecycle.installSignalHandlers();
      // The client went away (stdin ended): shut down cleanly (DuckDB, admin listeners).
      void server.closed.then(() => lifecycle.shutdown().then((code) => (process.exitCode = code)));
      return;
    }
    // OAuth (MXCP-SPEC §7) from the profile's `auth`; like MXCP, a reload does not change it.
    const auth = await createAuthLayer({
      auth: config.userProfile.auth,
      http: config.user.transport.http,
      logger,
    });
    if (auth) lifecycle.onClosed('auth', async () => auth.close());
    const server = await startHttpServer(manager.engine, {
      ...(auth
        ? {
            configureApp: auth.configureApp,
            mcpMiddleware: auth.mcpMiddleware,
            resolveUser: auth.resolveUser,
          }
        : {}),
      host,
      port,
      stateless,
      jsonResponse: Boolean(flags.jsonResponse),
      transports: { streamableHttp: transport === 'streamable-http', sse: transport === 'sse' },
      // Not ready while DuckDB has invalidated the database (a reload reopens it) or audit fails.
      ready: () => manager.accepting && layers.healthy() && invalidatedDatabases().size === 0,
      logger,
      shutdownGraceMs: settings.shutdownGraceMs,
      interruptWork: () => manager.interrupt(),
      headersTimeoutMs: timeoutMs(
        flags.headersTimeout ?? process.env.MXCP_HTTP_HEADERS_TIMEOUT,
        '--headers-timeout',
      ),
      requestTimeoutMs: timeoutMs(
        flags.requestTimeout ?? process.env.MXCP_HTTP_REQUEST_TIMEOUT,
        '--request-timeout',
      ),
    });
    lifecycle.onStopAccepting('MCP server', () => server.close());
    lifecycle.installSignalHandlers();
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
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
}

/** The admin port and/or socket, when configured; both close after DuckDB at shutdown. */
async function startAdmin(
  manager: ReloadManager,
  lifecycle: Lifecycle,
  settings: ReturnType<typeof lifecycleSettings>,
  layers: ServeLayers,
  info: { startedAt: Date; debug: boolean; transport: string; logger: ReturnType<typeof createLogger> },
): Promise<void> {
  const ctx: AdminContext = {
    manager,
    startedAt: info.startedAt,
    debug: info.debug,
    transport: info.transport,
    adminSocketPath: settings.adminSocket,
    reloadWaitTimeoutMs: settings.reloadWaitTimeoutMs,
    healthy: layers.healthy,
    metrics: layers.metricsHandler,
  };
  if (settings.adminSocket) {
    const socket = await startAdminSocket(ctx, settings.adminSocket, info.logger);
    lifecycle.onClosed('admin socket', () => socket.close());
  }
  if (settings.adminHttp) {
    const admin = await startAdminHttp(ctx, { ...settings.adminHttp, logger: info.logger });
    lifecycle.onClosed('admin API', () => admin.close());
    // On stderr: stdout may carry MCP stdio. Tests and operators read the bound port here.
    process.stderr.write(`Admin API listening on ${admin.address}\n`);
  }
}

function toFailedEndpoint(failure: EndpointFailure): FailedEndpoint {
  return { path: failure.path, error: failureMessage(failure) };
}

/** A slow-client bound in seconds (> 0: Node reads 0 as "no bound"); undefined keeps the default. */
function timeoutMs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`Invalid ${flag} '${value}': expected seconds (a number > 0)`);
  return Math.round(n * 1000);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid --port '${value}': expected an integer between 0 and 65535`);
  }
  return port;
}
