// The heavy tool's data: the 1M-row `events` table, built once per run into a template
// DuckDB file and copied into every project's (and the baseline's) database file before
// its server starts, so no server pays for building it and all query the same rows.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { EVENTS_TABLE_SQL } from './bench-project.js';

/** Builds the template file at `path` (a new file) and closes it. */
export async function buildEventsDatabase(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    await connection.run(EVENTS_TABLE_SQL);
    // Written out now, so the copies hold the table rather than a write-ahead log.
    await connection.run('CHECKPOINT');
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
}

/** Puts a copy of the template at `target` (a server's database file, not open yet). */
export function copyEventsDatabase(template: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(template, target);
}
