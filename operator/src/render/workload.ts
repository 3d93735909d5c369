// The worker Deployment, its Service and, with several replicas, its
// PodDisruptionBudget. The Service exposes only the MCP port; the admin port
// is reached by the operator pod by pod.
import type { V1Deployment, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import type { MxcpProject } from '../api/index.js';
import { DEFAULT_ADMIN_PORT, MCP_PORT } from '../api/index.js';
import { RESTART_HASH_ANNOTATION, childNames, labels, selectorLabels } from './names.js';
import {
  POD_SECURITY_CONTEXT,
  mxcpContainer,
  podVolumes,
  volumeMounts,
  workerEnv,
  type PodStorage,
} from './pod.js';
import { namespaced, sharedWritable } from './storage.js';
import { isStateless } from './user-config.js';

export interface WorkloadInput {
  image: string;
  profile: string;
  files: string[];
  storage: PodStorage;
  restartHash: string;
}

export function serveArgs(project: MxcpProject, profile: string): string[] {
  const args = ['serve', '--transport', 'streamable-http', '--host', '0.0.0.0', '--port', String(MCP_PORT)];
  args.push('--profile', profile);
  if (isStateless(project)) args.push('--stateless');
  return args;
}

/**
 * Rolling updates start the new pod before stopping the old one; that cannot
 * work when the pods share a volume only one node (or one writer) may use.
 */
function needsRecreate(project: MxcpProject): boolean {
  const duckdb = project.spec.duckdb;
  if (duckdb?.mode === 'persistent') return true;
  const audit = project.spec.audit;
  return Boolean(audit?.enabled) && !sharedWritable(audit?.storage);
}

export function renderDeployment(project: MxcpProject, input: WorkloadInput): V1Deployment {
  const spec = project.spec;
  const names = childNames(project);
  const adminPort = spec.admin?.port ?? DEFAULT_ADMIN_PORT;
  const env = workerEnv(project, input.profile, input.storage);
  const mounts = volumeMounts(project, input.storage);
  const worker = {
    ...mxcpContainer(project, input.image, 'worker', serveArgs(project, input.profile), env, mounts),
    ports: [
      { name: 'http', containerPort: MCP_PORT, protocol: 'TCP' },
      { name: 'admin', containerPort: adminPort, protocol: 'TCP' },
    ],
    startupProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
    livenessProbe: {
      httpGet: { path: '/health', port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: '/ready', port: 'http' },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 2,
    },
    ...(spec.resources ? { resources: stringQuantities(spec.resources) } : {}),
  };
  const initSql = spec.duckdb?.initSql;
  const initContainers = initSql
    ? [
        mxcpContainer(
          project,
          input.image,
          'init-sql',
          ['query', initSql, '--profile', input.profile],
          env,
          mounts,
        ),
      ]
    : undefined;

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: names.deployment, ...namespaced(project), labels: labels(project, 'server') },
    spec: {
      replicas: spec.replicas ?? 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(project) },
      strategy: needsRecreate(project)
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: { ...podLabels(project), ...labels(project, 'server') },
          annotations: { ...(spec.podAnnotations ?? {}), [RESTART_HASH_ANNOTATION]: input.restartHash },
        },
        spec: {
          ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
          // Workers never call the Kubernetes API.
          automountServiceAccountToken: false,
          // Service links would put MXCP_* variables (from a Service named mxcp) into the environment.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          securityContext: POD_SECURITY_CONTEXT,
          ...(spec.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets } : {}),
          ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
          ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
          ...(spec.affinity ? { affinity: spec.affinity } : {}),
          ...(initContainers ? { initContainers } : {}),
          containers: [worker],
          volumes: podVolumes(project, input.files, input.storage),
        },
      },
    },
  };
}

/** User pod labels, minus the reserved app.kubernetes.io/* keys (validateProject reports those). */
function podLabels(project: MxcpProject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(project.spec.podLabels ?? {}).filter(([key]) => !key.startsWith('app.kubernetes.io/')),
  );
}

function stringQuantities(resources: NonNullable<MxcpProject['spec']['resources']>) {
  const convert = (map?: Record<string, string | number>) =>
    map ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)])) : undefined;
  const limits = convert(resources.limits);
  const requests = convert(resources.requests);
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}

export function renderService(project: MxcpProject): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: childNames(project).service,
      ...namespaced(project),
      labels: labels(project, 'server'),
    },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(project),
      ports: [{ name: 'http', port: MCP_PORT, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    },
  };
}

export function renderPodDisruptionBudget(project: MxcpProject): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: childNames(project).podDisruptionBudget,
      ...namespaced(project),
      labels: labels(project, 'server'),
    },
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(project) },
      // A crash-looping pod must not block node drains.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
