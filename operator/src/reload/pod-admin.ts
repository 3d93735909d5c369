// The operator's side of a worker pod's admin API (DESIGN §6): `GET /admin/status` tells which
// secrets hash the running configuration was loaded from, `POST /admin/reload {"secretsHash": H}`
// asks the worker to wait until its mounted Secrets hash to H and reload. Bearer token from the
// project's generated admin-token Secret. Every call is bounded by the caller's AbortSignal.

/** What a pod answered: the hash it runs, or why it did not take H. */
export type AdminAnswer =
  | { ok: true; secretsHash: string }
  | { ok: false; message: string; secretsHash?: string };

export interface PodAdmin {
  status(baseUrl: string, token: string, signal: AbortSignal): Promise<AdminAnswer>;
  reload(baseUrl: string, token: string, secretsHash: string, signal: AbortSignal): Promise<AdminAnswer>;
}

/** `http://<pod IP>:<admin port>` (IPv6 addresses bracketed). */
export function podAdminUrl(ip: string, port: number): string {
  return ip.includes(':') ? `http://[${ip}]:${port}` : `http://${ip}:${port}`;
}

async function call(url: string, init: RequestInit): Promise<AdminAnswer> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError'
        ? 'no answer in time'
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, message: `${new URL(url).pathname}: ${why}` };
  }
  const text = await res.text().catch(() => '');
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page): the status code says enough.
  }
  const hash = typeof body.secretsHash === 'string' ? body.secretsHash : undefined;
  if (res.ok && hash !== undefined) return { ok: true, secretsHash: hash };
  const detail =
    typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : '';
  return {
    ok: false,
    message: `${new URL(url).pathname}: HTTP ${res.status}${detail ? `: ${detail.slice(0, 300)}` : ''}`,
    ...(hash !== undefined ? { secretsHash: hash } : {}),
  };
}

/** The admin API over plain HTTP with fetch (pods are reached by IP inside the cluster network). */
export const httpPodAdmin: PodAdmin = {
  status: (baseUrl, token, signal) =>
    call(`${baseUrl}/admin/status`, { headers: { authorization: `Bearer ${token}` }, signal }),
  reload: (baseUrl, token, secretsHash, signal) =>
    call(`${baseUrl}/admin/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ secretsHash }),
      signal,
    }),
};
