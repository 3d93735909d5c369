// Lease-based leader election (coordination.k8s.io/v1), following client-go's leaderelection:
// a candidate acquires the Lease when it is free or has not changed for its leaseDuration as observed
// on the candidate's own clock (so clock skew between nodes does not matter), the leader renews every
// retryPeriod and steps down if it could not renew within renewDeadline, and every write carries the
// resourceVersion it read (optimistic concurrency: of two racing candidates one gets 409 and loses).
// On a graceful stop the leader releases the Lease so a successor takes over without waiting it out.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CoordinationV1Api, V1Lease, V1LeaseSpec, V1MicroTime } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './errors.js';
import { InterruptibleSleep } from './interruptible-sleep.js';

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  /** Lease name, e.g. `mxcp-operator`. */
  name: string;
  /** Default `$POD_NAME` (or the host name) plus a random suffix, so a restarted pod is a new candidate. */
  identity?: string;
  /** client-go defaults: 15 s / 10 s / 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Release the Lease on stop() (default true). */
  releaseOnStop?: boolean;
  /** Called when this candidate becomes leader: start the controllers. */
  onStartedLeading?: () => void | Promise<void>;
  /** Called when leadership ends (lost or stopped): stop the controllers before anything else writes. */
  onStoppedLeading?: () => void | Promise<void>;
  /** Called when the observed holder changes (including to this candidate). */
  onNewLeader?: (identity: string) => void;
  /** API errors while acquiring or renewing (they are retried). */
  onError?: (error: unknown) => void;
}

/** client-go's JitterFactor for acquisition retries. */
const JITTER = 1.2;

/** MicroTime wants exactly six fractional digits; Date.toISOString() gives three. */
function microTime(ms: number): V1MicroTime {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as V1MicroTime;
}

export function defaultIdentity(): string {
  return `${process.env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`;
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  private leading = false;
  private stopped = false;
  private running?: Promise<void>;
  private readonly pause = new InterruptibleSleep();
  /** The Lease as last read or written, and when (our clock) its content last changed. */
  private observed?: V1Lease;
  private observedAt = 0;
  private observedHolder?: string;

  constructor(private readonly options: LeaderElectionOptions) {
    this.identity = options.identity ?? defaultIdentity();
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs <= this.renewDeadlineMs)
      throw new RangeError('leaseDuration must exceed renewDeadline');
    if (this.renewDeadlineMs <= JITTER * this.retryPeriodMs)
      throw new RangeError('renewDeadline must exceed 1.2 × retryPeriod');
    if (this.leaseDurationMs % 1000 !== 0)
      throw new RangeError('leaseDuration must be whole seconds (Lease stores seconds)');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder this candidate last observed (may be stale by up to a retry period). */
  get leader(): string | undefined {
    return this.observedHolder || undefined;
  }

  start(): void {
    if (this.running) return;
    if (this.stopped) throw new Error('leader elector was stopped; create a new one');
    this.running = this.run();
  }

  /** Stops campaigning; a leader releases the Lease (unless releaseOnStop is false) and steps down. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pause.interrupt();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.acquire())) break;
      if (this.stopped) {
        // Won the Lease in the same moment we were told to stop: give it back without starting.
        if (this.options.releaseOnStop ?? true) await this.release();
        break;
      }
      this.leading = true;
      void this.invoke(this.options.onStartedLeading);
      await this.renewUntilLost();
      this.leading = false;
      if (this.stopped && (this.options.releaseOnStop ?? true)) await this.release();
      await this.invoke(this.options.onStoppedLeading);
    }
  }

  /** Retries every retryPeriod (jittered) until the Lease is ours; false if stopped first. */
  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.attempt()) return true;
      await this.pause.sleep(this.retryPeriodMs * (1 + Math.random() * JITTER));
    }
    return false;
  }

  /** Renews every retryPeriod; returns when stopped or when no renewal succeeded within renewDeadline. */
  private async renewUntilLost(): Promise<void> {
    let renewedAt = Date.now();
    while (!this.stopped) {
      await this.pause.sleep(this.retryPeriodMs);
      if (this.stopped) return;
      const remaining = renewedAt + this.renewDeadlineMs - Date.now();
      // A hung request must not keep us leading past the deadline.
      const ok = remaining > 0 && (await this.withDeadline(this.attempt(), remaining));
      if (ok) renewedAt = Date.now();
      else if (Date.now() - renewedAt >= this.renewDeadlineMs) return;
    }
  }

  /** One tryAcquireOrRenew: true when this candidate holds the Lease afterwards. */
  private async attempt(): Promise<boolean> {
    const { api, namespace, name } = this.options;
    const now = Date.now();
    try {
      let lease: V1Lease;
      try {
        lease = await api.readNamespacedLease({ namespace, name });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        const created = await api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: this.spec(now, undefined) },
        });
        this.observe(created, now);
        return true;
      }
      this.observe(lease, now);
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const durationMs = (spec.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
      if (holder && holder !== this.identity && this.observedAt + durationMs > now) return false;
      const updated = await api.replaceNamespacedLease({
        namespace,
        name,
        body: { ...lease, spec: this.spec(now, spec) },
      });
      this.observe(updated, now);
      return true;
    } catch (error) {
      // 409: another candidate wrote first (create or replace); it wins this round.
      if (!isConflict(error)) this.options.onError?.(error);
      return false;
    }
  }

  private spec(now: number, previous: V1LeaseSpec | undefined): V1LeaseSpec {
    const renewing = previous?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationMs / 1000,
      acquireTime: renewing && previous?.acquireTime ? previous.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: previous ? (previous.leaseTransitions ?? 0) + (renewing ? 0 : 1) : 0,
    };
  }

  private observe(lease: V1Lease, now: number): void {
    if (lease.metadata?.resourceVersion !== this.observed?.metadata?.resourceVersion) this.observedAt = now;
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder) this.options.onNewLeader?.(holder);
    }
  }

  /** Gives the Lease up (holder cleared, 1 s duration) if we still hold it, as client-go does. */
  private async release(): Promise<void> {
    const { api, namespace, name } = this.options;
    try {
      const lease = await api.readNamespacedLease({ namespace, name });
      if (lease.spec?.holderIdentity !== this.identity) return;
      const now = Date.now();
      await api.replaceNamespacedLease({
        namespace,
        name,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: microTime(now),
            renewTime: microTime(now),
          },
        },
      });
    } catch (error) {
      // The Lease then simply expires; successors wait one leaseDuration.
      this.options.onError?.(error);
    }
  }

  private async invoke(callback: (() => void | Promise<void>) | undefined): Promise<void> {
    try {
      await callback?.();
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private withDeadline(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
  }
}
