// One pod bound to the test node, from volume set-up to termination: init containers in order to
// completion, then every container under a supervisor that runs its probes and restarts it (per
// restartPolicy, backoff 1 s doubling to 10 s, restartCount bumped), and a status reporter that patches
// pods/status whenever something changed. terminate() is the kubelet's graceful kill: SIGTERM to each
// container's process group, SIGKILL after the grace period, a last status, then (for API deletions)
// the final `delete gracePeriodSeconds=0`.
import type { CoreV1Api, V1Container, V1Pod, V1PodCondition, V1Probe } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeApiError, isConflict, isNotFound } from '../../../operator/src/kube/errors.js';
import {
  ContainerConfigError,
  bindToPodIp,
  containerArgv,
  containerEnv,
  containerMounts,
  launch,
  signalGroup,
  type ImageMap,
} from './container.js';
import { now, podStatus, type ContainerRecord } from './pod-status.js';
import { probeTiming, runProbe } from './probes.js';
import { VolumeError, podDirectory, setUpVolumes, syncVolumes, type ObjectLookup } from './volumes.js';

export interface RunnerContext {
  rootDir: string;
  hostIp: string;
  images?: ImageMap;
  lookup: ObjectLookup;
  core: CoreV1Api;
  log(line: string): void;
  /** Container output, for podLogs(). */
  output(namespace: string, pod: string, text: string): void;
}

export interface RunningContainer {
  name: string;
  pid: number;
  restartCount: number;
}

export interface RunningPod {
  namespace: string;
  name: string;
  uid: string;
  ip: string;
  /** The pid of the first running container (the worker, for the operator's pods). */
  pid?: number;
  containers: RunningContainer[];
}

const RETRY_MS = 1000;
const BACKOFF_MAX_MS = 10_000;

interface Slot {
  spec: V1Container;
  record: ContainerRecord;
  child?: ChildProcess;
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Aborted when the current process ends: stops its probe loops. */
  launchAbort?: AbortController;
}

export class PodRunner {
  private pod: V1Pod;
  private readonly init: Slot[];
  private readonly main: Slot[];
  private initialized = false;
  private volumeDirs?: Map<string, string>;
  private readonly abort = new AbortController();
  private terminating?: Promise<void>;
  private readonly startTime = now();
  private conditions: V1PodCondition[] = [];
  private dirty = false;
  private reporting?: Promise<void>;
  private gone = false;

  constructor(
    private readonly ctx: RunnerContext,
    pod: V1Pod,
    readonly ip: string,
  ) {
    this.pod = pod;
    const slot = (spec: V1Container): Slot => ({
      spec,
      record: {
        name: spec.name,
        image: spec.image ?? '',
        state: { waiting: { reason: 'ContainerCreating' } },
        restartCount: 0,
        started: false,
        ready: false,
      },
    });
    this.init = (pod.spec!.initContainers ?? []).map(slot);
    this.main = pod.spec!.containers.map(slot);
    this.initialized = this.init.length === 0;
  }

  get namespace(): string {
    return this.pod.metadata!.namespace!;
  }
  get name(): string {
    return this.pod.metadata!.name!;
  }
  get uid(): string {
    return this.pod.metadata!.uid!;
  }
  get spec(): V1Pod {
    return this.pod;
  }

  start(): void {
    this.run().catch((err: unknown) => this.log(`pod runner failed: ${String(err)}`));
  }

  /** The newest version of the pod object. */
  update(pod: V1Pod): void {
    this.pod = pod;
  }

  running(): RunningPod {
    const containers = this.main
      .filter((s) => s.child && s.record.pid !== undefined && 'running' in s.record.state)
      .map((s) => ({ name: s.spec.name, pid: s.record.pid!, restartCount: s.record.restartCount }));
    return {
      namespace: this.namespace,
      name: this.name,
      uid: this.uid,
      ip: this.ip,
      pid: containers[0]?.pid,
      containers,
    };
  }

  /** Re-materialises the pod's Secret and ConfigMap volumes from the API's current objects. */
  syncVolumes(): void {
    if (!this.volumeDirs || this.abort.signal.aborted) return;
    const changed = syncVolumes(this.ctx.rootDir, this.pod, this.ctx.lookup);
    if (changed.length > 0) this.log(`volumes updated: ${changed.join(', ')}`);
  }

  /**
   * Stops the pod: SIGTERM, `graceSeconds` to exit, SIGKILL. With `deleteObject`, reports the final
   * status and deletes the pod object (gracePeriodSeconds 0, the kubelet's last word).
   */
  terminate(graceSeconds: number, deleteObject: boolean): Promise<void> {
    this.terminating ??= this.stop(graceSeconds, deleteObject);
    return this.terminating;
  }

  private async stop(graceSeconds: number, deleteObject: boolean): Promise<void> {
    this.log(`terminating (grace ${graceSeconds} s)`);
    this.abort.abort();
    const live = [...this.init, ...this.main].filter(
      (s) => s.child && s.child.exitCode === null && s.child.signalCode === null,
    );
    for (const s of live) signalGroup(s.child!.pid!, 'SIGTERM');
    const allExited = Promise.all(live.map((s) => s.exited));
    const timedOut = await Promise.race([allExited.then(() => false), sleep(graceSeconds * 1000, true)]);
    // SIGKILL the groups even when the leader exited: nothing the container started may outlive it.
    for (const s of live) signalGroup(s.child!.pid!, 'SIGKILL');
    if (timedOut) this.log(`containers did not exit within ${graceSeconds} s: killed`);
    await Promise.race([allExited, sleep(10_000)]);
    for (const s of [...this.init, ...this.main]) {
      s.record.ready = false;
      if (!('terminated' in s.record.state)) {
        s.record.state = { waiting: { reason: 'ContainerCreating' } };
      }
    }
    if (deleteObject && !this.gone) {
      this.markDirty();
      await this.reporting;
      try {
        await this.ctx.core.deleteNamespacedPod({
          namespace: this.namespace,
          name: this.name,
          gracePeriodSeconds: 0,
          // In the body too: with a body, the API server ignores the query parameter.
          body: { gracePeriodSeconds: 0, preconditions: { uid: this.uid } },
        });
        this.log('deleted');
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) this.log(`final delete failed: ${describeApiError(err)}`);
      }
    }
    this.gone = true;
    rmSync(podDirectory(this.ctx.rootDir, this.namespace, this.name), { recursive: true, force: true });
  }

  private async run(): Promise<void> {
    this.markDirty();
    const signal = this.abort.signal;
    while (!signal.aborted && !this.volumeDirs) {
      try {
        this.volumeDirs = setUpVolumes(this.ctx.rootDir, this.pod, this.ctx.lookup);
      } catch (err) {
        if (!(err instanceof VolumeError)) throw err;
        this.waitingAll('ContainerCreating', err.message);
        await this.pause(RETRY_MS);
      }
    }
    for (const slot of this.init) {
      if (!(await this.runToCompletion(slot))) return;
    }
    if (signal.aborted) return;
    this.initialized = true;
    this.markDirty();
    for (const slot of this.main) void this.supervise(slot).catch((err: unknown) => this.log(String(err)));
  }

  /** An init container, restarted until it succeeds (or fails for good under restartPolicy Never). */
  private async runToCompletion(slot: Slot): Promise<boolean> {
    for (;;) {
      const exit = await this.runOnce(slot);
      if (exit === undefined) return false;
      if (exit === 0) return true;
      if (this.pod.spec!.restartPolicy === 'Never') {
        this.markDirty();
        return false;
      }
      if (!(await this.backOff(slot))) return false;
    }
  }

  /** A container: run, restart per restartPolicy, until the pod terminates. */
  private async supervise(slot: Slot): Promise<void> {
    for (;;) {
      const exit = await this.runOnce(slot);
      if (exit === undefined) return;
      const policy = this.pod.spec!.restartPolicy ?? 'Always';
      if (policy === 'Never' || (policy === 'OnFailure' && exit === 0)) return;
      if (!(await this.backOff(slot))) return;
    }
  }

  /** Starts the container and waits for it to exit; its exit code, or undefined when the pod stopped. */
  private async runOnce(slot: Slot): Promise<number | undefined> {
    const signal = this.abort.signal;
    let child: ChildProcess | undefined;
    while (!signal.aborted && !child) {
      try {
        child = this.startContainer(slot);
      } catch (err) {
        if (!(err instanceof ContainerConfigError)) throw err;
        slot.record.state = { waiting: { reason: 'CreateContainerConfigError', message: err.message } };
        this.markDirty();
        await this.pause(RETRY_MS);
      }
    }
    if (!child) return undefined;
    const startedAt = now();
    slot.record.state = { running: { startedAt } };
    slot.record.pid = child.pid;
    this.markDirty();
    const launchAbort = new AbortController();
    slot.launchAbort = launchAbort;
    if (this.main.includes(slot)) this.startProbes(slot, launchAbort.signal);
    const { code, signal: killedBy } = await slot.exited!;
    launchAbort.abort();
    const exitCode = code ?? 128 + (killedBy ? (constants.signals[killedBy] ?? 0) : 0);
    slot.record.state = {
      terminated: {
        exitCode,
        ...(killedBy ? { signal: constants.signals[killedBy] } : {}),
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: now(),
      },
    };
    slot.record.started = false;
    slot.record.ready = false;
    this.log(`container ${slot.spec.name} exited with ${code ?? killedBy}`);
    this.markDirty();
    return signal.aborted ? undefined : exitCode;
  }

  private startContainer(slot: Slot): ChildProcess {
    const env = containerEnv(this.pod, slot.spec, this.ip, this.ctx.hostIp, this.ctx.lookup);
    const argv = containerArgv(slot.spec, this.ctx.images, env);
    bindToPodIp(argv, env, this.ip);
    const mounts = containerMounts(slot.spec, this.volumeDirs!);
    const child = launch({
      argv,
      env,
      workingDir: slot.spec.workingDir,
      mounts,
      onOutput: (chunk) => this.ctx.output(this.namespace, this.name, chunk.toString()),
    });
    slot.child = child;
    slot.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => {
        this.log(`container ${slot.spec.name} could not start: ${err.message}`);
        resolve({ code: 128, signal: null });
      });
    });
    this.log(`container ${slot.spec.name} started (pid ${child.pid}): ${argv.join(' ')}`);
    return child;
  }

  /** Waits out the restart backoff; false when the pod stopped meanwhile. */
  private async backOff(slot: Slot): Promise<boolean> {
    const delay = Math.min(BACKOFF_MAX_MS, RETRY_MS * 2 ** slot.record.restartCount);
    slot.record.lastState = slot.record.state;
    slot.record.state = {
      waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay / 1000} s restarting` },
    };
    this.markDirty();
    if (!(await this.pause(delay))) return false;
    slot.record.restartCount++;
    return true;
  }

  private startProbes(slot: Slot, signal: AbortSignal): void {
    const { startupProbe, livenessProbe, readinessProbe } = slot.spec;
    const afterStartup = () => {
      slot.record.started = true;
      if (!readinessProbe) slot.record.ready = true;
      this.markDirty();
      if (readinessProbe) void this.probeLoop(slot, readinessProbe, 'readiness', signal, true);
      if (livenessProbe) void this.probeLoop(slot, livenessProbe, 'liveness', signal, false);
    };
    if (startupProbe) {
      void this.probeLoop(slot, startupProbe, 'startup', signal, true).then((ok) => {
        if (ok) afterStartup();
      });
    } else afterStartup();
  }

  /**
   * Runs one probe every periodSeconds until `signal` aborts. Readiness flips `ready`; startup returns
   * true on its first success; startup and liveness kill the container after failureThreshold failures
   * in a row (the supervisor then restarts it). `immediate` probes once before the first period (startup
   * and readiness, so a pod does not sit unready for a whole period).
   */
  private async probeLoop(
    slot: Slot,
    probe: V1Probe,
    kind: 'startup' | 'liveness' | 'readiness',
    signal: AbortSignal,
    immediate: boolean,
  ): Promise<boolean> {
    const timing = probeTiming(probe);
    let successes = 0;
    let failures = 0;
    if (!(await this.pause(timing.initialDelayMs, signal))) return false;
    for (let first = true; ; first = false) {
      if ((!first || !immediate) && !(await this.pause(timing.periodMs, signal))) return false;
      const result = await runProbe(probe, slot.spec, this.ip);
      if (signal.aborted) return false;
      if (result.ok) {
        failures = 0;
        successes++;
        if (kind === 'startup') return true;
        if (kind === 'readiness' && successes >= timing.successThreshold && !slot.record.ready) {
          slot.record.ready = true;
          this.markDirty();
        }
        continue;
      }
      successes = 0;
      failures++;
      if (failures < timing.failureThreshold) continue;
      if (kind === 'readiness') {
        if (slot.record.ready) {
          this.log(`container ${slot.spec.name} not ready: ${result.detail}`);
          slot.record.ready = false;
          this.markDirty();
        }
        continue;
      }
      this.log(`container ${slot.spec.name} failed its ${kind} probe (${result.detail}): restarting`);
      await this.killContainer(slot);
      return false;
    }
  }

  private async killContainer(slot: Slot): Promise<void> {
    const pid = slot.child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const grace = (this.pod.spec!.terminationGracePeriodSeconds ?? 30) * 1000;
    await Promise.race([slot.exited, sleep(grace)]);
    signalGroup(pid, 'SIGKILL');
  }

  private waitingAll(reason: string, message: string): void {
    for (const s of [...this.init, ...this.main]) s.record.state = { waiting: { reason, message } };
    this.markDirty();
  }

  /** Sleeps `ms`; false when the pod (or the given launch) stopped meanwhile. */
  private async pause(ms: number, signal: AbortSignal = this.abort.signal): Promise<boolean> {
    if (signal.aborted || this.abort.signal.aborted) return false;
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([signal, this.abort.signal]) });
      return true;
    } catch {
      return false;
    }
  }

  /** Asks for a status patch; patches are serialised and coalesced. */
  private markDirty(): void {
    this.dirty = true;
    this.reporting ??= this.report().finally(() => (this.reporting = undefined));
  }

  private async report(): Promise<void> {
    while (this.dirty && !this.gone) {
      this.dirty = false;
      const status = podStatus({
        pod: this.pod,
        podIp: this.ip,
        hostIp: this.ctx.hostIp,
        startTime: this.startTime,
        initialized: this.initialized,
        init: this.init.map((s) => s.record),
        containers: this.main.map((s) => s.record),
        previous: this.conditions,
      });
      try {
        await this.ctx.core.patchNamespacedPodStatus(
          { namespace: this.namespace, name: this.name, body: { status } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        this.conditions = status.conditions as V1PodCondition[];
      } catch (err) {
        if (isNotFound(err)) {
          this.gone = true;
          return;
        }
        this.log(`status patch failed: ${describeApiError(err)}`);
        // While terminating, one attempt is all: the pod object is about to go.
        if (!(await this.pause(RETRY_MS))) return;
        this.dirty = true;
      }
    }
  }

  private log(line: string): void {
    this.ctx.log(`${this.namespace}/${this.name}: ${line}`);
  }
}
