// The audit-cleanup CronJob: `mxcp log-cleanup` on the same audit volume as
// the workers, one run at a time, short history. Schedules are checked here
// (the API server accepts some strings the CronJob controller then ignores).
import type { V1CronJob } from '@kubernetes/client-node';
import { validateCronExpression } from 'cron';
import type { MxcpProject } from '../api/index.js';
import { DEFAULT_CLEANUP_SCHEDULE } from '../api/index.js';
import { childNames, labels, selectorLabels } from './names.js';
import {
  POD_SECURITY_CONTEXT,
  mxcpContainer,
  podVolumes,
  volumeMounts,
  workerEnv,
  type PodStorage,
} from './pod.js';
import { namespaced, sharedWritable } from './storage.js';

/** Macros the CronJob controller understands, and an equivalent the cron package knows. */
const MACROS: Record<string, string> = {
  '@yearly': '@yearly',
  '@annually': '@yearly',
  '@monthly': '@monthly',
  '@weekly': '@weekly',
  '@daily': '@daily',
  '@midnight': '@daily',
  '@hourly': '@hourly',
};

/** Why a schedule would not run as a Kubernetes CronJob, or undefined when it is fine. */
export function checkSchedule(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) return 'time zones in the schedule are not supported by CronJobs';
  if (trimmed.startsWith('@')) {
    return MACROS[trimmed]
      ? undefined
      : `unknown macro '${trimmed}' (use @hourly, @daily, @weekly, @monthly or @yearly)`;
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  const result = validateCronExpression(trimmed);
  return result.valid
    ? undefined
    : `invalid cron schedule '${trimmed}': ${result.error?.message ?? 'not valid'}`;
}

export function renderCleanupCronJob(
  project: MxcpProject,
  image: string,
  profile: string,
  files: string[],
  storage: PodStorage,
): V1CronJob {
  const names = childNames(project);
  const audit = project.spec.audit ?? { enabled: true };
  const podLabels = labels(project, 'audit-cleanup');
  const env = [
    ...workerEnv(project, profile, storage),
    { name: 'MXCP_AUDIT_RETENTION_DAYS', value: String(audit.retentionDays ?? 90) },
  ];
  // A ReadWriteOnce audit volume attaches to one node: run next to the workers.
  const affinity = sharedWritable(audit.storage)
    ? {}
    : {
        affinity: {
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  labelSelector: { matchLabels: selectorLabels(project) },
                  topologyKey: 'kubernetes.io/hostname',
                },
              },
            ],
          },
        },
      };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: names.cleanup, ...namespaced(project), labels: labels(project, 'audit-cleanup') },
    spec: {
      schedule: audit.cleanupSchedule ?? DEFAULT_CLEANUP_SCHEDULE,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      startingDeadlineSeconds: 3600,
      jobTemplate: {
        metadata: { labels: podLabels },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 3600,
          template: {
            metadata: { labels: podLabels },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: POD_SECURITY_CONTEXT,
              ...(project.spec.imagePullSecrets ? { imagePullSecrets: project.spec.imagePullSecrets } : {}),
              ...(project.spec.nodeSelector ? { nodeSelector: project.spec.nodeSelector } : {}),
              ...(project.spec.tolerations ? { tolerations: project.spec.tolerations } : {}),
              ...affinity,
              containers: [
                mxcpContainer(
                  project,
                  image,
                  'log-cleanup',
                  ['log-cleanup', '--profile', profile, '--json'],
                  env,
                  volumeMounts(project, storage),
                ),
              ],
              volumes: podVolumes(project, files, storage),
            },
          },
        },
      },
    },
  };
}
