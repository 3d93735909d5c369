// Worker pods as the reload coordinator sees them: which pods belong to a project (the Deployment's
// selector labels) and whether one is ready to be asked (Ready condition, an IP, not terminating).
import type { V1Pod } from '@kubernetes/client-node';
import type { WorkerPod } from './coordinator.js';

export function workerPod(pod: V1Pod): WorkerPod {
  const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
    ready,
    deleting: Boolean(pod.metadata?.deletionTimestamp),
  };
}

/** Whether `pod` carries every label of `selector` (the Deployment's matchLabels). */
export function matchesLabels(pod: V1Pod, selector: Record<string, string>): boolean {
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
