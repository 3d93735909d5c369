// The production layers `mxcp serve` puts around every engine it serves (the first one and
// each reload's): audit records inside, telemetry (root span, metrics) outermost so the audit
// layer sees the call's trace id. Also owns what they need at shutdown and for readiness.
import type { RequestHandler } from 'express';
import type { ProjectConfig } from '../config/index.js';
import type { Engine, OpenedProject } from '../engine/index.js';
import { openAuditWriter, withAudit, type AuditWriter } from '../audit/index.js';
import {
  createMetrics,
  metricsHandler,
  startTelemetry,
  withTelemetry,
  type MxcpMetrics,
} from '../telemetry/index.js';
import type { ReloadResult } from '../server/lifecycle/index.js';
import { packageVersion } from '../server/index.js';
import type { createLogger } from './logger.js';

type Logger = ReturnType<typeof createLogger>;

export interface ServeLayers {
  metrics: MxcpMetrics;
  audit: AuditWriter | null;
  wrapEngine(engine: Engine, opened: OpenedProject): Engine;
  onReload(result: ReloadResult): void;
  /** False while the audit sink is failing: the pod should stop receiving traffic. */
  healthy(): boolean;
  metricsHandler: RequestHandler;
  /** Flush audit records and spans; run after calls finished, before DuckDB closes. */
  shutdownSteps: Array<{ name: string; run: () => Promise<void> }>;
}

export interface ServeLayerOptions {
  transport: string;
  logger: Logger;
  /** `MXCP_AUDIT_STDOUT=true`: copy each record to stdout for log shippers (never with stdio). */
  auditToStdout: boolean;
}

export async function startServeLayers(config: ProjectConfig, opts: ServeLayerOptions): Promise<ServeLayers> {
  const version = packageVersion();
  const telemetry = await startTelemetry(config, { version });
  const metrics = createMetrics();
  metrics.markUp({
    version,
    profile: config.profileName,
    project: config.site.project,
    transport: opts.transport,
  });
  const copyTo = opts.auditToStdout && opts.transport !== 'stdio' ? process.stdout : undefined;
  const audit = openAuditWriter(config, { logger: opts.logger, copyTo });
  if (audit) metrics.setAuditStats(() => audit.stats());
  return {
    metrics,
    audit,
    wrapEngine: (engine, opened) =>
      withTelemetry(
        audit ? withAudit(engine, audit, { endpoints: opened.loaded, logger: opts.logger }) : engine,
        metrics,
      ),
    onReload: (result) => metrics.recordReload(result.status, config.profileName),
    healthy: () => audit?.healthy ?? true,
    metricsHandler: metricsHandler(metrics.registry),
    shutdownSteps: [
      ...(audit ? [{ name: 'audit flush', run: () => audit.close() }] : []),
      { name: 'telemetry flush', run: () => telemetry.shutdown() },
    ],
  };
}
