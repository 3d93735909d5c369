// The worker's Prometheus metrics (MXCP-SPEC §11): MXCP's metric names with dots turned into
// underscores and the same labels, plus what MXCP lacks and operators want (a request-duration
// histogram, audit writer gauges). One Registry per app instance, never prom-client's global
// one, so tests and several servers in one process never collide.
import type { Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueryObserver, SqlOperation } from '../db/database.js';

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop, GC) prefixed `mxcp_`; default true. */
  processMetrics?: boolean;
}

/** What the audit writer reports; read at every scrape. */
export interface AuditStats {
  written: number;
  dropped: number;
  failures: number;
  queued: number;
}

export interface UpLabels {
  version: string;
  profile: string;
  project: string;
  transport: string;
}

export type EndpointType = 'tool' | 'resource' | 'prompt';

export class MxcpMetrics {
  readonly registry = new Registry();

  readonly up: Gauge<keyof UpLabels>;
  readonly reloads: Counter<'status' | 'profile'>;
  readonly endpointRequests: Counter<'endpoint' | 'type' | 'status' | 'caller' | 'policy_decision'>;
  readonly endpointErrors: Counter<'endpoint' | 'type' | 'caller' | 'error_type'>;
  readonly endpointConcurrent: Gauge<'endpoint' | 'type'>;
  readonly endpointDuration: Histogram<'endpoint' | 'type' | 'status'>;
  readonly executions: Counter<'language' | 'status' | 'error'>;
  readonly executionConcurrent: Gauge<'language'>;
  readonly duckdbQueries: Counter<'operation' | 'status'>;
  readonly duckdbConcurrent: Gauge<'operation'>;
  readonly pythonExecutions: Counter<'type' | 'status'>;
  readonly pythonConcurrent: Gauge<'type'>;
  readonly policyEvaluations: Counter<'type' | 'decision'>;
  readonly policyDenials: Counter<'type' | 'reason'>;

  private auditStats: (() => AuditStats) | undefined;

  constructor(opts: MetricsOptions = {}) {
    const registers = [this.registry];
    this.up = new Gauge({
      name: 'mxcp_up',
      help: 'The server is up (1), with its version, profile, project and transport',
      labelNames: ['version', 'profile', 'project', 'transport'] as const,
      registers,
    });
    this.reloads = new Counter({
      name: 'mxcp_reloads_total',
      help: 'Configuration reloads by outcome',
      labelNames: ['status', 'profile'] as const,
      registers,
    });
    this.endpointRequests = new Counter({
      name: 'mxcp_endpoint_requests_total',
      help: 'Endpoint calls by outcome and policy decision',
      labelNames: ['endpoint', 'type', 'status', 'caller', 'policy_decision'] as const,
      registers,
    });
    this.endpointErrors = new Counter({
      name: 'mxcp_endpoint_errors_total',
      help: 'Failed endpoint calls by error type',
      labelNames: ['endpoint', 'type', 'caller', 'error_type'] as const,
      registers,
    });
    this.endpointConcurrent = new Gauge({
      name: 'mxcp_endpoint_concurrent_executions',
      help: 'Endpoint calls running now',
      labelNames: ['endpoint', 'type'] as const,
      registers,
    });
    this.endpointDuration = new Histogram({
      name: 'mxcp_endpoint_duration_seconds',
      help: 'Endpoint call duration',
      labelNames: ['endpoint', 'type', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.executions = new Counter({
      name: 'mxcp_execution_total',
      help: 'Executions by language and outcome',
      labelNames: ['language', 'status', 'error'] as const,
      registers,
    });
    this.executionConcurrent = new Gauge({
      name: 'mxcp_execution_concurrent',
      help: 'Executions running now',
      labelNames: ['language'] as const,
      registers,
    });
    this.duckdbQueries = new Counter({
      name: 'mxcp_duckdb_queries_total',
      help: 'DuckDB queries by operation and outcome',
      labelNames: ['operation', 'status'] as const,
      registers,
    });
    this.duckdbConcurrent = new Gauge({
      name: 'mxcp_duckdb_concurrent_executions',
      help: 'DuckDB queries running now',
      labelNames: ['operation'] as const,
      registers,
    });
    this.pythonExecutions = new Counter({
      name: 'mxcp_python_executions_total',
      help: 'Python endpoint executions by type and outcome',
      labelNames: ['type', 'status'] as const,
      registers,
    });
    this.pythonConcurrent = new Gauge({
      name: 'mxcp_python_concurrent_executions',
      help: 'Python executions running now',
      labelNames: ['type'] as const,
      registers,
    });
    this.policyEvaluations = new Counter({
      name: 'mxcp_policy_evaluations_total',
      help: 'Policy enforcement passes by phase (input/output) and decision',
      labelNames: ['type', 'decision'] as const,
      registers,
    });
    this.policyDenials = new Counter({
      name: 'mxcp_policy_denials_total',
      help: 'Policy denials by phase and reason',
      labelNames: ['type', 'reason'] as const,
      registers,
    });
    this.registerAuditMetrics();
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'mxcp_' });
  }

  /** Sets `mxcp_up{…} 1`, replacing any earlier labels (e.g. after a reload). */
  markUp(labels: UpLabels): void {
    this.up.reset();
    this.up.set(labels, 1);
  }

  recordReload(status: 'success' | 'error', profile: string): void {
    this.reloads.inc({ status, profile });
  }

  recordPolicyEvaluation(type: 'input' | 'output', decision: string): void {
    this.policyEvaluations.inc({ type, decision });
  }

  recordPolicyDenial(type: 'input' | 'output', reason: string): void {
    this.policyDenials.inc({ type, reason });
  }

  /** The audit writer's counters, read at every scrape; call again to replace the source. */
  setAuditStats(source: () => AuditStats): void {
    this.auditStats = source;
  }

  /** Pass as `DatabaseOptions.observer`: DuckDB query counts and concurrency. */
  readonly duckdb: QueryObserver = {
    started: (operation: SqlOperation) => {
      this.duckdbConcurrent.inc({ operation });
      let ended = false;
      return (status) => {
        if (ended) return;
        ended = true;
        this.duckdbConcurrent.dec({ operation });
        this.duckdbQueries.inc({ operation, status });
      };
    },
  };

  /** Prometheus text of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private registerAuditMetrics(): void {
    const stats = (): AuditStats | undefined => this.auditStats?.();
    const registers = [this.registry];
    const counter = (name: string, help: string, pick: (s: AuditStats) => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const s = stats();
          this.reset();
          if (s) this.inc(Math.max(0, pick(s)));
        },
      });
    };
    counter('mxcp_audit_records_written_total', 'Audit records written', (s) => s.written);
    counter('mxcp_audit_records_dropped_total', 'Audit records dropped (never silently)', (s) => s.dropped);
    counter('mxcp_audit_write_failures_total', 'Audit segment write failures', (s) => s.failures);
    new Gauge({
      name: 'mxcp_audit_queue_depth',
      help: 'Audit records waiting to be written',
      registers,
      collect() {
        const s = stats();
        this.set(s ? s.queued : 0);
      },
    });
  }
}

/** GET /metrics for express: Prometheus text format of `registry`. */
export function metricsHandler(registry: Registry) {
  return async (_req: Request, res: Response): Promise<void> => {
    try {
      const body = await registry.metrics();
      res.setHeader('Content-Type', registry.contentType);
      res.end(body);
    } catch (error) {
      res
        .status(500)
        .type('text/plain')
        .end(`metrics collection failed: ${(error as Error).name}`);
    }
  };
}

/** A fresh metrics set with its own Registry (one per app instance). */
export function createMetrics(opts: MetricsOptions = {}): MxcpMetrics {
  return new MxcpMetrics(opts);
}
