// Object keys shared by the informer cache and the work queue: `namespace/name` for namespaced
// objects and `name` for cluster-scoped ones (client-go's MetaNamespaceKeyFunc).

import type { KubernetesObject } from '@kubernetes/client-node';

export function cacheKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function objectKey(obj: KubernetesObject): string {
  return cacheKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}

/** The inverse of cacheKey: `{ namespace: undefined }` for a cluster-scoped key. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
