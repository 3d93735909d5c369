// Prepared statements of one connection, keyed by SQL text, least recently used evicted first.
// A statement is only ever used by the query holding its connection, so no locking is needed.
// Multi-statement texts are remembered as such (they are re-split on every run).

import type { DuckDBPreparedStatement } from '@duckdb/node-api';

export type CachedStatement = { kind: 'single'; statement: DuckDBPreparedStatement } | { kind: 'multi' };

export class StatementCache {
  private readonly entries = new Map<string, CachedStatement>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(sql: string): CachedStatement | undefined {
    const entry = this.entries.get(sql);
    if (entry) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(sql);
      this.entries.set(sql, entry);
    }
    return entry;
  }

  set(sql: string, entry: CachedStatement): void {
    this.delete(sql);
    this.entries.set(sql, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  delete(sql: string): void {
    const entry = this.entries.get(sql);
    if (!entry) return;
    this.entries.delete(sql);
    if (entry.kind === 'single') entry.statement.destroySync();
  }

  clear(): void {
    for (const sql of [...this.entries.keys()]) this.delete(sql);
  }
}
