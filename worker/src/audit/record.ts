// The audit record and its schema (MXCP-SPEC §6): one JSON object per line in
// the same shape MXCP writes (`mxcp.endpoints` version 2), so `mxcp log` of
// either implementation reads the other's files.
import { randomUUID } from 'node:crypto';
import type { FieldRedaction } from './redaction.js';

export type OperationType = 'tool' | 'resource' | 'prompt';
export type OperationStatus = 'success' | 'error';
export type PolicyDecision = 'allow' | 'deny' | 'warn';

/** One external call made by endpoint code (user Python appends these in MXCP). */
export interface ExecutionEvent {
  kind: 'external';
  started_at: string;
  duration_ms: number;
  status: string;
  target: string | null;
  operation: string | null;
  summary: string | null;
  error: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditRecord {
  schema_name: string;
  schema_version: number;
  record_id: string;
  /** ISO 8601 UTC ending in `Z`. */
  timestamp: string;
  operation_type: OperationType;
  /** Tool or prompt name, or the resource URI template. */
  operation_name: string;
  operation_status: OperationStatus;
  duration_ms: number;
  caller_type: string;
  user_id: string | null;
  session_id: string | null;
  trace_id: string | null;
  input_data: Record<string, unknown>;
  output_data: unknown;
  error: string | null;
  policies_evaluated: string[];
  policy_decision: PolicyDecision | null;
  policy_reason: string | null;
  business_context: Record<string, unknown>;
  execution_events: ExecutionEvent[];
  /** Reserved by MXCP for a hash-chained ledger that does not exist: always null. */
  prev_hash: null;
  record_hash: null;
  signature: null;
}

/** A line of `<stem>_schemas.jsonl`. */
export interface AuditSchema {
  schema_name: string;
  version: number;
  description: string;
  retention_days: number;
  evidence_level: 'basic' | 'detailed' | 'regulatory' | 'forensic';
  extract_fields: string[];
  field_redactions: FieldRedaction[];
  created_at: string;
  active: boolean;
}

/** MXCP's ENDPOINT_EXECUTION_SCHEMA. */
export const ENDPOINT_SCHEMA: Omit<AuditSchema, 'created_at'> = {
  schema_name: 'mxcp.endpoints',
  version: 2,
  description: 'Execution of MXCP tools, resources and prompts',
  retention_days: 90,
  evidence_level: 'detailed',
  extract_fields: ['operation_type', 'operation_name', 'operation_status', 'policy_decision'],
  field_redactions: [],
  active: true,
};

/** `schema_name:vN`, the key retention reports counts under. */
export function schemaKey(name: string, version: number): string {
  return `${name}:v${version}`;
}

/** What the audited engine knows about one finished call. */
export interface CallFacts {
  operation_type: OperationType;
  operation_name: string;
  operation_status: OperationStatus;
  duration_ms: number;
  caller_type: string;
  user_id: string | null;
  session_id: string | null;
  trace_id: string | null;
  input_data: Record<string, unknown>;
  output_data: unknown;
  error: string | null;
  policies_evaluated?: string[];
  policy_decision?: PolicyDecision | null;
  policy_reason?: string | null;
  execution_events?: ExecutionEvent[];
  /** Defaults to now. */
  timestamp?: Date;
}

/** A complete `mxcp.endpoints` v2 record; `business_context` holds the schema's non-null extract fields. */
export function buildRecord(facts: CallFacts): AuditRecord {
  const record: AuditRecord = {
    schema_name: ENDPOINT_SCHEMA.schema_name,
    schema_version: ENDPOINT_SCHEMA.version,
    record_id: randomUUID(),
    timestamp: (facts.timestamp ?? new Date()).toISOString(),
    operation_type: facts.operation_type,
    operation_name: facts.operation_name,
    operation_status: facts.operation_status,
    duration_ms: Math.max(0, Math.round(facts.duration_ms)),
    caller_type: facts.caller_type,
    user_id: facts.user_id,
    session_id: facts.session_id,
    trace_id: facts.trace_id,
    input_data: facts.input_data,
    output_data: facts.output_data ?? null,
    error: facts.error,
    policies_evaluated: facts.policies_evaluated ?? [],
    policy_decision: facts.policy_decision ?? null,
    policy_reason: facts.policy_reason ?? null,
    business_context: {},
    execution_events: facts.execution_events ?? [],
    prev_hash: null,
    record_hash: null,
    signature: null,
  };
  const fields = record as unknown as Record<string, unknown>;
  for (const field of ENDPOINT_SCHEMA.extract_fields) {
    const value = fields[field];
    if (value !== null && value !== undefined) record.business_context[field] = value;
  }
  return record;
}
