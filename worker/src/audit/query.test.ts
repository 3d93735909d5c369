import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAuditLog, parseSince, queryAuditLog } from './query.js';
import type { CallFacts } from './record.js';
import { callRecord } from './testdata/records.js';

const MINUTE = 60_000;
let root: string;
let base: string;

function line(minutesAgo: number, facts: Partial<CallFacts>): string {
  return JSON.stringify(
    callRecord({ duration_ms: 3, timestamp: new Date(Date.now() - minutesAgo * MINUTE), ...facts }),
  );
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mxcp-audit-query-'));
  const dir = join(root, 'audit');
  mkdirSync(dir);
  base = join(dir, 'logs-test.jsonl');
  writeFileSync(
    join(dir, 'logs-test-20250101T000000_pod-a.jsonl'),
    [
      line(5, { user_id: 'alice', policy_decision: 'allow', input_data: { user: 'a' } }),
      line(120, { operation_status: 'error', error: 'denied', policy_decision: 'deny' }),
    ].join('\n') + '\n',
  );
  writeFileSync(
    join(dir, 'logs-test-20250101T000000_pod-b.jsonl'),
    line(3 * 24 * 60, { operation_type: 'resource', operation_name: 'users://{id}' }) +
      '\n' +
      line(0.5, { operation_type: 'prompt', operation_name: 'hello', policy_decision: 'warn' }) +
      '\n{"record_id": "torn', // a crash mid-line
  );
  writeFileSync(join(dir, 'logs-test-20250102T000000_pod-a.jsonl'), ''); // a fresh segment
  // MXCP's legacy single file, with MXCP's +00:00 offset style.
  writeFileSync(base, line(10 * 24 * 60, { operation_name: 'other' }).replace(/Z"/, '+00:00"') + '\n');
  writeFileSync(join(dir, 'logs-test_schemas.jsonl'), '{"schema_name":"mxcp.endpoints","version":2}\n');
  writeFileSync(
    join(dir, 'logs-other-20250101T000000.jsonl'),
    line(1, { operation_name: 'elsewhere' }) + '\n',
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const names = (rows: Record<string, unknown>[]) => rows.map((r) => r.operation_name);

describe('queryAuditLog', () => {
  it('reads every segment of the location and the legacy file, newest first', async () => {
    const rows = await queryAuditLog(base, {});
    expect(names(rows)).toEqual(['hello', 'login', 'login', 'users://{id}', 'other']);
    expect(rows[1]).toMatchObject({ user_id: 'alice', duration_ms: 3, input_data: { user: 'a' } });
    expect(rows[1].business_context).toEqual({
      operation_type: 'tool',
      operation_name: 'login',
      operation_status: 'success',
      policy_decision: 'allow',
    });
  });

  it('ORs names and ANDs the other filters', async () => {
    expect(names(await queryAuditLog(base, { names: ['hello', 'users://{id}'] }))).toEqual([
      'hello',
      'users://{id}',
    ]);
    expect(names(await queryAuditLog(base, { type: 'resource' }))).toEqual(['users://{id}']);
    expect((await queryAuditLog(base, { status: 'error' })).map((r) => r.error)).toEqual(['denied']);
    expect(names(await queryAuditLog(base, { policy: 'warn' }))).toEqual(['hello']);
    expect(await queryAuditLog(base, { names: ['login'], status: 'error', policy: 'allow' })).toEqual([]);
  });

  it('treats filter values as data, never as SQL', async () => {
    expect(await queryAuditLog(base, { names: ["login' OR '1'='1"] })).toEqual([]);
  });

  it('keeps records at or after --since and applies the limit', async () => {
    expect(names(await queryAuditLog(base, { since: parseSince('1h') }))).toEqual(['hello', 'login']);
    expect(names(await queryAuditLog(base, { since: parseSince('4d') }))).toHaveLength(4);
    expect(names(await queryAuditLog(base, {}, 2))).toEqual(['hello', 'login']);
  });

  it('returns nothing for a location without segments', async () => {
    expect(await queryAuditLog(join(root, 'nowhere', 'logs-x.jsonl'), {})).toEqual([]);
  });
});

describe('parseSince', () => {
  it('accepts s, m, h and d and rejects anything else', () => {
    const now = new Date('2025-01-10T00:00:00Z');
    expect(parseSince('30s', now).toISOString()).toBe('2025-01-09T23:59:30.000Z');
    expect(parseSince('10m', now).toISOString()).toBe('2025-01-09T23:50:00.000Z');
    expect(parseSince('2h', now).toISOString()).toBe('2025-01-09T22:00:00.000Z');
    expect(parseSince('1d', now).toISOString()).toBe('2025-01-09T00:00:00.000Z');
    expect(() => parseSince('1w')).toThrow(/Invalid --since value '1w'/);
    expect(() => parseSince('m')).toThrow(/Invalid --since/);
  });
});

describe('exportAuditLog', () => {
  it('writes every matching record to CSV with a header and JSON fields as text', async () => {
    const path = join(root, 'out.csv');
    expect(await exportAuditLog(base, { type: 'tool' }, 'csv', path)).toBe(3);
    const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
    expect(header.split(',').slice(0, 4)).toEqual([
      'schema_name',
      'schema_version',
      'record_id',
      'timestamp',
    ]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('alice');
    expect(rows[0]).toContain('"{""user"":""a""}"');
  });

  it('writes a DuckDB file with the table audit_logs, replacing an existing file', async () => {
    const path = join(root, 'out.duckdb');
    writeFileSync(path, 'not a database');
    expect(await exportAuditLog(base, { since: parseSince('1h') }, 'duckdb', path)).toBe(2);
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT operation_name, typeof("timestamp") AS ts_type, input_data FROM audit_logs ORDER BY "timestamp" DESC`,
      );
      expect(reader.getRowObjectsJson()).toEqual([
        { operation_name: 'hello', ts_type: 'TIMESTAMP WITH TIME ZONE', input_data: '{}' },
        { operation_name: 'login', ts_type: 'TIMESTAMP WITH TIME ZONE', input_data: '{"user":"a"}' },
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
