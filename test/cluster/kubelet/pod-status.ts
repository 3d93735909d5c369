// The pod status the test kubelet reports (PATCHed to pods/status as a JSON merge patch, so lists are
// replaced whole): phase, the four standard conditions, container statuses, addresses. Pure: it only
// turns the runner's records into the API shape, following the kubelet's rules for the phase.
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';

export type ContainerStateRecord =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        signal?: number;
        reason: string;
        startedAt?: string;
        finishedAt: string;
      };
    };

export interface ContainerRecord {
  name: string;
  image: string;
  state: ContainerStateRecord;
  lastState?: ContainerStateRecord;
  restartCount: number;
  /** Startup probe passed (or there is none) since the current start. */
  started: boolean;
  ready: boolean;
  pid?: number;
}

export interface PodStatusInput {
  pod: V1Pod;
  podIp: string;
  hostIp: string;
  startTime: string;
  /** All init containers completed successfully. */
  initialized: boolean;
  init: ContainerRecord[];
  containers: ContainerRecord[];
  /** The conditions last reported, to keep lastTransitionTime when a status does not change. */
  previous: V1PodCondition[];
}

/** Kubernetes' time format (RFC 3339, seconds). */
export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function podStatus(input: PodStatusInput): Record<string, unknown> {
  const { containers } = input;
  const containersReady = containers.length > 0 && containers.every((c) => c.ready);
  const conditions = [
    condition(input.previous, 'PodScheduled', true),
    condition(input.previous, 'Initialized', input.initialized),
    condition(input.previous, 'ContainersReady', containersReady),
    condition(input.previous, 'Ready', containersReady),
  ];
  return {
    phase: phase(input),
    conditions,
    hostIP: input.hostIp,
    hostIPs: [{ ip: input.hostIp }],
    podIP: input.podIp,
    podIPs: [{ ip: input.podIp }],
    startTime: input.startTime,
    ...(input.init.length > 0 ? { initContainerStatuses: input.init.map(containerStatus) } : {}),
    containerStatuses: containers.map(containerStatus),
  };
}

function phase(input: PodStatusInput): string {
  const policy = input.pod.spec?.restartPolicy ?? 'Always';
  const initFailed = input.init.some(
    (c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0 && policy === 'Never',
  );
  if (initFailed) return 'Failed';
  if (!input.initialized) return 'Pending';
  let running = 0;
  let waiting = 0;
  let failed = 0;
  for (const c of input.containers) {
    if ('running' in c.state) running++;
    else if ('waiting' in c.state) {
      // A container waiting to be restarted has run before: the pod is still Running.
      if (c.lastState) running++;
      else waiting++;
    } else if (c.state.terminated.exitCode !== 0) failed++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (policy === 'Always') return 'Running';
  if (policy === 'OnFailure') return failed > 0 ? 'Running' : 'Succeeded';
  return failed > 0 ? 'Failed' : 'Succeeded';
}

function condition(previous: V1PodCondition[], type: string, value: boolean): V1PodCondition {
  const status = value ? 'True' : 'False';
  const before = previous.find((c) => c.type === type);
  const lastTransitionTime =
    before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now();
  return { type, status, lastProbeTime: null, lastTransitionTime } as unknown as V1PodCondition;
}

function containerStatus(c: ContainerRecord): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    ...(c.pid !== undefined ? { containerID: `test-kubelet://${c.pid}` } : {}),
    state: c.state,
    lastState: c.lastState ?? {},
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
  };
}
