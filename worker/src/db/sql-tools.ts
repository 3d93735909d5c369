// The three built-in SQL tools (MXCP-SPEC §8), switched on by `sql_tools.enabled` or
// `--sql-tools`: their SQL, default descriptions and MCP annotations. `execute_sql_query` runs
// whatever SQL the client sends: read-only mode protects the database file, but DuckDB's file
// functions (read_text, COPY … TO, …) still reach the filesystem, so the tools are for trusted
// clients only (docs/compatibility.md, "Security notes").

import type { SqlRequestContext } from './request-functions.js';
import type { Database, Row } from './database.js';

export interface SqlToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface SqlToolDefinition {
  name: 'execute_sql_query' | 'list_tables' | 'get_table_schema';
  description: string;
  /** JSON Schema of the tool's arguments. */
  inputSchema: {
    type: 'object';
    properties: Record<string, { type: 'string'; description: string }>;
    required: string[];
  };
  annotations: SqlToolAnnotations;
}

export const EXECUTE_SQL_QUERY_TOOL: SqlToolDefinition = {
  name: 'execute_sql_query',
  description: 'Execute a SQL query against the DuckDB database and return the results as a list of records',
  inputSchema: {
    type: 'object',
    properties: { sql: { type: 'string', description: 'The SQL query to execute' } },
    required: ['sql'],
  },
  annotations: {
    title: 'SQL Query Executor',
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false,
  },
};

export const LIST_TABLES_TOOL: SqlToolDefinition = {
  name: 'list_tables',
  description: 'List all tables in the DuckDB database',
  inputSchema: { type: 'object', properties: {}, required: [] },
  annotations: {
    title: 'Database Table Lister',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

export const GET_TABLE_SCHEMA_TOOL: SqlToolDefinition = {
  name: 'get_table_schema',
  description: 'Get the schema for a specific table in the DuckDB database',
  inputSchema: {
    type: 'object',
    properties: { table_name: { type: 'string', description: 'Name of the table to get schema for' } },
    required: ['table_name'],
  },
  annotations: {
    title: 'Table Schema Inspector',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

export const SQL_TOOLS: readonly SqlToolDefinition[] = [
  EXECUTE_SQL_QUERY_TOOL,
  LIST_TABLES_TOOL,
  GET_TABLE_SCHEMA_TOOL,
];

export const LIST_TABLES_SQL =
  "SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name";

/** No schema filter, as in MXCP: a name present in several schemas lists all their columns. */
export const GET_TABLE_SCHEMA_SQL =
  'SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns ' +
  'WHERE table_name = $table_name ORDER BY ordinal_position';

/** Arbitrary SQL from the client, run with the caller's context (helper functions see the user). */
export function executeSqlQuery(db: Database, sql: string, ctx?: SqlRequestContext): Promise<Row[]> {
  return db.query(sql, {}, ctx);
}

export function listTables(db: Database, ctx?: SqlRequestContext): Promise<Row[]> {
  return db.query(LIST_TABLES_SQL, {}, ctx);
}

export function getTableSchema(db: Database, tableName: string, ctx?: SqlRequestContext): Promise<Row[]> {
  return db.query(GET_TABLE_SCHEMA_SQL, { table_name: tableName }, ctx);
}
