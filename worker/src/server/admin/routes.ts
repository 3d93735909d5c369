// The admin routes, mounted twice: on the admin port under /admin (bearer token; DESIGN §5) and
// on MXCP's Unix socket at the root (protected by the socket's file mode; MXCP-SPEC §11).
import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import type { ReloadResult } from '../lifecycle/reload-manager.js';
import type { ServerLogger } from '../mcp.js';
import { SECRETS_HASH, waitForSecretsHash } from './secrets-wait.js';
import { requireAdminToken } from './token.js';
import { configView, endpointsView, healthView, statusView, type AdminContext } from './views.js';

const MAX_BODY = '16kb';

/** The admin port: /health and /ready open (probes), /admin/* behind the bearer token. */
export function adminHttpApp(ctx: AdminContext, tokenFile: string, logger?: ServerLogger): Express {
  const app = baseApp(ctx);
  const admin = express.Router();
  admin.use(requireAdminToken(tokenFile, logger));
  admin.use(express.json({ limit: MAX_BODY }));
  admin.get('/status', (_req, res) => void res.json(statusView(ctx)));
  admin.get('/config', (_req, res) => void res.json(configView(ctx)));
  admin.get('/endpoints', (_req, res) => void res.json(endpointsView(ctx)));
  admin.post('/reload', reloadAndWait(ctx));
  app.use('/admin', admin);
  app.use(jsonErrors);
  return app;
}

/** MXCP's admin socket routes; `POST /reload` answers at once, as MXCP does. */
export function adminSocketApp(ctx: AdminContext, logger?: ServerLogger): Express {
  const app = baseApp(ctx);
  app.get('/status', (_req, res) => void res.json(statusView(ctx)));
  app.get('/config', (_req, res) => void res.json(configView(ctx)));
  app.get('/endpoints', (_req, res) => void res.json(endpointsView(ctx)));
  app.post('/reload', (_req, res) => {
    const requestId = randomUUID();
    if (!ctx.manager.accepting) return void res.status(503).json({ error: 'The server is shutting down' });
    void ctx.manager.reload('socket').then((result) =>
      logger?.info('socket reload finished', {
        reloadRequestId: requestId,
        reloadId: result.id,
        status: result.status,
      }),
    );
    res.json({
      status: 'reload_initiated',
      timestamp: new Date().toISOString(),
      reload_request_id: requestId,
      message: 'Reload request queued; GET /status reports its outcome',
    });
  });
  app.use(jsonErrors);
  return app;
}

function baseApp(ctx: AdminContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => void res.json(healthView()));
  app.get('/ready', (_req, res) => {
    if (!ctx.manager.accepting) res.status(503).json({ status: 'draining' });
    else if (ctx.healthy && !ctx.healthy()) res.status(503).json({ status: 'degraded' });
    else res.json({ status: 'ready' });
  });
  if (ctx.metrics) app.get('/metrics', ctx.metrics);
  return app;
}

/**
 * `POST /admin/reload` with an optional `{"secretsHash": H}`: wait (bounded) until the mounted
 * files hash to H, then reload, and answer with the hash the new configuration was loaded from.
 * 200 reloaded, 400 bad request, 409 the files never matched H, 500 the reload failed (the old
 * configuration keeps serving), 503 shutting down.
 */
function reloadAndWait(ctx: AdminContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const { manager } = ctx;
    const body: unknown = req.body ?? {};
    const expected =
      typeof body === 'object' && body !== null ? (body as { secretsHash?: unknown }).secretsHash : undefined;
    if (expected !== undefined && (typeof expected !== 'string' || !SECRETS_HASH.test(expected))) {
      return void res.status(400).json({ error: 'secretsHash must be a lowercase hex SHA-256 digest' });
    }
    if (expected !== undefined && !manager.secretsDir) {
      return void res.status(400).json({
        error: 'No secrets directory is configured (--secrets-dir), so secretsHash cannot be checked',
      });
    }
    if (!manager.accepting) return void res.status(503).json({ error: 'The server is shutting down' });

    if (expected !== undefined && manager.secretsDir) {
      const gone = new AbortController();
      res.on('close', () => gone.abort());
      const wait = await waitForSecretsHash(
        manager.secretsDir,
        expected,
        ctx.reloadWaitTimeoutMs,
        gone.signal,
      );
      if (gone.signal.aborted && !wait.matched) return;
      if (!wait.matched) {
        return void res.status(409).json({
          status: 'timeout',
          message: `The mounted secrets did not hash to ${expected} within ${ctx.reloadWaitTimeoutMs / 1000} s; not reloaded`,
          expected,
          secretsHashOnDisk: wait.onDisk,
          secretsHash: manager.status().secretsHash,
        });
      }
    }
    const result = await manager.reload('admin');
    res.status(result.status === 'success' ? 200 : 500).json(reloadView(result));
  };
}

function reloadView(result: ReloadResult): Record<string, unknown> {
  return {
    status: result.status === 'success' ? 'reloaded' : 'failed',
    reload_request_id: result.id,
    timestamp: new Date(result.startedAt.getTime() + result.durationMs).toISOString(),
    duration_ms: result.durationMs,
    generation: result.generation,
    secretsHash: result.secretsHash,
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}

// Bodies that are not JSON, or too large, answer as JSON.
const jsonErrors: express.ErrorRequestHandler = (
  error: { status?: number; type?: string },
  _req,
  res,
  next,
) => {
  if (res.headersSent) return next(error);
  if (error?.type === 'entity.parse.failed') return void res.status(400).json({ error: 'invalid JSON body' });
  if (error?.type === 'entity.too.large') return void res.status(413).json({ error: 'body too large' });
  res.status(error?.status ?? 500).json({ error: 'internal error' });
};
