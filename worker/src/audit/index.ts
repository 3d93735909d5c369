// The audit log (MXCP-SPEC §6): records, the batching segment writer, the
// Engine decorator that records each call, and the readers behind `mxcp log`
// and `mxcp log-cleanup`.
export { withAudit, type AuditOptions, type AuditSink } from './audited-engine.js';
export { openAuditWriter, type OpenAuditOptions } from './open.js';
export { AuditWriter, type AuditLogger, type AuditWriterOptions, type AuditWriterStats } from './writer.js';
export {
  buildRecord,
  ENDPOINT_SCHEMA,
  schemaKey,
  type AuditRecord,
  type AuditSchema,
  type CallFacts,
  type ExecutionEvent,
  type OperationStatus,
  type OperationType,
  type PolicyDecision,
} from './record.js';
export {
  applyFieldRedactions,
  compileRedactor,
  FULL_REDACTION,
  REDACTION_STRATEGIES,
  type FieldRedaction,
  type RedactionOptions,
  type RedactionSpec,
  type RedactionStrategy,
} from './redaction.js';
export {
  auditLocation,
  hostLabel,
  listSegments,
  parseSegmentName,
  readSchemas,
  schemasPath,
  segmentFileName,
  type Segment,
} from './segments.js';
export {
  exportAuditLog,
  parseSince,
  queryAuditLog,
  type AuditFilter,
  type AuditRow,
  type ExportFormat,
} from './query.js';
export { applyRetention, type RetentionOptions, type RetentionResult } from './retention.js';
