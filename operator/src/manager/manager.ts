// The operator process's lifecycle around the reconcile controller: probe and metrics endpoints,
// Lease leader election, and shutdown.
//
// - With leader election (the default) the controller exists only while this instance leads. A
//   standby is READY (it is healthy and has seen the Lease; readiness gates nothing but rollouts, and
//   a rolling update of two replicas must be able to proceed) but does not reconcile; `mxcp_operator_leader`
//   tells leader from standby. A leader is ready once the controller's informers have synced.
// - Losing the Lease (no renewal within renewDeadline) stops the controller and ends the process with
//   exit code 1, as client-go's controllers do: a fresh process rejoins as a candidate with clean
//   caches, and nothing can keep reconciling on a stale belief that it leads.
// - SIGTERM: not ready, stop the controller (in-flight reconciles finish), then release the Lease so a
//   standby takes over at once, close the endpoints, exit 0. Past shutdownTimeout: exit 1 anyway.
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ControllerOptions } from '../controller/index.js';
import { LeaderElector, defaultIdentity } from '../kube/index.js';
import { startEndpoints, type BoundEndpoints, type Readiness } from './http.js';
import type { OperatorLogger } from './logger.js';
import type { OperatorMetrics } from './metrics.js';
import type { OperatorOptions } from './options.js';

/** What the manager needs of a controller (MxcpController's public surface). */
export interface ManagedController {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly synced: boolean;
}

export type ControllerFactory = (options: ControllerOptions) => ManagedController;

export interface ManagerDependencies {
  kubeConfig: KubeConfig;
  logger: OperatorLogger;
  metrics: OperatorMetrics;
  /** Default: `new MxcpController(options)`. */
  createController?: ControllerFactory;
  /** Leader election identity; default `$POD_NAME` (or host name) plus a random suffix. */
  identity?: string;
}

type Phase = 'created' | 'starting' | 'standby' | 'leading' | 'stopping' | 'stopped';

/** After losing the Lease, how long the controller may take to stop before the process exits anyway. */
const LOST_LEASE_STOP_MS = 3_000;

export class OperatorManager {
  readonly identity: string;
  /** Resolves with the process exit code once the manager has stopped (0 = graceful). */
  readonly done: Promise<number>;
  private finish!: (code: number) => void;
  private phase: Phase = 'created';
  private controller?: ManagedController;
  private elector?: LeaderElector;
  private endpoints?: BoundEndpoints;
  private shuttingDown?: Promise<number>;
  private readonly log: OperatorLogger;

  constructor(
    private readonly options: OperatorOptions,
    private readonly deps: ManagerDependencies,
  ) {
    this.identity = deps.identity ?? defaultIdentity();
    this.log = deps.logger.child({ logger: 'manager' });
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  /** Ports actually bound (useful with port 0). */
  get ports(): { metrics: number; health: number } | undefined {
    return this.endpoints && { metrics: this.endpoints.metricsPort, health: this.endpoints.healthPort };
  }

  get leading(): boolean {
    return this.phase === 'leading';
  }

  readiness(): Readiness {
    switch (this.phase) {
      case 'leading':
        return this.controller?.synced
          ? { ready: true, reason: this.elector ? 'leading, informers synced' : 'informers synced' }
          : { ready: false, reason: 'informers not synced yet' };
      case 'standby': {
        const leader = this.elector?.leader;
        return leader
          ? { ready: true, reason: `standby, leader is ${leader}` }
          : { ready: false, reason: 'waiting to observe the leader Lease' };
      }
      case 'stopping':
      case 'stopped':
        return { ready: false, reason: 'shutting down' };
      default:
        return { ready: false, reason: 'starting' };
    }
  }

  async start(): Promise<void> {
    if (this.phase !== 'created') throw new Error('the manager was already started');
    this.phase = 'starting';
    const o = this.options;
    this.endpoints = await startEndpoints(
      { bindAddress: o.bindAddress, metricsPort: o.metricsPort, healthPort: o.healthPort },
      {
        readiness: () => {
          const r = this.readiness();
          this.deps.metrics.setReady(r.ready);
          return r;
        },
        metrics: async () => ({
          contentType: this.deps.metrics.contentType,
          body: await this.deps.metrics.render(),
        }),
      },
    );
    this.log.info('serving probes and metrics', {
      healthPort: this.endpoints.healthPort,
      metricsPort: this.endpoints.metricsPort,
      bindAddress: o.bindAddress,
    });
    this.log.info('operator starting', {
      identity: this.identity,
      namespace: o.namespace ?? '(all namespaces)',
      defaultImage: o.defaultImage,
      leaderElect: o.leaderElect,
    });
    if (!o.leaderElect) {
      this.phase = 'leading';
      this.deps.metrics.setLeader(true);
      await this.startController();
      return;
    }
    this.phase = 'standby';
    this.deps.metrics.setLeader(false);
    this.elector = new LeaderElector({
      api: this.deps.kubeConfig.makeApiClient(CoordinationV1Api),
      namespace: o.leaderElectionNamespace,
      name: o.leaderElectionId,
      identity: this.identity,
      leaseDurationMs: o.leaseDurationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      onStartedLeading: () => this.onStartedLeading(),
      onStoppedLeading: () => this.onStoppedLeading(),
      onNewLeader: (leader) => this.log.info('observed leader', { leader, self: leader === this.identity }),
      onError: (error) => this.log.warn('leader election request failed', { error }),
    });
    this.log.info('waiting for the leader Lease', {
      lease: `${o.leaderElectionNamespace}/${o.leaderElectionId}`,
    });
    this.elector.start();
  }

  /** Graceful stop (SIGTERM); resolves with the exit code. Safe to call more than once. */
  shutdown(reason: string): Promise<number> {
    this.shuttingDown ??= this.stopAll(reason, 0);
    return this.shuttingDown;
  }

  private async onStartedLeading(): Promise<void> {
    if (this.phase !== 'standby') return;
    this.phase = 'leading';
    this.deps.metrics.setLeader(true);
    this.log.info('became leader; starting the controller', { identity: this.identity });
    await this.startController();
  }

  private onStoppedLeading(): void {
    this.deps.metrics.setLeader(false);
    // During shutdown the controller is stopped before the Lease is released: nothing to do.
    if (this.shuttingDown) return;
    this.log.error('leader election lost; stopping the controller and exiting', { identity: this.identity });
    // Not awaited: this runs inside the elector's loop, which stopAll waits for.
    this.shuttingDown = this.stopAll('lost the leader Lease', 1, { lost: true });
  }

  private async startController(): Promise<void> {
    const o = this.options;
    try {
      // Loaded on first leadership, so `mxcp-operator render` does not load the controller at all.
      const create: ControllerFactory =
        this.deps.createController ??
        (await import('../controller/index.js').then(
          ({ MxcpController }) =>
            (opts) =>
              new MxcpController(opts),
        ));
      this.controller = create({
        kubeConfig: this.deps.kubeConfig,
        namespace: o.namespace,
        defaultImage: o.defaultImage,
        workers: o.workers,
        resyncPeriodMs: o.resyncPeriodMs,
        secretLabelSelector: o.secretLabelSelector,
        reload: { ackTimeoutMs: o.reloadTimeoutMs, concurrency: o.reloadConcurrency },
        identity: this.identity,
        observer: this.deps.metrics,
        logger: this.deps.logger.child({ logger: 'controller' }),
      });
      await this.controller.start();
      this.log.info('controller started', { synced: this.controller.synced });
    } catch (error) {
      this.log.error('the controller failed to start', { error });
      this.shuttingDown ??= this.stopAll('controller failed to start', 1);
    }
  }

  /**
   * Stops everything in order: controller (drain), Lease (release), endpoints. Resolves with `code`,
   * or 1 when it took longer than the shutdown timeout (then the caller exits regardless).
   */
  private async stopAll(reason: string, code: number, how: { lost?: boolean } = {}): Promise<number> {
    if (this.phase === 'stopped') return code;
    this.phase = 'stopping';
    this.deps.metrics.setReady(false);
    this.log.info('shutting down', { reason });
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs);
    });
    const ordered = async (): Promise<void> => {
      if (how.lost) {
        // Stop campaigning first (no release: the Lease is not ours), so the elector does not win it
        // back while the controller winds down; the controller gets a short deadline, since a new
        // leader may start one leaseDuration after our last renewal.
        const electorStopped = this.elector?.stop();
        await this.stopController(LOST_LEASE_STOP_MS);
        await electorStopped;
      } else {
        // Drain first, release after: a successor must not start while we still write.
        await this.stopController();
        if (this.elector) {
          await this.elector.stop();
          this.log.info('leader election stopped; Lease released if held');
        }
      }
      await this.endpoints?.close();
    };
    const outcome = await Promise.race([ordered().then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    this.phase = 'stopped';
    this.deps.metrics.setLeader(false);
    const exitCode = outcome === 'timeout' ? 1 : code;
    if (outcome === 'timeout')
      this.log.error('shutdown did not finish in time; exiting anyway', {
        timeoutMs: this.options.shutdownTimeoutMs,
      });
    else this.log.info('stopped', { reason, tookMs: Date.now() - started, exitCode });
    this.finish(exitCode);
    return exitCode;
  }

  private async stopController(deadlineMs?: number): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    const stopping = controller.stop().catch((error: unknown) => {
      this.log.error('the controller did not stop cleanly', { error });
    });
    if (deadlineMs === undefined) {
      await stopping;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopping, new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
  }
}
