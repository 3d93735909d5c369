// The API server's audit trail in tests: a policy that records every request at Metadata level
// (who, verb, object, response code; no bodies) once it completes, and a reader for the JSON-lines
// log, so tests can count e.g. the write requests one user made.
import { readFile } from 'node:fs/promises';

export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
`;

export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** The fields of an audit.k8s.io/v1 Event that Metadata level records (the ones tests use). */
export interface AuditEvent {
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username: string; groups?: string[] };
  userAgent?: string;
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    apiVersion?: string;
  };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

export interface AuditFilter {
  /** Exact user name, e.g. 'admin' or 'system:serviceaccount:ns:name'. */
  user?: string;
  /** Audit verbs: get, list, watch, create, update, patch, delete, deletecollection. */
  verbs?: string[];
  /** Requests received at or after this time. */
  since?: Date;
  namespace?: string;
  resource?: string;
}

export async function readAuditEvents(logPath: string, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  let text: string;
  try {
    text = await readFile(logPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const since = filter.since?.getTime();
  const events: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    // The last line may be half written while the API server appends.
    if (!line.trim()) continue;
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      continue;
    }
    if (filter.user !== undefined && event.user?.username !== filter.user) continue;
    if (filter.verbs && !filter.verbs.includes(event.verb)) continue;
    if (since !== undefined && Date.parse(event.requestReceivedTimestamp) < since) continue;
    if (filter.namespace !== undefined && event.objectRef?.namespace !== filter.namespace) continue;
    if (filter.resource !== undefined && event.objectRef?.resource !== filter.resource) continue;
    events.push(event);
  }
  return events;
}
