// The legacy HTTP+SSE transport (`--transport sse`): `GET /sse` opens the event
// stream and names the POST URL; `POST /messages/?sessionId=…` carries requests.
// MXCP (FastMCP) advertises `/messages/`; `/messages` is accepted too.
import type { Router } from 'express';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { ServerLogger } from './mcp.js';
import { rpcError, type MountedTransport } from './streamable.js';

export const SSE_PATH = '/sse';
export const SSE_MESSAGES_PATH = '/messages/';

interface Session {
  server: Server;
  transport: SSEServerTransport;
}

export function mountLegacySse(
  router: Router,
  newServer: () => Server,
  logger?: ServerLogger,
): MountedTransport {
  const sessions = new Map<string, Session>();

  router.get(SSE_PATH, async (_req, res) => {
    // Deprecated in the SDK, but it is exactly what `--transport sse` clients speak.
    const transport = new SSEServerTransport(SSE_MESSAGES_PATH, res);
    const server = newServer();
    sessions.set(transport.sessionId, { server, transport });
    res.on('close', () => {
      if (sessions.delete(transport.sessionId)) void server.close().catch(() => undefined);
    });
    try {
      await server.connect(transport);
    } catch (error) {
      sessions.delete(transport.sessionId);
      logger?.error('SSE connection failed', { error: String(error) });
      rpcError(res, 500, 'Internal server error', -32603);
    }
  });

  router.post(['/messages', SSE_MESSAGES_PATH], async (req, res) => {
    const sessionId = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    const session = sessions.get(sessionId);
    if (!session) {
      rpcError(
        res,
        sessionId ? 404 : 400,
        sessionId ? 'Session not found' : 'Bad Request: sessionId query parameter required',
      );
      return;
    }
    await session.transport.handlePostMessage(req, res, req.body);
  });

  return {
    get sessionCount() {
      return sessions.size;
    },
    async closeAll() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(all.map((s) => s.server.close()));
    },
  };
}
