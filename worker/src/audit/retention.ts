// `mxcp log-cleanup` (MXCP-SPEC §6 "Retention"): whole segments are deleted
// when their newest record is more than `retention_days` old, taking the
// largest retention of the schemas present in the segment. The newest segment
// of each host is never touched, since that replica may still be appending to
// it. The legacy single file is an ordinary candidate (nobody writes it).
//
// Deviation: MXCP's --dry-run counts old records one by one, so it can report
// what the real run will not delete; here the dry run reports exactly what the
// real run would delete.
import { rmSync } from 'node:fs';
import { ENDPOINT_SCHEMA, schemaKey } from './record.js';
import { loadRecords } from './records-table.js';
import { listSegments, readSchemas, type Segment } from './segments.js';

const DAY_MS = 86_400_000;

export interface RetentionResult {
  status: 'success' | 'dry_run';
  message: string;
  /** Records deleted (or that would be) per `schema:vN`. */
  deleted_per_schema: Record<string, number>;
  /** The segment files deleted (or that would be). */
  segments: string[];
}

export interface RetentionOptions {
  dryRun?: boolean;
  now?: Date;
}

interface SegmentContent {
  newest: number | null;
  counts: Map<string, number>;
}

export async function applyRetention(
  basePath: string,
  options: RetentionOptions = {},
): Promise<RetentionResult> {
  const now = (options.now ?? new Date()).getTime();
  const retention = retentionDays(basePath);
  const content = await segmentContents(basePath);
  const current = currentSegments(listSegments(basePath));

  const deleted: Record<string, number> = {};
  const doomed: string[] = [];
  for (const segment of listSegments(basePath)) {
    if (current.has(segment.path)) continue;
    const found = content.get(segment.path);
    if (!found || found.newest === null) continue; // empty or unreadable: nothing is known to be old
    const days = [...found.counts.keys()].map((key) => retention.get(key)).filter((d) => d !== undefined);
    if (days.length === 0) continue; // only unknown schemas: no retention applies
    const ageDays = Math.floor((now - found.newest) / DAY_MS);
    if (ageDays <= Math.max(...days)) continue;
    doomed.push(segment.path);
    for (const [key, n] of found.counts) deleted[key] = (deleted[key] ?? 0) + n;
  }
  if (!options.dryRun) for (const path of doomed) rmSync(path, { force: true });

  const total = Object.values(deleted).reduce((a, b) => a + b, 0);
  return {
    status: options.dryRun ? 'dry_run' : 'success',
    message: `${options.dryRun ? 'Would delete' : 'Deleted'} ${total} records`,
    deleted_per_schema: deleted,
    segments: doomed,
  };
}

/** `schema:vN` → retention days: the built-in endpoint schema, overridden by the schemas file (last wins). */
function retentionDays(basePath: string): Map<string, number> {
  const days = new Map([
    [schemaKey(ENDPOINT_SCHEMA.schema_name, ENDPOINT_SCHEMA.version), ENDPOINT_SCHEMA.retention_days],
  ]);
  for (const schema of readSchemas(basePath))
    if (typeof schema.retention_days === 'number')
      days.set(schemaKey(schema.schema_name, schema.version), schema.retention_days);
  return days;
}

/** The newest segment of every writer (host); MXCP's host-less segments form one group. */
function currentSegments(segments: Segment[]): Set<string> {
  const newest = new Map<string, Segment>();
  for (const segment of segments) if (!segment.legacy) newest.set(segment.host ?? '', segment); // sorted oldest first
  return new Set([...newest.values()].map((s) => s.path));
}

async function segmentContents(basePath: string): Promise<Map<string, SegmentContent>> {
  const table = await loadRecords(basePath);
  try {
    const reader = await table.connection.runAndReadAll(
      `SELECT source, schema_name, schema_version, count(*) AS n, epoch_ms(max(ts)) AS newest
       FROM records GROUP BY ALL`,
    );
    const contents = new Map<string, SegmentContent>();
    for (const row of reader.getRowObjectsJson() as Record<string, unknown>[]) {
      const source = String(row.source);
      const entry = contents.get(source) ?? { newest: null, counts: new Map<string, number>() };
      const key = schemaKey(String(row.schema_name), Number(row.schema_version));
      entry.counts.set(key, (entry.counts.get(key) ?? 0) + Number(row.n));
      if (row.newest !== null) entry.newest = Math.max(entry.newest ?? -Infinity, Number(row.newest));
      contents.set(source, entry);
    }
    return contents;
  } finally {
    table.close();
  }
}
