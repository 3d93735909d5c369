// A stand-in for HashiCorp Vault's HTTP API, for tests only: a node:http server
// on 127.0.0.1 that answers KV secret reads with Vault's wire format. KV v2
// mounts serve `GET /v1/<mount>/data/<path>` as
// `{request_id, lease_id, renewable, lease_duration, data: {data, metadata}, …}`;
// KV v1 mounts serve `GET /v1/<mount>/<path>` as `{…, data: {…}}`. A missing or
// wrong `X-Vault-Token` gets 403 `{"errors":["permission denied"]}`, an unknown
// path 404 `{"errors":[]}`, as Vault answers.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VaultStandInOptions {
  token: string;
  /** KV version 2 mounts: mount → secret path → key/value data. */
  kv2?: Record<string, Record<string, Record<string, unknown>>>;
  /** KV version 1 mounts: mount → secret path → key/value data. */
  kv1?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface VaultStandIn {
  address: string;
  /** Every request's path, in order. */
  requests: { path: string; token: string | undefined }[];
  close(): Promise<void>;
}

export async function startVaultStandIn(options: VaultStandInOptions): Promise<VaultStandIn> {
  const requests: VaultStandIn['requests'] = [];
  const server = createServer((req, res) => {
    const token = header(req, 'x-vault-token');
    const path = new URL(req.url ?? '/', 'http://vault').pathname;
    requests.push({ path, token });
    if (req.method !== 'GET') return send(res, 405, { errors: ['unsupported operation'] });
    if (token !== options.token) return send(res, 403, { errors: ['permission denied'] });
    const [v1, mount, ...rest] = path.split('/').filter((s) => s !== '');
    if (v1 !== 'v1' || mount === undefined) return send(res, 404, { errors: [] });

    const kv2 = options.kv2?.[mount];
    if (kv2) {
      const [data, ...secretPath] = rest;
      const secret = data === 'data' ? kv2[secretPath.join('/')] : undefined;
      if (!secret) return send(res, 404, { errors: [] });
      return send(
        res,
        200,
        envelope({
          data: secret,
          metadata: {
            created_time: '2026-01-01T00:00:00.000000Z',
            custom_metadata: null,
            deletion_time: '',
            destroyed: false,
            version: 1,
          },
        }),
      );
    }
    const secret = options.kv1?.[mount]?.[rest.join('/')];
    if (!secret) return send(res, 404, { errors: [] });
    return send(res, 200, { ...envelope(secret), lease_duration: 2764800 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function envelope(data: unknown) {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
