// Listing a collection as the API server sends it. client-node's typed and generic list calls
// deserialize items into model classes (Date objects, dropped unknown fields), while the watch
// delivers plain JSON; the informer cache must hold one shape, so lists are read raw too.
import { request } from 'node:https';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Selectors } from '../kube/index.js';

/** GET `path` (an API path with optional query) and parse the JSON body; rejects with `statusCode` on HTTP errors. */
export function getJson<T>(kc: KubeConfig, path: string, headers: Record<string, string> = {}): Promise<T> {
  return requestJson<T>(kc, 'GET', path, undefined, headers);
}

/** One API request with a JSON (or apply-YAML) body, as is: no model serialization renames fields. */
export async function requestJson<T>(
  kc: KubeConfig,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const options: Parameters<typeof request>[1] = {
    method,
    headers: {
      accept: 'application/json',
      ...(payload
        ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
        : {}),
      ...headers,
    },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise<T>((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 400) {
          reject(
            Object.assign(
              new Error(`${method} ${url.pathname}: HTTP ${res.statusCode}: ${text.slice(0, 2000)}`),
              {
                statusCode: res.statusCode,
                body: text,
              },
            ),
          );
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch (error) {
          reject(error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Lists `collection`; items get `apiVersion` and `kind` (list responses leave them out of built-in kinds). */
export async function listRaw<T extends KubernetesObject>(
  kc: KubeConfig,
  collection: string,
  type: { apiVersion: string; kind: string },
  selectors: Selectors,
): Promise<KubernetesListObject<T>> {
  const query = new URLSearchParams();
  if (selectors.labelSelector) query.set('labelSelector', selectors.labelSelector);
  if (selectors.fieldSelector) query.set('fieldSelector', selectors.fieldSelector);
  const q = query.toString();
  const list = await getJson<KubernetesListObject<T>>(kc, q ? `${collection}?${q}` : collection);
  for (const item of list.items ?? []) {
    item.apiVersion ??= type.apiVersion;
    item.kind ??= type.kind;
  }
  return list;
}
