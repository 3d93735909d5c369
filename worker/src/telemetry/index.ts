// Public surface of the worker's observability: trace export (startTelemetry), the engine layer
// that traces and counts every call (withTelemetry), and the Prometheus metrics (MxcpMetrics,
// metricsHandler). Logs are cli/logger.ts.
export { startTelemetry, type TelemetryHandle, type TelemetryOptions } from './tracing.js';
export { resolveTelemetrySettings, type TelemetrySettings, type TelemetrySource } from './settings.js';
export { withTelemetry, recordPolicyOutcome, errorTypeOf, UNKNOWN_ENDPOINT } from './engine.js';
export {
  MxcpMetrics,
  createMetrics,
  metricsHandler,
  type AuditStats,
  type EndpointType,
  type MetricsOptions,
  type UpLabels,
} from './metrics.js';
export {
  StderrSpanExporter,
  FanOutSpanExporter,
  type SpanExporter,
  type SpanProcessor,
  type ReadableSpan,
} from './exporters.js';
