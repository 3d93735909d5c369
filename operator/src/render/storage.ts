// Which volumes a project needs (DuckDB file, audit log) and the claims the
// operator creates for them. An existing claim is used as is.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { MxcpProject } from '../api/index.js';
import { childNames, labels } from './names.js';
import type { PodStorage } from './pod.js';

interface StorageSpec {
  size?: string | number;
  storageClassName?: string;
  accessModes?: string[];
  existingClaim?: string;
}

const DEFAULT_SIZE = '1Gi';

export function podStorage(project: MxcpProject): PodStorage {
  const names = childNames(project);
  const duckdb = project.spec.duckdb;
  const audit = project.spec.audit;
  const mode = duckdb?.mode ?? 'ephemeral';
  return {
    duckdbClaim: mode === 'ephemeral' ? undefined : (duckdb?.storage?.existingClaim ?? names.duckdbClaim),
    duckdbReadOnly: mode === 'readonly',
    auditClaim: audit?.enabled ? (audit.storage?.existingClaim ?? names.auditClaim) : undefined,
  };
}

export function renderClaims(project: MxcpProject): V1PersistentVolumeClaim[] {
  const names = childNames(project);
  const claims: V1PersistentVolumeClaim[] = [];
  const duckdb = project.spec.duckdb;
  if (duckdb && duckdb.mode !== 'ephemeral' && !duckdb.storage?.existingClaim) {
    claims.push(claim(project, names.duckdbClaim, duckdb.storage ?? {}));
  }
  const audit = project.spec.audit;
  if (audit?.enabled && !audit.storage?.existingClaim)
    claims.push(claim(project, names.auditClaim, audit.storage ?? {}));
  return claims;
}

/** Whether pods on different nodes can mount the claim read-write at once. */
export function sharedWritable(storage: StorageSpec | undefined): boolean {
  return Boolean(storage?.existingClaim) || (storage?.accessModes ?? []).includes('ReadWriteMany');
}

function claim(project: MxcpProject, name: string, storage: StorageSpec): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, ...namespaced(project), labels: labels(project, 'storage') },
    spec: {
      accessModes: storage.accessModes ?? ['ReadWriteOnce'],
      ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
      resources: { requests: { storage: String(storage.size ?? DEFAULT_SIZE) } },
    },
  };
}

export function namespaced(project: MxcpProject): { namespace?: string } {
  return project.metadata.namespace ? { namespace: project.metadata.namespace } : {};
}
