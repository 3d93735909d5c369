import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userContextFromJson } from '../engine/context.js';
import { Database } from './database.js';
import {
  EXECUTE_SQL_QUERY_TOOL,
  GET_TABLE_SCHEMA_TOOL,
  LIST_TABLES_TOOL,
  executeSqlQuery,
  getTableSchema,
  listTables,
} from './sql-tools.js';

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-db-sqltools-'));
  db = await Database.open({ path: join(dir, 'tools.duckdb'), readonly: false, poolSize: 2 });
  await db.exec(`
    CREATE TABLE orders (id INTEGER NOT NULL, customer VARCHAR, total DECIMAL(10,2));
    CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
    CREATE SCHEMA other;
    CREATE TABLE other.hidden (x INTEGER);
  `);
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('built-in SQL tools', () => {
  it('list_tables lists tables and views of the main schema by name', async () => {
    expect(await listTables(db)).toEqual([
      { name: 'big_orders', type: 'VIEW' },
      { name: 'orders', type: 'BASE TABLE' },
    ]);
  });

  it('get_table_schema describes the columns in order, binding the table name', async () => {
    expect(await getTableSchema(db, 'orders')).toEqual([
      { name: 'id', type: 'INTEGER', nullable: 'NO' },
      { name: 'customer', type: 'VARCHAR', nullable: 'YES' },
      { name: 'total', type: 'DECIMAL(10,2)', nullable: 'YES' },
    ]);
    expect(await getTableSchema(db, "orders' OR '1'='1")).toEqual([]);
    expect(await getTableSchema(db, 'hidden')).toEqual([{ name: 'x', type: 'INTEGER', nullable: 'YES' }]);
  });

  it('execute_sql_query runs arbitrary SQL with the caller visible to helper functions', async () => {
    const ctx = {
      user: userContextFromJson({ username: 'zoe' }, 'test'),
      headers: {},
      sessionId: null,
      caller: 'test' as const,
    };
    await executeSqlQuery(db, "INSERT INTO orders VALUES (1, 'zoe', 150.5)", ctx);
    expect(
      await executeSqlQuery(db, 'SELECT customer, total, get_username() AS me FROM big_orders', ctx),
    ).toEqual([{ customer: 'zoe', total: 150.5, me: 'zoe' }]);
    await expect(executeSqlQuery(db, 'SELECT * FROM nowhere')).rejects.toThrow(
      /^Failed to execute SQL: Catalog Error/,
    );
  });

  it('carry MXCP default descriptions and annotations', () => {
    expect(EXECUTE_SQL_QUERY_TOOL.description).toBe(
      'Execute a SQL query against the DuckDB database and return the results as a list of records',
    );
    expect(EXECUTE_SQL_QUERY_TOOL.annotations).toEqual({
      title: 'SQL Query Executor',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: false,
    });
    expect(LIST_TABLES_TOOL.annotations).toMatchObject({
      title: 'Database Table Lister',
      readOnlyHint: true,
      idempotentHint: true,
    });
    expect(GET_TABLE_SCHEMA_TOOL.annotations).toMatchObject({
      title: 'Table Schema Inspector',
      readOnlyHint: true,
      idempotentHint: true,
    });
    expect(GET_TABLE_SCHEMA_TOOL.inputSchema.required).toEqual(['table_name']);
  });
});
