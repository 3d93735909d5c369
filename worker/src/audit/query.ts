// `mxcp log` queries and exports (MXCP-SPEC §6 "Query", "Export"). Unlike
// MXCP, every filter value is a bound parameter, `--since` compares instants
// in UTC, and `--policy n/a` means "no filter" in queries and exports alike.
import { existsSync, rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { OperationStatus, OperationType, PolicyDecision } from './record.js';
import { JSON_COLUMNS, loadRecords, quoteIdent, quoteString, RECORD_COLUMNS } from './records-table.js';

export interface AuditFilter {
  /** `--tool`/`--resource`/`--prompt` values, OR-ed into `operation_name IN (…)`. */
  names?: string[];
  type?: OperationType;
  status?: OperationStatus;
  /** Undefined (or `--policy n/a`) filters nothing. */
  policy?: PolicyDecision;
  /** Only records at or after this instant. */
  since?: Date;
}

/** A record as read back: JSON columns parsed, numbers as numbers. */
export type AuditRow = Record<string, unknown>;

/** `10s`, `5m`, `2h`, `1d` → the instant that long before `now`. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (!m)
    throw new Error(
      `Invalid --since value '${text}': use a number and a unit s, m, h or d (e.g. 10m, 2h, 1d)`,
    );
  const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return new Date(now.getTime() - Number(m[1]) * unitMs);
}

/** The newest matching records first, at most `limit` (all when undefined). */
export async function queryAuditLog(
  basePath: string,
  filter: AuditFilter,
  limit?: number,
): Promise<AuditRow[]> {
  const table = await loadRecords(basePath);
  try {
    const { where, params } = whereClause(filter);
    const names = RECORD_COLUMNS.map(([name]) => quoteIdent(name)).join(', ');
    const limitSql = limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.trunc(limit))}`;
    const reader = await runPrepared(
      table.connection,
      `SELECT ${names} FROM records ${where} ORDER BY ts DESC NULLS LAST, record_id${limitSql}`,
      params,
    );
    return reader.map(decodeRow);
  } finally {
    table.close();
  }
}

export type ExportFormat = 'csv' | 'duckdb';

/**
 * Writes every matching record (no limit) to `path`: a CSV file with a header, or
 * a DuckDB file with the table `audit_logs`. JSON fields are stored as JSON text.
 * An existing file at `path` is replaced. Returns the number of records exported.
 */
export async function exportAuditLog(
  basePath: string,
  filter: AuditFilter,
  format: ExportFormat,
  path: string,
): Promise<number> {
  const table = await loadRecords(basePath);
  try {
    const { where, params } = whereClause(filter);
    const columns = RECORD_COLUMNS.map(([name]) =>
      JSON_COLUMNS.has(name)
        ? `CAST(${quoteIdent(name)} AS VARCHAR) AS ${quoteIdent(name)}`
        : quoteIdent(name),
    ).join(', ');
    await runPrepared(
      table.connection,
      `CREATE TEMP TABLE audit_logs AS SELECT ${columns} FROM records ${where} ORDER BY ts DESC NULLS LAST, record_id`,
      params,
    );
    if (format === 'csv') {
      await table.connection.run(`COPY audit_logs TO ${quoteString(path)} (FORMAT csv, HEADER true)`);
    } else {
      for (const file of [path, `${path}.wal`]) if (existsSync(file)) rmSync(file);
      await table.connection.run(`ATTACH ${quoteString(path)} AS export_target`);
      // A typed timestamp is what people query a DuckDB export with.
      await table.connection.run(
        `CREATE TABLE export_target.audit_logs AS
         SELECT * REPLACE (TRY_CAST("timestamp" AS TIMESTAMPTZ) AS "timestamp") FROM audit_logs`,
      );
      await table.connection.run('DETACH export_target');
    }
    const [row] = await runPrepared(table.connection, 'SELECT count(*) AS n FROM audit_logs', {});
    return Number(row.n);
  } finally {
    table.close();
  }
}

function whereClause(filter: AuditFilter): { where: string; params: Record<string, string> } {
  const conditions: string[] = [];
  const params: Record<string, string> = {};
  const names = [...new Set(filter.names ?? [])];
  if (names.length > 0) {
    names.forEach((name, i) => (params[`name${i}`] = name));
    conditions.push(`operation_name IN (${names.map((_, i) => `$name${i}`).join(', ')})`);
  }
  if (filter.type) {
    params.type = filter.type;
    conditions.push('operation_type = $type');
  }
  if (filter.status) {
    params.status = filter.status;
    conditions.push('operation_status = $status');
  }
  if (filter.policy) {
    params.policy = filter.policy;
    conditions.push('policy_decision = $policy');
  }
  if (filter.since) {
    params.since = filter.since.toISOString();
    conditions.push('ts >= CAST($since AS TIMESTAMPTZ)');
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

async function runPrepared(
  connection: DuckDBConnection,
  sql: string,
  params: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const statement = await connection.prepare(sql);
  try {
    if (Object.keys(params).length > 0) statement.bind(params);
    const reader = await statement.runAndReadAll();
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    statement.destroySync();
  }
}

function decodeRow(raw: Record<string, unknown>): AuditRow {
  const row: AuditRow = {};
  for (const [name, type] of RECORD_COLUMNS) {
    const value = raw[name];
    if (value === null || value === undefined) row[name] = null;
    else if (JSON_COLUMNS.has(name)) row[name] = JSON.parse(String(value));
    else if (type === 'BIGINT' || type === 'INTEGER') row[name] = Number(value);
    else row[name] = value;
  }
  return row;
}
