// Listeners for the admin API: a TCP port (DESIGN §5; the operator's way in) and MXCP's Unix
// socket (MXCP-SPEC §11; `MXCP_ADMIN_ENABLED`, `MXCP_ADMIN_SOCKET`), created with mode 0600;
// and the optional metrics-only port (`--metrics-port`).
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import express, { type RequestHandler } from 'express';
import { httpUrl } from '../banner.js';
import type { ServerLogger } from '../mcp.js';
import { adminHttpApp, adminSocketApp } from './routes.js';
import { readAdminToken } from './token.js';
import type { AdminContext } from './views.js';

export const DEFAULT_ADMIN_PORT = 8081;
export const DEFAULT_ADMIN_SOCKET = '/run/mxcp/mxcp.sock';

export interface AdminHandle {
  /** `http://host:port`, or the socket path. */
  address: string;
  port?: number;
  close(): Promise<void>;
}

export interface AdminHttpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  tokenFile: string;
  logger?: ServerLogger;
}

export async function startAdminHttp(ctx: AdminContext, opts: AdminHttpOptions): Promise<AdminHandle> {
  // Fail at startup, not at the first request, when the token is missing.
  readAdminToken(opts.tokenFile);
  const server = createServer(adminHttpApp(ctx, opts.tokenFile, opts.logger));
  await listen(server, (s, cb) => s.listen(opts.port, opts.host, cb));
  const port = (server.address() as AddressInfo).port;
  const url = httpUrl(opts.host, port);
  opts.logger?.info('admin API listening', { url });
  return { address: url, port, close: () => closeServer(server) };
}

/** A listener serving only GET /metrics, for scrapers kept off the admin port. */
export async function startMetricsHttp(
  host: string,
  port: number,
  metrics: RequestHandler,
): Promise<AdminHandle> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metrics);
  const server = createServer(app);
  await listen(server, (s, cb) => s.listen(port, host, cb));
  const bound = (server.address() as AddressInfo).port;
  return { address: `${httpUrl(host, bound)}/metrics`, port: bound, close: () => closeServer(server) };
}

export async function startAdminSocket(
  ctx: AdminContext,
  path: string,
  logger?: ServerLogger,
): Promise<AdminHandle> {
  mkdirSync(dirname(path), { recursive: true });
  removeStaleSocket(path);
  const server = createServer(adminSocketApp(ctx, logger));
  // Create the socket owner-only from the start, not only after the chmod below.
  const previous = process.umask(0o177);
  try {
    await listen(server, (s, cb) => s.listen(path, cb));
  } finally {
    process.umask(previous);
  }
  chmodSync(path, 0o600);
  logger?.info('admin socket listening', { path });
  return {
    address: path,
    close: async () => {
      await closeServer(server);
      removeStaleSocket(path);
    },
  };
}

function removeStaleSocket(path: string): void {
  try {
    if (!lstatSync(path).isSocket())
      throw new Error(`Admin socket path '${path}' exists and is not a socket`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  unlinkSync(path);
}

function listen(server: Server, start: (s: Server, cb: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(server, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // A reload request may be waiting for secrets; shutdown does not wait for it.
    server.closeAllConnections();
  });
}
