// The operator's HTTP endpoints: /healthz (liveness: the process is alive and not wedged) and /readyz
// (readiness, decided by the manager) on the probe port, /metrics on the metrics port; one server
// when both ports are the same. Plain node:http: three GET routes need no framework.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Readiness {
  ready: boolean;
  /** Why (shown in the /readyz body; e.g. "leading, informers synced", "standby", "shutting down"). */
  reason: string;
}

export interface EndpointHandlers {
  readiness(): Readiness;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface EndpointOptions {
  bindAddress: string;
  metricsPort: number;
  healthPort: number;
}

export interface BoundEndpoints {
  metricsPort: number;
  healthPort: number;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body + '\n');
}

function serve(routes: Record<string, Route>): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[path];
    if (!route) return text(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed');
    Promise.resolve(route(req, res)).catch((error: unknown) => {
      if (!res.headersSent) text(res, 500, error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Scrapers and probes keep connections alive; do not wait for them.
    server.closeAllConnections();
  });
}

export async function startEndpoints(
  options: EndpointOptions,
  handlers: EndpointHandlers,
): Promise<BoundEndpoints> {
  const probes: Record<string, Route> = {
    '/healthz': (_req, res) => text(res, 200, 'ok'),
    '/readyz': (_req, res) => {
      const { ready, reason } = handlers.readiness();
      text(res, ready ? 200 : 503, reason);
    },
  };
  const metrics: Record<string, Route> = {
    '/metrics': async (_req, res) => {
      const { contentType, body } = await handlers.metrics();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    },
  };
  const { bindAddress, metricsPort, healthPort } = options;
  if (metricsPort === healthPort && metricsPort !== 0) {
    const server = serve({ ...probes, ...metrics });
    const port = await listen(server, metricsPort, bindAddress);
    return { metricsPort: port, healthPort: port, close: () => close(server) };
  }
  const healthServer = serve(probes);
  const metricsServer = serve(metrics);
  const boundHealth = await listen(healthServer, healthPort, bindAddress);
  let boundMetrics: number;
  try {
    boundMetrics = await listen(metricsServer, metricsPort, bindAddress);
  } catch (error) {
    await close(healthServer);
    throw error;
  }
  return {
    metricsPort: boundMetrics,
    healthPort: boundHealth,
    close: async () => {
      await Promise.all([close(healthServer), close(metricsServer)]);
    },
  };
}
