// The pod pieces shared by the worker Deployment, its init container and the
// audit-cleanup CronJob: volumes (Secrets mounted whole, never with subPath, so
// the kubelet updates rotated values in place), environment, and the
// restricted, non-root security context.
import type {
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { MxcpProject } from '../api/index.js';
import { DEFAULT_ADMIN_PORT } from '../api/index.js';
import { authEnv, enabledAuth, needsGeneratedAuthKey } from './auth.js';
import { encodeConfigMapKey } from './files.js';
import { PATHS, childNames, secretDir, secretVolumeName } from './names.js';

export const WORKER_UID = 1000;

/** Every Secret the workers read values from; their data is what the reload hash covers. */
export function referencedSecrets(project: MxcpProject): string[] {
  const names = new Set<string>();
  for (const secret of project.spec.secrets ?? []) names.add(secret.secretRef.name);
  const auth = enabledAuth(project);
  if (auth) {
    if (auth.clientSecretRef) names.add(auth.clientSecretRef.name);
    if (auth.encryptionKeySecretRef) names.add(auth.encryptionKeySecretRef.name);
  }
  return [...names].sort();
}

export interface PodStorage {
  /** The DuckDB volume: a claim name, or undefined for a per-pod emptyDir. */
  duckdbClaim?: string;
  duckdbReadOnly: boolean;
  /** The audit volume's claim, when audit is enabled. */
  auditClaim?: string;
}

export function podVolumes(project: MxcpProject, files: string[], storage: PodStorage): V1Volume[] {
  const names = childNames(project);
  const volumes: V1Volume[] = [
    {
      name: 'project',
      configMap: {
        name: names.files,
        // Paths need items: a key cannot hold "/". Sorted for a stable template.
        items: [...files].sort().map((path) => ({ key: encodeConfigMapKey(path), path })),
      },
    },
    { name: 'user-config', secret: { secretName: names.userConfig } },
    { name: 'admin-token', secret: { secretName: names.adminToken } },
    ...(needsGeneratedAuthKey(project)
      ? [{ name: 'auth-keys', secret: { secretName: names.authKeys } }]
      : []),
    ...referencedSecrets(project).map((secretName) => ({
      name: secretVolumeName(secretName),
      secret: { secretName },
    })),
    storage.duckdbClaim
      ? {
          name: 'data',
          persistentVolumeClaim: { claimName: storage.duckdbClaim, readOnly: storage.duckdbReadOnly },
        }
      : { name: 'data', emptyDir: {} },
    { name: 'state', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
  ];
  if (storage.auditClaim)
    volumes.push({ name: 'audit', persistentVolumeClaim: { claimName: storage.auditClaim } });
  return volumes;
}

export function volumeMounts(project: MxcpProject, storage: PodStorage): V1VolumeMount[] {
  const mounts: V1VolumeMount[] = [
    { name: 'project', mountPath: PATHS.project, readOnly: true },
    { name: 'user-config', mountPath: PATHS.configDir, readOnly: true },
    { name: 'admin-token', mountPath: PATHS.adminTokenDir, readOnly: true },
    ...(needsGeneratedAuthKey(project)
      ? [{ name: 'auth-keys', mountPath: PATHS.authKeysDir, readOnly: true }]
      : []),
    ...referencedSecrets(project).map((secretName) => ({
      name: secretVolumeName(secretName),
      mountPath: secretDir(secretName),
      readOnly: true,
    })),
    { name: 'data', mountPath: PATHS.data, ...(storage.duckdbReadOnly ? { readOnly: true } : {}) },
    { name: 'state', mountPath: PATHS.state },
    { name: 'tmp', mountPath: PATHS.tmp },
  ];
  if (storage.auditClaim) mounts.push({ name: 'audit', mountPath: PATHS.audit });
  return mounts;
}

/** The worker's settings that come from the cluster rather than from the project files. */
export function workerEnv(project: MxcpProject, profile: string, storage: PodStorage): V1EnvVar[] {
  const duckdb = project.spec.duckdb;
  const env: V1EnvVar[] = [
    { name: 'MXCP_CONFIG', value: PATHS.configFile },
    { name: 'MXCP_PROFILE', value: profile },
    { name: 'MXCP_DUCKDB_PATH', value: `${PATHS.data}/${duckdb?.file ?? 'mxcp.duckdb'}` },
    { name: 'MXCP_READONLY', value: String(storage.duckdbReadOnly) },
    { name: 'MXCP_AUDIT_ENABLED', value: String(Boolean(project.spec.audit?.enabled)) },
    { name: 'MXCP_ADMIN_PORT', value: String(project.spec.admin?.port ?? DEFAULT_ADMIN_PORT) },
    { name: 'MXCP_ADMIN_TOKEN_FILE', value: PATHS.adminTokenFile },
    { name: 'MXCP_SECRETS_DIR', value: PATHS.secrets },
    ...authEnv(project),
    // The root filesystem is read-only: anything written under ~ lands in /tmp.
    { name: 'HOME', value: PATHS.tmp },
  ];
  return env;
}

export const POD_SECURITY_CONTEXT: V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: WORKER_UID,
  runAsGroup: WORKER_UID,
  // Volumes (PVCs) writable by the worker's group.
  fsGroup: WORKER_UID,
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
};

export const CONTAINER_SECURITY_CONTEXT: V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: WORKER_UID,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** A container running `mxcp <args>` with the project mounted as its working directory. */
export function mxcpContainer(
  project: MxcpProject,
  image: string,
  name: string,
  args: string[],
  env: V1EnvVar[],
  mounts: V1VolumeMount[],
): V1Container {
  return {
    name,
    image,
    ...(project.spec.imagePullPolicy ? { imagePullPolicy: project.spec.imagePullPolicy } : {}),
    command: ['mxcp'],
    args,
    workingDir: PATHS.project,
    env,
    volumeMounts: mounts,
    securityContext: CONTAINER_SECURITY_CONTEXT,
  };
}
