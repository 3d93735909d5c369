// The Secrets and ConfigMaps a project references: resolving them from the informer caches (files
// of spec.configMapRef, presence of every Secret and key, the secrets hash the workers should load)
// and the reference index that maps a Secret or ConfigMap back to the projects that use it, so a
// change there enqueues them.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { MxcpProject } from '../api/index.js';
import { decodeConfigMapFiles, referencedSecrets, type Problem } from '../render/index.js';
import { hashSecretEntries } from '../../../worker/src/config/secrets-hash.js';
import { REASONS, type ConfigVerdict } from './status.js';

/** Read access to a cache of namespaced objects (an Informer). */
export interface ObjectStore<T> {
  get(namespace: string | undefined, name: string): T | undefined;
}

export interface ResolvedReferences {
  /** Files of spec.configMapRef, by path. */
  files?: Record<string, string>;
  /** Set when a reference is missing (a permanent problem until the object appears). */
  invalid?: ConfigVerdict;
  /** hashSecretEntries over `<secret>/<key>` of every referenced Secret (as mounted). */
  secretsHash?: string;
}

interface SecretUse {
  field: string;
  name: string;
  keys: Array<{ field: string; key: string }>;
}

function secretUses(project: MxcpProject): SecretUse[] {
  const uses: SecretUse[] = (project.spec.secrets ?? []).map((s, i) => ({
    field: `spec.secrets[${i}]`,
    name: s.secretRef.name,
    keys: Object.entries(s.keys ?? {}).map(([param, key]) => ({
      field: `spec.secrets[${i}].keys.${param}`,
      key,
    })),
  }));
  const auth = project.spec.auth;
  if (auth && (auth.provider ?? 'none') !== 'none') {
    for (const ref of ['clientSecretRef', 'encryptionKeySecretRef'] as const) {
      const r = auth[ref];
      if (r)
        uses.push({
          field: `spec.auth.${ref}`,
          name: r.name,
          keys: [{ field: `spec.auth.${ref}.key`, key: r.key }],
        });
    }
  }
  return uses;
}

export function resolveReferences(
  project: MxcpProject,
  secrets: ObjectStore<V1Secret>,
  configMaps: ObjectStore<V1ConfigMap>,
): ResolvedReferences {
  const namespace = project.metadata.namespace;
  const problems: Problem[] = [];
  let reason: ConfigVerdict['reason'] | undefined;
  const note = (r: ConfigVerdict['reason'], p: Problem) => {
    reason ??= r;
    problems.push(p);
  };

  let files: Record<string, string> | undefined;
  const cmName = project.spec.configMapRef?.name;
  if (cmName) {
    const cm = configMaps.get(namespace, cmName);
    if (!cm) {
      note(REASONS.configMapNotFound, {
        field: 'spec.configMapRef.name',
        message: `ConfigMap '${cmName}' not found in namespace ${namespace}: create it with the project files`,
      });
    } else {
      files = decodeConfigMapFiles({ ...(cm.data ?? {}) });
    }
  }

  for (const use of secretUses(project)) {
    const secret = secrets.get(namespace, use.name);
    if (!secret) {
      note(REASONS.secretNotFound, {
        field: `${use.field}${use.field.startsWith('spec.secrets') ? '.secretRef' : ''}.name`,
        message: `Secret '${use.name}' not found in namespace ${namespace} (label it mxcp.dev/watch=true and the operator sees it at once; otherwise within a minute)`,
      });
      continue;
    }
    for (const { field, key } of use.keys) {
      if (!(key in (secret.data ?? {}))) {
        note(REASONS.secretKeyNotFound, {
          field,
          message: `Secret '${use.name}' has no key '${key}' (it has: ${
            Object.keys(secret.data ?? {})
              .sort()
              .join(', ') || 'no keys'
          })`,
        });
      }
    }
  }
  if (problems.length > 0) return { files, invalid: { reason: reason!, problems } };

  const entries: Array<[string, Buffer]> = [];
  for (const name of referencedSecrets(project)) {
    const data = secrets.get(namespace, name)?.data ?? {};
    for (const [key, value] of Object.entries(data))
      entries.push([`${name}/${key}`, Buffer.from(value, 'base64')]);
  }
  return { files, secretsHash: hashSecretEntries(entries) };
}

/** Index keys of the objects a project references: `Secret/ns/name`, `ConfigMap/ns/name`. */
export function referenceKeys(project: MxcpProject): string[] {
  const namespace = project.metadata.namespace ?? '';
  const keys = new Set<string>();
  for (const s of project.spec?.secrets ?? []) keys.add(`Secret/${namespace}/${s.secretRef.name}`);
  const auth = project.spec?.auth;
  if (auth?.clientSecretRef) keys.add(`Secret/${namespace}/${auth.clientSecretRef.name}`);
  if (auth?.encryptionKeySecretRef) keys.add(`Secret/${namespace}/${auth.encryptionKeySecretRef.name}`);
  if (project.spec?.configMapRef) keys.add(`ConfigMap/${namespace}/${project.spec.configMapRef.name}`);
  return [...keys];
}

/** Referenced object → projects that reference it (project keys `namespace/name`). */
export class ReferenceIndex {
  private readonly byRef = new Map<string, Set<string>>();
  private readonly byProject = new Map<string, string[]>();

  /** Records the references of `projectKey`, replacing what it referenced before. */
  set(projectKey: string, refs: string[]): void {
    this.remove(projectKey);
    this.byProject.set(projectKey, refs);
    for (const ref of refs) {
      let projects = this.byRef.get(ref);
      if (!projects) this.byRef.set(ref, (projects = new Set()));
      projects.add(projectKey);
    }
  }

  remove(projectKey: string): void {
    for (const ref of this.byProject.get(projectKey) ?? []) {
      const projects = this.byRef.get(ref);
      projects?.delete(projectKey);
      if (projects?.size === 0) this.byRef.delete(ref);
    }
    this.byProject.delete(projectKey);
  }

  projectsFor(kind: string, namespace: string | undefined, name: string): string[] {
    return [...(this.byRef.get(`${kind}/${namespace ?? ''}/${name}`) ?? [])];
  }
}
