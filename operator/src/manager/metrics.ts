// The operator's Prometheus metrics, in a Registry of its own (never prom-client's global one, so
// tests and embedders can run several operators in one process). It is the controller's observer:
// the controller reports reconcile outcomes, watch restarts and queue depth; the manager reports
// leadership. Process metrics (RSS, CPU, event-loop lag) come from prom-client's defaults.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ControllerObserver } from '../controller/index.js';
import type { ReloadObserver } from '../reload/index.js';

export const METRIC_PREFIX = 'mxcp_operator_';

export class OperatorMetrics implements ControllerObserver {
  readonly registry = new Registry();
  private readonly reconcileTotal: Counter<'result'>;
  private readonly reconcileErrors: Counter;
  private readonly reconcileDuration: Histogram<'result'>;
  private readonly queueDepthGauge: Gauge;
  private readonly watchRestarts: Counter<'resource'>;
  private readonly leaderGauge: Gauge;
  private readonly readyGauge: Gauge;
  private readonly reloadLatency: Histogram;
  private readonly reloadCalls: Counter<'outcome'>;
  private readonly reloadReplaced: Counter;
  /** Hot reload progress, reported by the reload coordinator. */
  readonly reload: ReloadObserver;

  constructor(version = 'unknown') {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({
      name: `${METRIC_PREFIX}reconcile_total`,
      help: 'Reconciles of MxcpProjects, by result (success, error, requeue).',
      labelNames: ['result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: `${METRIC_PREFIX}reconcile_errors_total`,
      help: 'Reconciles that failed (retried with per-project backoff).',
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: `${METRIC_PREFIX}reconcile_duration_seconds`,
      help: 'Time one reconcile of one MxcpProject took, by result.',
      labelNames: ['result'],
      // From a cache-only no-op (ms) to a slow API server (tens of seconds).
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.queueDepthGauge = new Gauge({
      name: `${METRIC_PREFIX}workqueue_depth`,
      help: 'MxcpProjects waiting to be reconciled.',
      registers,
    });
    this.watchRestarts = new Counter({
      name: `${METRIC_PREFIX}watch_restarts_total`,
      help: 'Watches re-established after an error, a 410 Gone or the watchdog, by resource.',
      labelNames: ['resource'],
      registers,
    });
    this.leaderGauge = new Gauge({
      name: `${METRIC_PREFIX}leader`,
      help: '1 while this instance holds the leader Lease (always 1 without leader election).',
      registers,
    });
    this.readyGauge = new Gauge({
      name: `${METRIC_PREFIX}ready`,
      help: '1 while /readyz answers 200.',
      registers,
    });
    this.reloadLatency = new Histogram({
      name: `${METRIC_PREFIX}reload_ack_seconds`,
      help: 'From the operator seeing a new secrets hash to a worker pod running it.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.reloadCalls = new Counter({
      name: `${METRIC_PREFIX}reload_calls_total`,
      help: 'Admin calls to worker pods for hot reload, by outcome (acknowledged, refused, unreachable).',
      labelNames: ['outcome'],
      registers,
    });
    this.reloadReplaced = new Counter({
      name: `${METRIC_PREFIX}reload_pods_replaced_total`,
      help: 'Worker pods deleted because they did not load rotated Secrets in time.',
      registers,
    });
    for (const outcome of ['acknowledged', 'refused', 'unreachable']) this.reloadCalls.inc({ outcome }, 0);
    this.reload = {
      acknowledged: (seconds) => this.reloadLatency.observe(seconds),
      call: (outcome) => this.reloadCalls.inc({ outcome }),
      replaced: () => this.reloadReplaced.inc(),
    };
    new Gauge({
      name: `${METRIC_PREFIX}build_info`,
      help: 'Always 1; the version label names the running operator.',
      labelNames: ['version'],
      registers,
    }).set({ version }, 1);
    // Start every result series at 0, so rate() and absent() work before the first reconcile.
    for (const result of ['success', 'error', 'requeue']) this.reconcileTotal.inc({ result }, 0);
    collectDefaultMetrics({ register: this.registry });
  }

  reconciled(result: 'success' | 'error' | 'requeue', seconds: number): void {
    this.reconcileTotal.inc({ result });
    if (result === 'error') this.reconcileErrors.inc();
    this.reconcileDuration.observe({ result }, seconds);
  }

  watchRestarted(resource: string): void {
    this.watchRestarts.inc({ resource });
  }

  queueDepth(depth: number): void {
    this.queueDepthGauge.set(depth);
  }

  setLeader(leading: boolean): void {
    this.leaderGauge.set(leading ? 1 : 0);
  }

  setReady(ready: boolean): void {
    this.readyGauge.set(ready ? 1 : 0);
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
