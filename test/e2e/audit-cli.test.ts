// `mxcp log` and `mxcp log-cleanup` as a user runs them, on audit segments
// written with known records: every filter, both exports, the JSON envelopes,
// and retention deleting exactly the segments past it.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallFacts } from '../../worker/src/audit/index.js';
import { callRecord } from '../../worker/src/audit/testdata/records.js';
import { runMxcp } from '../support/mxcp.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let root: string;
let dir: string;
let auditDir: string;

function line(ageMs: number, facts: Partial<CallFacts>): string {
  return JSON.stringify(
    callRecord({ duration_ms: 12, session_id: 's-1', timestamp: new Date(Date.now() - ageMs), ...facts }),
  );
}

const OLD_SEGMENT = 'logs-default-20250101T000000_pod-a.jsonl';
const LEGACY = 'logs-default.jsonl';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mxcp-audit-cli-'));
  dir = join(root, 'project');
  auditDir = join(dir, 'audit');
  mkdirSync(auditDir, { recursive: true });
  writeFileSync(
    join(dir, 'mxcp-site.yml'),
    'mxcp: 1\nproject: audit-cli\nprofile: default\nprofiles:\n  default:\n    audit:\n      enabled: true\n  off: {}\n',
  );
  const write = (file: string, ...lines: string[]) =>
    writeFileSync(join(auditDir, file), lines.map((l) => l + '\n').join(''));
  write(OLD_SEGMENT, line(100 * DAY, { operation_name: 'archive' }));
  write(
    'logs-default-20250201T000000_pod-a.jsonl',
    line(5 * MINUTE, { user_id: 'alice', policy_decision: 'allow' }),
    line(2 * 60 * MINUTE, {
      operation_status: 'error',
      error: 'Policy enforcement failed',
      policy_decision: 'deny',
    }),
  );
  write(
    'logs-default-20250201T000000_pod-b.jsonl',
    line(3 * DAY, { operation_type: 'resource', operation_name: 'users://{id}', input_data: { id: '7' } }),
    line(30_000, { operation_type: 'prompt', operation_name: 'hello', policy_decision: 'warn' }),
  );
  write(LEGACY, line(95 * DAY, { operation_name: 'other' }));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function logJson(args: string[], env?: Record<string, string>) {
  const r = await runMxcp(['log', '--json', ...args], { cwd: dir, env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const body = JSON.parse(r.stdout) as {
    status: string;
    result: { count: number; records: Record<string, unknown>[] };
  };
  expect(body.status).toBe('ok');
  expect(body.result.count).toBe(body.result.records.length);
  return body.result.records;
}

const names = (records: Record<string, unknown>[]) => records.map((r) => r.operation_name);

// Each CLI start costs seconds on a loaded machine; some tests start three.
describe('mxcp log', { timeout: 240_000 }, () => {
  it('--json lists every record newest first with MXCP’s fields', async () => {
    const records = await logJson([]);
    expect(names(records)).toEqual(['hello', 'login', 'login', 'users://{id}', 'other', 'archive']);
    // MXCP's `--json` selection, in its order; the input and output data stay out.
    const alice = {
      record_id: expect.any(String),
      timestamp: expect.any(String),
      caller_type: 'http',
      operation_type: 'tool',
      operation_name: 'login',
      duration_ms: 12,
      user_id: 'alice',
      session_id: 's-1',
      trace_id: null,
      operation_status: 'success',
      error: null,
      business_context: {
        operation_type: 'tool',
        operation_name: 'login',
        operation_status: 'success',
        policy_decision: 'allow',
      },
      policy_decision: 'allow',
    };
    expect(records[1]).toEqual(alice);
    expect(Object.keys(records[1])).toEqual(Object.keys(alice));
  });

  it('ORs --tool/--resource/--prompt and ANDs --type, --status and --policy', async () => {
    expect(
      names(await logJson(['--prompt', 'hello', '--resource', 'users://{id}', '--tool', 'other'])),
    ).toEqual(['hello', 'users://{id}', 'other']);
    expect(names(await logJson(['--type', 'tool', '--status', 'error', '--policy', 'deny']))).toEqual([
      'login',
    ]);
    expect(names(await logJson(['--type', 'resource', '--policy', 'n/a']))).toEqual(['users://{id}']);
  });

  it('--since compares in UTC whatever the local time zone', async () => {
    const env = { TZ: 'Pacific/Kiritimati' }; // UTC+14: a naive local comparison would be 14 h off
    expect(names(await logJson(['--since', '1h'], env))).toEqual(['hello', 'login']);
    expect(names(await logJson(['--since', '4d', '--limit', '2'], env))).toEqual(['hello', 'login']);
  });

  it('prints one line per record and the total for humans', async () => {
    const r = await runMxcp(['log', '--limit', '3'], { cwd: dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^✅ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[prompt\] hello \(12ms\) - unknown$/);
    expect(lines[1]).toMatch(/^✅ .* \[tool\] login \(12ms\) - alice$/);
    expect(lines[2]).toMatch(/^❌ .* \[tool\] login \(12ms\) - unknown$/);
    expect(lines.at(-1)).toBe('Total records: 3');
  });

  it('--export-csv writes every matching record, without the limit', async () => {
    const path = join(root, 'tools.csv');
    const r = await runMxcp(['log', '--type', 'tool', '--limit', '1', '--export-csv', path, '--json'], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ status: 'ok', result: { exported: 4, format: 'csv', path } });
    const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
    expect(header).toContain('operation_name');
    expect(rows).toHaveLength(4);
  });

  it('--export-duckdb writes the table audit_logs', async () => {
    const path = join(root, 'audit.duckdb');
    const r = await runMxcp(['log', '--since', '1h', '--export-duckdb', path], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`Exported 2 records to ${path}`);
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        'SELECT operation_name FROM audit_logs ORDER BY "timestamp" DESC',
      );
      expect(reader.getRowObjectsJson()).toEqual([{ operation_name: 'hello' }, { operation_name: 'login' }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('fails with exit 1 when audit is off, the profile is unknown or a flag is invalid', async () => {
    const off = await runMxcp(['log', '--profile', 'off'], { cwd: dir });
    expect(off.code).toBe(1);
    expect(off.stderr).toContain("Error: Audit logging is disabled for profile 'off'");

    const unknown = await runMxcp(['log', '--profile', 'nope', '--json'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toEqual({ status: 'error', error: "Profile 'nope' not found" });

    const since = await runMxcp(['log', '--since', '1w', '--json'], { cwd: dir });
    expect(since.code).toBe(1);
    expect(JSON.parse(since.stdout).error).toMatch(/Invalid --since value '1w'/);
  });
});

describe('mxcp log-cleanup', { timeout: 240_000 }, () => {
  it('is skipped when audit is disabled', async () => {
    const r = await runMxcp(['log-cleanup', '--profile', 'off', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).result).toMatchObject({ status: 'skipped' });
  });

  it('--dry-run reports the segments past retention and deletes nothing', async () => {
    const before = readdirSync(auditDir).sort();
    const r = await runMxcp(['log-cleanup', '--dry-run', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).result).toMatchObject({
      status: 'dry_run',
      message: 'Would delete 2 records',
      deleted_per_schema: { 'mxcp.endpoints:v2': 2 },
    });
    expect(readdirSync(auditDir).sort()).toEqual(before);
  });

  it('deletes exactly the segments past retention', async () => {
    const r = await runMxcp(['log-cleanup', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).result).toMatchObject({
      status: 'success',
      message: 'Deleted 2 records',
      deleted_per_schema: { 'mxcp.endpoints:v2': 2 },
    });
    expect(existsSync(join(auditDir, OLD_SEGMENT))).toBe(false);
    expect(existsSync(join(auditDir, LEGACY))).toBe(false);
    expect(readdirSync(auditDir).sort()).toEqual([
      'logs-default-20250201T000000_pod-a.jsonl',
      'logs-default-20250201T000000_pod-b.jsonl',
    ]);
    expect(names(await logJson([]))).toEqual(['hello', 'login', 'login', 'users://{id}']);
  });
});
