import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRetention } from './retention.js';
import { callRecord } from './testdata/records.js';

const DAY = 86_400_000;
const NOW = new Date('2025-06-01T12:00:00Z');
let dir: string;
let base: string;

function recordLine(daysOld: number, schema?: { name: string; version: number }): string {
  const record = callRecord({ timestamp: new Date(NOW.getTime() - daysOld * DAY) });
  if (schema) Object.assign(record, { schema_name: schema.name, schema_version: schema.version });
  return JSON.stringify(record);
}

function segment(file: string, ...lines: string[]): void {
  writeFileSync(join(dir, file), lines.map((l) => l + '\n').join(''));
}

beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-audit-retention-'));
  dir = join(root, 'audit');
  mkdirSync(dir);
  base = join(dir, 'logs-t.jsonl');
  const custom = { name: 'custom.audit', version: 1 };
  writeFileSync(
    join(dir, 'logs-t_schemas.jsonl'),
    JSON.stringify({ schema_name: 'custom.audit', version: 1, retention_days: 365 }) + '\n',
  );
  segment('logs-t.jsonl', recordLine(300)); // legacy file: past retention
  segment('logs-t-20250101T000000_a.jsonl', recordLine(120), recordLine(121)); // past
  segment('logs-t-20250102T000000_a.jsonl', recordLine(120), recordLine(91)); // newest 91 days > 90: past
  segment('logs-t-20250103T000000_a.jsonl', recordLine(90.5)); // 90 whole days: kept
  segment('logs-t-20250103T000000-1_a.jsonl', recordLine(80)); // kept
  segment('logs-t-20250104T000000_a.jsonl', recordLine(200)); // host a's current segment: kept
  segment('logs-t-20250101T000000_b.jsonl', recordLine(200)); // host b's only (current) segment: kept
  segment('logs-t-20250101T000000.jsonl', recordLine(200)); // MXCP segment, not the newest: past
  segment('logs-t-20250102T000000.jsonl', recordLine(200)); // newest MXCP segment: kept
  segment('logs-t-20250101T000000_c.jsonl', recordLine(100), recordLine(100, custom)); // 365 days apply: kept
  segment('logs-t-20250101T000000_d.jsonl', recordLine(366, custom), recordLine(400, custom)); // past 365
  segment('logs-t-20250102T000000_c.jsonl');
  segment('logs-t-20250102T000000_d.jsonl');
  segment('logs-other-20250101T000000_a.jsonl', recordLine(500)); // another profile's log
});

afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const PAST = [
  'logs-t-20250101T000000.jsonl',
  'logs-t-20250101T000000_a.jsonl',
  'logs-t-20250101T000000_d.jsonl',
  'logs-t-20250102T000000_a.jsonl',
  'logs-t.jsonl',
];

describe('applyRetention', () => {
  it('deletes exactly the whole segments past retention, keeping each host’s newest', async () => {
    const before = readdirSync(dir).sort();
    const result = await applyRetention(base, { now: NOW });
    expect(result.status).toBe('success');
    expect(result.deleted_per_schema).toEqual({ 'mxcp.endpoints:v2': 6, 'custom.audit:v1': 2 });
    expect(result.message).toBe('Deleted 8 records');
    expect(result.segments.map((p) => p.slice(dir.length + 1)).sort()).toEqual(PAST);
    expect(readdirSync(dir).sort()).toEqual(before.filter((f) => !PAST.includes(f)));
  });

  it('reports the same without deleting on a dry run', async () => {
    const before = readdirSync(dir).sort();
    const result = await applyRetention(base, { now: NOW, dryRun: true });
    expect(result).toMatchObject({
      status: 'dry_run',
      message: 'Would delete 8 records',
      deleted_per_schema: { 'mxcp.endpoints:v2': 6, 'custom.audit:v1': 2 },
    });
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('deletes nothing when nothing is old enough', async () => {
    const result = await applyRetention(base, { now: new Date(NOW.getTime() - 365 * DAY) });
    expect(result).toMatchObject({ deleted_per_schema: {}, message: 'Deleted 0 records', segments: [] });
    expect(existsSync(base)).toBe(true);
  });
});
