// Streamable HTTP at /mcp (MXCP's default transport). Stateful mode keeps one
// Server + transport per MCP session (Mcp-Session-Id); stateless mode builds a
// fresh pair per POST and sends no session id, so any replica can answer. The
// transport is our own (http-transport.ts), not the SDK's Node wrapper: see there why.
import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { McpHttpTransport } from './http-transport.js';
import { connectPrevalidated } from './sdk-dispatch.js';
import type { ServerLogger } from './mcp.js';

export interface MountedTransport {
  /** Live sessions (stateful streamable HTTP or SSE). */
  readonly sessionCount: number;
  closeAll(): Promise<void>;
}

export interface StreamableOptions {
  stateless: boolean;
  /**
   * Answer each POST with one JSON body instead of an SSE stream (both are valid MCP;
   * MXCP sends SSE). Faster, but nothing can be streamed while a call runs.
   */
  jsonResponse?: boolean;
  /** Stateful sessions with no request and no open stream for this long are closed. */
  sessionIdleMs?: number;
  logger?: ServerLogger;
}

/** Clients that vanish without DELETE would otherwise keep their session forever. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;

interface Session {
  server: Server;
  transport: McpHttpTransport;
  lastSeen: number;
}

export function mountStreamableHttp(
  router: Router,
  path: string,
  newServer: () => Server,
  opts: StreamableOptions,
): MountedTransport {
  return opts.stateless
    ? mountStateless(router, path, newServer, opts)
    : mountStateful(router, path, newServer, opts);
}

function mountStateful(
  router: Router,
  path: string,
  newServer: () => Server,
  opts: StreamableOptions,
): MountedTransport {
  const logger = opts.logger;
  const sessions = new Map<string, Session>();
  const idleMs = opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const [id, session] of sessions) {
        if (session.lastSeen >= cutoff || session.transport.streaming) continue;
        sessions.delete(id);
        logger?.debug('MCP session expired', { sessionId: id });
        session.server.close().catch(() => undefined);
      }
    },
    Math.max(10, Math.min(idleMs, 60_000)),
  ).unref();

  const existing = (req: Request, res: Response): Session | undefined => {
    const id = req.header('mcp-session-id');
    if (!id) {
      rpcError(res, 400, 'Bad Request: No valid session ID provided');
      return undefined;
    }
    const session = sessions.get(id);
    if (!session) rpcError(res, 404, 'Session not found');
    else session.lastSeen = Date.now();
    return session;
  };

  router.post(path, async (req, res) => {
    try {
      if (req.header('mcp-session-id') || !isInitializeRequest(req.body)) {
        const session = existing(req, res);
        if (session) await session.transport.handleRequest(req, res);
        return;
      }
      const server = newServer();
      const transport = new McpHttpTransport({
        sessionIdGenerator: randomUUID,
        jsonResponse: opts.jsonResponse ?? false,
        onsessioninitialized: (id) => {
          sessions.set(id, { server, transport, lastSeen: Date.now() });
          logger?.debug('MCP session opened', { sessionId: id });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId && sessions.delete(transport.sessionId)) {
          logger?.debug('MCP session closed', { sessionId: transport.sessionId });
        }
      };
      await connectPrevalidated(server, transport);
      await transport.handleRequest(req, res);
      // A rejected initialize (bad headers or body) never became a session: release it.
      if (!transport.sessionId) await server.close();
    } catch (error) {
      failRequest(res, error, logger);
    }
  });

  // GET opens the session's standalone SSE stream; DELETE ends the session.
  const forward = async (req: Request, res: Response) => {
    try {
      const session = existing(req, res);
      if (session) await session.transport.handleRequest(req, res);
    } catch (error) {
      failRequest(res, error, logger);
    }
  };
  router.get(path, forward);
  router.delete(path, forward);

  return {
    get sessionCount() {
      return sessions.size;
    },
    async closeAll() {
      clearInterval(sweep);
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(all.map((s) => s.server.close()));
    },
  };
}

function mountStateless(
  router: Router,
  path: string,
  newServer: () => Server,
  opts: StreamableOptions,
): MountedTransport {
  const logger = opts.logger;
  const open = new Set<Server>();
  router.post(path, async (req, res) => {
    const server = newServer();
    const transport = new McpHttpTransport({ jsonResponse: opts.jsonResponse ?? false });
    open.add(server);
    res.on('close', () => {
      open.delete(server);
      void server.close().catch(() => undefined);
    });
    try {
      await connectPrevalidated(server, transport);
      await transport.handleRequest(req, res);
    } catch (error) {
      failRequest(res, error, logger);
    }
  });
  // Without sessions there is no standalone stream to open and nothing to delete.
  const notAllowed = (_req: Request, res: Response) => {
    res.setHeader('Allow', 'POST');
    rpcError(res, 405, 'Method not allowed: this server is stateless');
  };
  router.get(path, notAllowed);
  router.delete(path, notAllowed);

  return {
    sessionCount: 0,
    async closeAll() {
      const all = [...open];
      open.clear();
      await Promise.allSettled(all.map((s) => s.close()));
    },
  };
}

export function rpcError(res: Response, status: number, message: string, code = -32000): void {
  if (res.headersSent) return;
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

function failRequest(res: Response, error: unknown, logger?: ServerLogger): void {
  logger?.error('MCP request failed', { error: String(error) });
  rpcError(res, 500, 'Internal server error', -32603);
}
