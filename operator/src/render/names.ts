// Names, labels and paths of everything rendered for one MxcpProject. Children
// carry the app.kubernetes.io/* labels only: never the CR's own labels or
// annotations (ArgoCD would treat the children as its own resources).
import { createHash } from 'node:crypto';
import type { MxcpProject } from '../api/index.js';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
} as const;

export const APP_NAME = 'mxcp-worker';
export const MANAGER = 'mxcp-operator';
/** Pod-template annotation: changes whenever the pods must restart to see a change. */
export const RESTART_HASH_ANNOTATION = 'mxcp.dev/restart-hash';

export type Component = 'server' | 'config' | 'admin' | 'auth' | 'storage' | 'audit-cleanup';

/** Where things are inside worker and cleanup pods. */
export const PATHS = {
  project: '/etc/mxcp/project',
  configDir: '/etc/mxcp/config',
  configFile: '/etc/mxcp/config/config.yml',
  adminTokenDir: '/var/run/mxcp/admin',
  adminTokenFile: '/var/run/mxcp/admin/token',
  authKeysDir: '/var/run/mxcp/auth',
  secrets: '/var/run/mxcp/secrets',
  data: '/var/lib/mxcp/data',
  audit: '/var/lib/mxcp/audit',
  state: '/var/lib/mxcp/state',
  tmp: '/tmp',
} as const;

export const USER_CONFIG_KEY = 'config.yml';
export const ADMIN_TOKEN_KEY = 'token';
/** Key of the generated `<name>-auth-keys` Secret: the token sealing keys, one per line. */
export const AUTH_KEYS_KEY = 'keys';

export function childNames(project: MxcpProject) {
  const cr = project.metadata.name;
  return {
    service: cr,
    deployment: cr,
    podDisruptionBudget: cr,
    files: `${cr}-files`,
    userConfig: `${cr}-config`,
    adminToken: `${cr}-admin-token`,
    authKeys: `${cr}-auth-keys`,
    duckdbClaim: `${cr}-duckdb`,
    auditClaim: `${cr}-audit`,
    cleanup: `${cr}-log-cleanup`,
  };
}

/** Labels that select the worker pods (the Deployment selector: never change them). */
export function selectorLabels(project: MxcpProject): Record<string, string> {
  return {
    [LABELS.name]: APP_NAME,
    [LABELS.instance]: project.metadata.name,
    [LABELS.component]: 'server',
  };
}

export function labels(project: MxcpProject, component: Component): Record<string, string> {
  return {
    [LABELS.name]: APP_NAME,
    [LABELS.instance]: project.metadata.name,
    [LABELS.component]: component,
    [LABELS.managedBy]: MANAGER,
  };
}

/** The folder a referenced Secret is mounted at, and the file:// reference of one of its keys. */
export function secretDir(secretName: string): string {
  return `${PATHS.secrets}/${secretName}`;
}

export function secretFileRef(secretName: string, key: string): string {
  return `file://${secretDir(secretName)}/${key}`;
}

/** A volume name for a Secret: readable when the name is a DNS label, hashed otherwise. */
export function secretVolumeName(secretName: string): string {
  const readable = `secret-${secretName}`;
  if (readable.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(readable)) return readable;
  return `secret-${createHash('sha256').update(secretName).digest('hex').slice(0, 16)}`;
}

/** In-cluster URL of the MCP endpoint (the Service), for status.url. */
export function serviceUrl(project: MxcpProject, port: number): string {
  const namespace = project.metadata.namespace ?? 'default';
  return `http://${childNames(project).service}.${namespace}.svc:${port}/mcp`;
}
