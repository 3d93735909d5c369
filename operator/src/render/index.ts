// render: a pure function from an MxcpProject (plus what the controller read
// from the cluster) to the desired child objects, in a stable order. No I/O,
// no clock, no randomness: the admin token and the auth sealing key come in `refs`. Children carry no
// ownerReferences (the controller adds them) and none of the CR's labels.
import type { KubernetesObject, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { MxcpProject } from '../api/index.js';
import { renderCleanupCronJob } from './cleanup.js';
import { encodeConfigMapKey, readSite, renderedFiles } from './files.js';
import { authKeySource } from './auth.js';
import { restartHash } from './hash.js';
import { ADMIN_TOKEN_KEY, AUTH_KEYS_KEY, USER_CONFIG_KEY, childNames, labels } from './names.js';
import { RenderError } from './problems.js';
import { namespaced, podStorage, renderClaims } from './storage.js';
import { renderUserConfig } from './user-config.js';
import { validateProject, withDefaults } from './validate.js';
import { renderDeployment, renderPodDisruptionBudget, renderService, serveArgs } from './workload.js';

export interface ResolvedRefs {
  /** The project files of spec.configMapRef, by path (see decodeConfigMapFiles). */
  files?: Record<string, string>;
  /** The admin API bearer token: read from the existing Secret, or generated once by the controller. */
  adminToken: string;
  /**
   * The OAuth token sealing key of the generated `<name>-auth-keys` Secret (generated once by the
   * controller, then read back from the Secret). Needed when auth is on without encryptionKeySecretRef.
   */
  authSigningKey?: string;
  /** Worker image when spec.image is not set. */
  defaultImage: string;
}

export type RenderOptions = Record<string, never>;

export function render(
  project: MxcpProject,
  refs: ResolvedRefs,
  _options: RenderOptions = {},
): KubernetesObject[] {
  const problems = validateProject(project, refs);
  if (problems.length > 0) throw new RenderError(problems);
  const cr = withDefaults(project).project;
  const spec = cr.spec;
  const source = spec.files ?? refs.files;
  if (!source) {
    throw new RenderError([
      {
        field: 'spec.configMapRef',
        message: `the files of ConfigMap '${spec.configMapRef?.name}' were not resolved`,
      },
    ]);
  }
  const site = readSite(source, spec.profile);
  if (Array.isArray(site)) throw new RenderError(site);

  const names = childNames(cr);
  const image = spec.image ?? refs.defaultImage;
  const files = renderedFiles(cr, source, site);
  const paths = Object.keys(files).sort();
  const userConfig = renderUserConfig(cr, site.project, site.profile);
  const storage = podStorage(cr);
  const keySource = authKeySource(cr);
  const signingKey = keySource?.kind === 'generated' ? requiredSigningKey(refs) : undefined;
  const hash = restartHash({
    files,
    userConfig,
    image,
    args: serveArgs(cr, site.profile),
    // Where the keys come from is structure (a different key file); their value is not.
    authKeys:
      keySource &&
      (keySource.kind === 'generated' ? 'generated' : `secret:${keySource.name}/${keySource.key}`),
  });

  const objects: KubernetesObject[] = [
    configMap(cr, names.files, files),
    secret(cr, names.userConfig, 'config', { [USER_CONFIG_KEY]: userConfig }),
    secret(cr, names.adminToken, 'admin', { [ADMIN_TOKEN_KEY]: refs.adminToken }),
    ...(signingKey !== undefined
      ? [secret(cr, names.authKeys, 'auth', { [AUTH_KEYS_KEY]: signingKey })]
      : []),
    ...renderClaims(cr),
    renderService(cr),
    renderDeployment(cr, { image, profile: site.profile, files: paths, storage, restartHash: hash }),
  ];
  if ((spec.replicas ?? 1) > 1) objects.push(renderPodDisruptionBudget(cr));
  if (spec.audit?.enabled) {
    // The cleanup pod needs the audit volume only; a ReadWriteOnce DuckDB volume would pin it to the worker's node.
    const cleanupStorage = { ...storage, duckdbClaim: undefined, duckdbReadOnly: false };
    objects.push(renderCleanupCronJob(cr, image, site.profile, paths, cleanupStorage));
  }
  return objects;
}

/** The caller's duty (the controller generates the key), not a problem of the CR. */
function requiredSigningKey(refs: ResolvedRefs): string {
  if (!refs.authSigningKey)
    throw new Error('render: auth is on without encryptionKeySecretRef, and refs.authSigningKey is missing');
  return refs.authSigningKey;
}

function configMap(project: MxcpProject, name: string, files: Record<string, string>): V1ConfigMap {
  const data = Object.fromEntries(
    Object.keys(files)
      .sort()
      .map((path) => [encodeConfigMapKey(path), files[path]]),
  );
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...namespaced(project), labels: labels(project, 'config') },
    data,
  };
}

function secret(
  project: MxcpProject,
  name: string,
  component: 'config' | 'admin' | 'auth',
  data: Record<string, string>,
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...namespaced(project), labels: labels(project, component) },
    type: 'Opaque',
    // `data`, not `stringData`: stringData is write-only and never matches on the next apply.
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
    ),
  };
}

export { RenderError, formatProblem } from './problems.js';
export type { Problem } from './problems.js';
export { validateProject, withDefaults } from './validate.js';
export { decodeConfigMapFiles, encodeConfigMapKey, SITE_FILE } from './files.js';
export { checkSchedule } from './cleanup.js';
export { referencedSecrets } from './pod.js';
export { canonicalJson, sha256 } from './hash.js';
export { isStateless } from './user-config.js';
export { AUTH_ENV, authKeySource, needsGeneratedAuthKey } from './auth.js';
export type { AuthKeySource } from './auth.js';
export {
  ADMIN_TOKEN_KEY,
  AUTH_KEYS_KEY,
  APP_NAME,
  LABELS,
  MANAGER,
  PATHS,
  RESTART_HASH_ANNOTATION,
  USER_CONFIG_KEY,
  childNames,
  labels,
  selectorLabels,
  serviceUrl,
} from './names.js';

/** The files the worker mounts (with the merged mxcp-site.yml): what pre-flight validates. */
export function projectFiles(
  project: MxcpProject,
  refs: Pick<ResolvedRefs, 'files'>,
): Record<string, string> {
  const problems = validateProject(project, refs);
  if (problems.length > 0) throw new RenderError(problems);
  const cr = withDefaults(project).project;
  const source = cr.spec.files ?? refs.files ?? {};
  const site = readSite(source, cr.spec.profile);
  if (Array.isArray(site)) throw new RenderError(site);
  return renderedFiles(cr, source, site);
}

/** Objects as a YAML stream (`---` before each), the form kubectl apply -f - reads; no anchors. */
export function toYamlStream(objects: readonly KubernetesObject[]): string {
  return objects
    .map((o) => `---\n${stringify(o, { lineWidth: 0, singleQuote: true, aliasDuplicateObjects: false })}`)
    .join('');
}
