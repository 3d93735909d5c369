// TEST HELPER: audit records as the audited engine would build them, for a successful anonymous
// HTTP tool call, with only the facts a test cares about changed.
import { buildRecord, type AuditRecord, type CallFacts } from '../record.js';

export function callRecord(facts: Partial<CallFacts> = {}): AuditRecord {
  return buildRecord({
    operation_type: 'tool',
    operation_name: 'login',
    operation_status: 'success',
    duration_ms: 1,
    caller_type: 'http',
    user_id: null,
    session_id: null,
    trace_id: null,
    input_data: {},
    output_data: null,
    error: null,
    ...facts,
  });
}
