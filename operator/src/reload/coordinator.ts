// Hot reload of rotated Secrets, pod by pod (DESIGN §6). The reconciler tells the coordinator, for a
// project, the secrets hash H the workers should run and which worker pods exist; the coordinator
// asks every ready pod (bounded concurrency, per-call timeouts, retries) which hash it runs and, when
// it is not H, to reload once its mounted files hash to H. It remembers acknowledgements by pod uid,
// so a converged project costs one status call per pod and hash, and a restarted operator (or a new
// leader) simply asks again. A pod that does not acknowledge within the deadline is deleted: its
// replacement mounts the current Secrets. Progress is reported back through `onProgress`, which
// enqueues the project, so status is written by the reconciler alone.
import type { AdminAnswer, PodAdmin } from './pod-admin.js';
import { podAdminUrl } from './pod-admin.js';

export interface WorkerPod {
  namespace: string;
  name: string;
  uid: string;
  ip?: string;
  ready: boolean;
  deleting: boolean;
}

export interface ReloadTarget {
  /** Project key `namespace/name`. */
  key: string;
  secretsHash: string;
  adminPort: number;
  adminToken: string;
  pods: WorkerPod[];
  /** What status already says (kept across operator restarts and leader changes). */
  previous?: { failures?: ReloadFailureRecord[]; secretsHash?: string; lastReloadTime?: string };
}

export interface ReloadFailureRecord {
  pod: string;
  message: string;
  time: string;
}

/** What the status reports about the current hash. */
export interface ReloadSnapshot {
  secretsHash: string;
  readyReplicas: number;
  /** Ready pods that run `secretsHash`. */
  reloadedReplicas: number;
  lastReloadTime?: string;
  /** Most recent first, bounded. */
  failures: ReloadFailureRecord[];
  /** A pod was replaced for this hash and not every ready pod runs it yet. */
  failing: boolean;
}

export interface ReloadObserver {
  /** A pod acknowledged: seconds since the coordinator first saw this hash for the project. */
  acknowledged(seconds: number): void;
  /** One admin call finished. */
  call(outcome: 'acknowledged' | 'refused' | 'unreachable'): void;
  /** A pod was deleted for not acknowledging. */
  replaced(): void;
}

export interface ReloadCoordinatorOptions {
  admin: PodAdmin;
  deletePod(namespace: string, name: string): Promise<void>;
  /** Records a Warning Event about the project (and the pod) when a pod is replaced. */
  podReplaced(projectKey: string, pod: WorkerPod, message: string): Promise<void>;
  /** Something changed for the project's status: enqueue it. */
  onProgress(projectKey: string): void;
  /** Admin calls in flight at once, across projects. Default 16. */
  concurrency?: number;
  /** How long a pod may take to acknowledge a hash before it is replaced. Default 5 minutes. */
  ackTimeoutMs?: number;
  /** Bound on one admin call. Default 30 s. */
  callTimeoutMs?: number;
  /** Pause between attempts on one pod. Default 2 s. */
  retryDelayMs?: number;
  observer?: ReloadObserver;
  logger?: {
    info(m: string, meta?: Record<string, unknown>): void;
    warn(m: string, meta?: Record<string, unknown>): void;
  };
}

const FAILURES_KEPT = 10;

interface ProjectState {
  hash: string;
  /** When this hash was first seen for the project (for the latency figure). */
  since: number;
  acked: Map<string, string>;
  tasks: Map<string, AbortController>;
  failures: ReloadFailureRecord[];
  /** Pods replaced for the current hash. */
  replacedForHash: number;
  lastReloadTime?: string;
  adminPort: number;
  adminToken: string;
}

/** At most `limit` callers inside at once; the rest wait in order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

const short = (hash: string) => hash.slice(0, 12);
const NO_ANSWER = 'no answer yet';

export class ReloadCoordinator {
  private readonly projects = new Map<string, ProjectState>();
  private readonly slots: Semaphore;
  private readonly ackTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: ReloadCoordinatorOptions) {
    this.slots = new Semaphore(opts.concurrency ?? 16);
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5 * 60_000;
    this.callTimeoutMs = opts.callTimeoutMs ?? 30_000;
    this.retryDelayMs = opts.retryDelayMs ?? 2000;
  }

  /** Starts what is missing for `target` and returns where the project stands. */
  observe(target: ReloadTarget): ReloadSnapshot {
    let state = this.projects.get(target.key);
    if (!state || state.hash !== target.secretsHash) {
      for (const task of state?.tasks.values() ?? []) task.abort();
      state = {
        hash: target.secretsHash,
        since: Date.now(),
        acked: state?.acked ?? new Map(),
        tasks: new Map(),
        failures: state?.failures ?? [...(target.previous?.failures ?? [])],
        replacedForHash: 0,
        ...(!state && target.previous?.secretsHash === target.secretsHash && target.previous.lastReloadTime
          ? { lastReloadTime: target.previous.lastReloadTime }
          : {}),
        adminPort: target.adminPort,
        adminToken: target.adminToken,
      };
      this.projects.set(target.key, state);
    }
    state.adminPort = target.adminPort;
    state.adminToken = target.adminToken;

    const present = new Set(target.pods.map((p) => p.uid));
    for (const uid of state.acked.keys()) if (!present.has(uid)) state.acked.delete(uid);
    for (const [uid, task] of state.tasks) {
      if (!present.has(uid)) {
        task.abort();
        state.tasks.delete(uid);
      }
    }

    const ready = target.pods.filter((p) => p.ready && !p.deleting && p.ip);
    let reloaded = 0;
    for (const pod of ready) {
      if (state.acked.get(pod.uid) === state.hash) reloaded++;
      else if (!state.tasks.has(pod.uid) && !this.stopped) this.start(target.key, state, pod);
    }
    return {
      secretsHash: state.hash,
      readyReplicas: ready.length,
      reloadedReplicas: reloaded,
      ...(state.lastReloadTime ? { lastReloadTime: state.lastReloadTime } : {}),
      failures: [...state.failures],
      failing: state.replacedForHash > 0 && reloaded < ready.length,
    };
  }

  /** Forgets a deleted project and stops its calls. */
  forget(key: string): void {
    const state = this.projects.get(key);
    for (const task of state?.tasks.values() ?? []) task.abort();
    this.projects.delete(key);
  }

  /** Stops every call (leadership lost, shutdown) and waits for them to unwind. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const state of this.projects.values()) for (const task of state.tasks.values()) task.abort();
    await Promise.allSettled([...this.running]);
    this.projects.clear();
  }

  private start(key: string, state: ProjectState, pod: WorkerPod): void {
    const control = new AbortController();
    state.tasks.set(pod.uid, control);
    const run = this.drive(key, state, pod, control.signal)
      .catch((error: unknown) =>
        this.opts.logger?.warn('reload of a pod failed unexpectedly', {
          project: key,
          pod: pod.name,
          error: (error as Error).message,
        }),
      )
      .finally(() => {
        if (state.tasks.get(pod.uid) === control) state.tasks.delete(pod.uid);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  /** Asks one pod until it runs the hash, the deadline passes (pod replaced), or the work is cancelled. */
  private async drive(key: string, state: ProjectState, pod: WorkerPod, signal: AbortSignal): Promise<void> {
    const hash = state.hash;
    const deadline = Date.now() + this.ackTimeoutMs;
    let last = NO_ANSWER;
    let asked = false;
    while (!signal.aborted) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const answer = await this.withSlot(signal, Math.min(this.callTimeoutMs, remaining), (callSignal) => {
        const url = podAdminUrl(pod.ip!, state.adminPort);
        // Ask first: a pod that already runs the hash (new pods, a new leader) needs no reload.
        if (!asked)
          return this.opts.admin
            .status(url, state.adminToken, callSignal)
            .then((a) =>
              a.ok && a.secretsHash !== hash
                ? this.opts.admin.reload(url, state.adminToken, hash, callSignal)
                : a,
            );
        return this.opts.admin.reload(url, state.adminToken, hash, callSignal);
      });
      if (signal.aborted || !answer) return;
      asked = true;
      if (answer.ok && answer.secretsHash === hash) {
        this.opts.observer?.call('acknowledged');
        state.acked.set(pod.uid, hash);
        state.lastReloadTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        this.opts.observer?.acknowledged((Date.now() - state.since) / 1000);
        this.opts.onProgress(key);
        return;
      }
      this.opts.observer?.call(answer.ok || answer.message.includes('HTTP') ? 'refused' : 'unreachable');
      // A call cut short by the deadline says less than the pod's previous answer.
      const cutShort =
        !answer.ok && answer.message.endsWith('no answer in time') && asked && last !== NO_ANSWER;
      if (!cutShort) last = answer.ok ? `it runs ${short(answer.secretsHash)}` : answer.message;
      await sleep(Math.min(this.retryDelayMs, Math.max(0, deadline - Date.now())), signal);
    }
    if (signal.aborted || this.projects.get(key) !== state || state.hash !== hash) return;
    await this.replace(key, state, pod, hash, last);
  }

  private async withSlot(
    signal: AbortSignal,
    timeoutMs: number,
    fn: (signal: AbortSignal) => Promise<AdminAnswer>,
  ): Promise<AdminAnswer | undefined> {
    await this.slots.acquire();
    try {
      if (signal.aborted) return undefined;
      return await fn(AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, timeoutMs))]));
    } finally {
      this.slots.release();
    }
  }

  private async replace(
    key: string,
    state: ProjectState,
    pod: WorkerPod,
    hash: string,
    last: string,
  ): Promise<void> {
    const seconds = Math.round(this.ackTimeoutMs / 1000);
    const message = `Pod ${pod.name} did not load secrets hash ${short(hash)} within ${seconds} s (last: ${last}); deleted it so its replacement starts with the current Secrets`;
    this.opts.logger?.warn('replacing a worker pod that did not acknowledge a reload', {
      project: key,
      pod: pod.name,
      secretsHash: short(hash),
      last,
    });
    await this.opts.deletePod(pod.namespace, pod.name);
    state.replacedForHash++;
    state.failures.unshift({
      pod: pod.name,
      message: message.slice(0, 2000),
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    state.failures.length = Math.min(state.failures.length, FAILURES_KEPT);
    this.opts.observer?.replaced();
    await this.opts.podReplaced(key, pod, message);
    this.opts.onProgress(key);
  }
}
