// The DuckDB layer's public surface.

export {
  Database,
  defaultPoolSize,
  type DatabaseOptions,
  type DatabaseStats,
  type QueryObserver,
  type Row,
} from './database.js';
export { SqlError, DatabaseOpenError } from './errors.js';
export { invalidatedDatabases } from './instances.js';
export { convertRows, convertValue, type JsonValue } from './convert.js';
export { inferType } from './bind.js';
export type { ExtensionSpec } from './extensions.js';
export type { SecretSpec } from './secrets.js';
export type { DbLogger } from './log.js';
export { REQUEST_FUNCTION_NAMES, type SqlRequestContext } from './request-functions.js';
export {
  EXECUTE_SQL_QUERY_TOOL,
  LIST_TABLES_TOOL,
  GET_TABLE_SCHEMA_TOOL,
  SQL_TOOLS,
  LIST_TABLES_SQL,
  GET_TABLE_SCHEMA_SQL,
  executeSqlQuery,
  listTables,
  getTableSchema,
  type SqlToolDefinition,
  type SqlToolAnnotations,
} from './sql-tools.js';
