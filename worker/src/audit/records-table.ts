// Every audit record of a location, loaded into a throwaway in-memory DuckDB as
// the table `records` (MXCP-SPEC §6 "Query": DuckDB over all non-empty
// segments). Columns are declared, not inferred, so empty files, files from
// older writers with missing fields and a torn last line all load the same way.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { nonEmptySegments } from './segments.js';

/** The record fields in file order, with their DuckDB types. */
export const RECORD_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['schema_name', 'VARCHAR'],
  ['schema_version', 'INTEGER'],
  ['record_id', 'VARCHAR'],
  ['timestamp', 'VARCHAR'],
  ['operation_type', 'VARCHAR'],
  ['operation_name', 'VARCHAR'],
  ['operation_status', 'VARCHAR'],
  ['duration_ms', 'BIGINT'],
  ['caller_type', 'VARCHAR'],
  ['user_id', 'VARCHAR'],
  ['session_id', 'VARCHAR'],
  ['trace_id', 'VARCHAR'],
  ['input_data', 'JSON'],
  ['output_data', 'JSON'],
  ['error', 'VARCHAR'],
  ['policies_evaluated', 'JSON'],
  ['policy_decision', 'VARCHAR'],
  ['policy_reason', 'VARCHAR'],
  ['business_context', 'JSON'],
  ['execution_events', 'JSON'],
  ['prev_hash', 'VARCHAR'],
  ['record_hash', 'VARCHAR'],
  ['signature', 'VARCHAR'],
];

export const JSON_COLUMNS = new Set(RECORD_COLUMNS.filter(([, type]) => type === 'JSON').map(([n]) => n));

export interface RecordsTable {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Loads the records of every non-empty segment (and the legacy file) into
 * `records`, plus `ts` (the timestamp as TIMESTAMPTZ, so comparisons are in UTC
 * whatever the local zone) and `source` (the file a record came from).
 */
export async function loadRecords(basePath: string): Promise<RecordsTable> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    const declared = RECORD_COLUMNS.map(([name, type]) => `${quoteIdent(name)} ${type}`).join(', ');
    await connection.run(`CREATE TEMP TABLE records (${declared}, ts TIMESTAMPTZ, source VARCHAR)`);
    const files = nonEmptySegments(basePath).map((s) => s.path);
    if (files.length > 0) {
      const columns = RECORD_COLUMNS.map(([name, type]) => `${quoteString(name)}: '${type}'`).join(', ');
      const names = RECORD_COLUMNS.map(([name]) => quoteIdent(name)).join(', ');
      await connection.run(
        `INSERT INTO records SELECT ${names}, TRY_CAST("timestamp" AS TIMESTAMPTZ), filename
         FROM read_json([${files.map(quoteString).join(', ')}], format = 'newline_delimited',
           columns = {${columns}}, ignore_errors = true, filename = true)
         WHERE record_id IS NOT NULL`,
      );
    }
    return { connection, close };
  } catch (error) {
    close();
    throw error;
  }
}

export function quoteString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
