// The worker's HTTP listener: MCP over streamable HTTP (/mcp) and legacy SSE
// (/sse + /messages/), behind DNS-rebinding protection, plus the liveness and
// readiness probes (/health, /ready) that Kubernetes and the operator poll.
// Shutdown stops accepting, lets in-flight MCP requests finish (bounded), then
// closes every session.
import { createServer, type Server as NodeHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { UserContext } from '../engine/context.js';
import { httpUrl } from './banner.js';
import { allowedHostnames, dnsRebindingGuard } from './dns-rebinding.js';
import { McpLogFanout } from './logging.js';
import { createMcpServer, type EngineRef, type ServerLogger } from './mcp.js';
import { mountLegacySse } from './sse.js';
import { mountStreamableHttp, rpcError, type MountedTransport } from './streamable.js';
import { Activity } from './activity.js';

export const MCP_PATH = '/mcp';
/** MXCP's graceful shutdown timeout (MXCP-SPEC §13). */
const DEFAULT_SHUTDOWN_GRACE_MS = 5000;
/** Same bound the SDK applies when it reads bodies itself. */
const MAX_BODY = '4mb';
/** After interruptWork, how long interrupted requests get to send their error answers. */
const INTERRUPT_SETTLE_MS = 2000;
/**
 * Slow-client bounds. A client that dribbles its headers (slow-loris) or its body holds a socket
 * and a parser; these cut it off. Node's own defaults (60 s / 300 s, checked every 30 s) let one
 * client hold a connection for up to 5.5 minutes per request.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 20_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port; the handle reports the one bound. */
  port: number;
  stateless: boolean;
  /** One JSON body per POST instead of SSE (see streamable.ts). */
  jsonResponse?: boolean;
  /** Idle stateful sessions are closed after this long (default 30 minutes). */
  sessionIdleMs?: number;
  /** Hostnames (no port; IPv6 in brackets) MCP requests may name. Defaults to loopback names on a loopback bind, else no check. */
  allowedHosts?: string[];
  logger?: ServerLogger;
  /** Readiness beyond "listening" (endpoints loaded, DB open). /ready answers 503 while false. */
  ready?: () => boolean;
  /** Which MCP transports to mount; both by default. */
  transports?: { streamableHttp?: boolean; sse?: boolean };
  /** Routes mounted before the MCP routes, outside the DNS-rebinding guard (OAuth metadata, /metrics, …). */
  configureApp?: (app: Express) => void;
  /** Middleware run on MCP routes after the DNS-rebinding guard (e.g. bearer auth). */
  mcpMiddleware?: RequestHandler[];
  resolveUser?: (authInfo: AuthInfo | undefined) => UserContext | null;
  /** Where server log events go to MCP sessions; one is created when absent. */
  logs?: McpLogFanout;
  instructions?: string;
  shutdownGraceMs?: number;
  /**
   * Called when requests are still running after the grace period (e.g. interrupt their DuckDB
   * queries), so they end with an error answer instead of being cut off.
   */
  interruptWork?: () => void;
  /** The longest a client may take to send its request headers (default 20 s). */
  headersTimeoutMs?: number;
  /** The longest a client may take to send its whole request, body included (default 60 s); responses are not bounded. */
  requestTimeoutMs?: number;
}

export interface HttpServerHandle {
  /** `http://host:port` as bound. */
  url: string;
  /** The streamable HTTP endpoint, `<url>/mcp`. */
  mcpUrl: string;
  host: string;
  port: number;
  logs: McpLogFanout;
  /** Open stateful MCP sessions (streamable HTTP and SSE). */
  readonly sessionCount: number;
  /** Stop accepting, finish in-flight requests (up to the grace period), close sessions. */
  close(): Promise<void>;
}

export async function startHttpServer(engine: EngineRef, opts: HttpServerOptions): Promise<HttpServerHandle> {
  const logger = opts.logger;
  const logs = opts.logs ?? new McpLogFanout();
  const activity = new Activity();
  const newServer = () =>
    createMcpServer(engine, {
      caller: 'http',
      activity,
      logs,
      logger,
      resolveUser: opts.resolveUser,
      instructions: opts.instructions,
    });
  let draining = false;

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', (_req, res) => {
    if (draining) res.status(503).json({ status: 'draining' });
    else if (opts.ready && !opts.ready()) res.status(503).json({ status: 'not ready' });
    else res.json({ status: 'ready' });
  });
  opts.configureApp?.(app);

  const mcp = express.Router();
  const hostnames = allowedHostnames(opts.host, opts.allowedHosts);
  if (hostnames) mcp.use(dnsRebindingGuard(hostnames));
  else
    logger?.warn('DNS rebinding protection is off: set allowedHosts or enable authentication', {
      host: opts.host,
    });
  mcp.use((req, res, next) => {
    if (draining) {
      rpcError(res, 503, 'Server is shutting down');
      return;
    }
    // Long-lived GET streams are not "in flight" work; requests are.
    if (req.method === 'GET') return next();
    res.on('close', activity.begin());
    next();
  });
  for (const middleware of opts.mcpMiddleware ?? []) mcp.use(middleware);
  // Not strict: `42` or `null` is valid JSON, so the transport answers -32600 rather than -32700.
  mcp.use(express.json({ limit: MAX_BODY, strict: false, verify: rejectEmptyBody }));

  const mounted: MountedTransport[] = [];
  if (opts.transports?.streamableHttp !== false) {
    mounted.push(
      mountStreamableHttp(mcp, MCP_PATH, newServer, {
        stateless: opts.stateless,
        jsonResponse: opts.jsonResponse,
        sessionIdleMs: opts.sessionIdleMs,
        logger,
      }),
    );
  }
  if (opts.transports?.sse !== false) mounted.push(mountLegacySse(mcp, newServer, logger));
  mcp.use(jsonRpcBodyErrors);
  app.use(mcp);

  const http = createServer(slowClientBounds(opts), app);
  await listen(http, opts.port, opts.host);
  const port = (http.address() as AddressInfo).port;
  const url = httpUrl(opts.host, port);
  logger?.info('MCP server listening', { url, stateless: opts.stateless });

  let closing: Promise<void> | undefined;
  const close = async () => {
    draining = true;
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const grace = opts.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    if (activity.count > 0) {
      if (!(await idleWithin(activity, grace)) && opts.interruptWork) {
        opts.interruptWork();
        await idleWithin(activity, INTERRUPT_SETTLE_MS);
      }
      // An engine call has returned, but the SDK writes its answer a few microtasks later
      // (on the SSE stream for the legacy transport): let that happen before closing streams.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.allSettled(mounted.map((m) => m.closeAll()));
    http.closeAllConnections();
    await stopped;
    logger?.info('MCP server stopped', { url });
  };

  return {
    url,
    mcpUrl: `${url}${MCP_PATH}`,
    host: opts.host,
    port,
    logs,
    get sessionCount() {
      return mounted.reduce((n, m) => n + m.sessionCount, 0);
    },
    close: () => (closing ??= close()),
  };
}

/** Node's server options bounding slow clients; headers can never get longer than the whole request. */
function slowClientBounds(opts: HttpServerOptions): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  const requestTimeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(opts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout);
  // Node checks the bounds on an interval (30 s by default): check often enough that they hold.
  const connectionsCheckingInterval = Math.max(100, Math.min(5000, Math.floor(headersTimeout / 4)));
  return { headersTimeout, requestTimeout, connectionsCheckingInterval };
}

/** True when nothing is in progress within `ms`. */
async function idleWithin(activity: Activity, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const idle = await Promise.race([
    activity.idle().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return idle;
}

function listen(http: NodeHttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
}

// body-parser reads an empty body as `{}`; it is not JSON, so it answers -32700 like any other.
function rejectEmptyBody(_req: unknown, _res: unknown, body: Buffer): void {
  if (body.length === 0) throw Object.assign(new Error('empty body'), { type: 'entity.parse.failed' });
}

// A malformed or oversized JSON body answers as JSON-RPC, not as express's HTML page.
const jsonRpcBodyErrors: ErrorRequestHandler = (
  error: { status?: number; type?: string },
  _req,
  res,
  next,
) => {
  if (error?.type === 'entity.parse.failed') return rpcError(res, 400, 'Parse error: invalid JSON', -32700);
  if (error?.type === 'entity.too.large') return rpcError(res, 413, 'Request body too large');
  next(error);
};
