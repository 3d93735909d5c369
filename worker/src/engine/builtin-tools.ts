// MXCP's built-in SQL tools (MXCP-SPEC §8), switched on by `sql_tools.enabled`
// or `--sql-tools`. Their SQL, schemas and annotations live in db/sql-tools;
// here they become engine tools. Like MXCP they have no policies: `--readonly`
// is their write protection.
import {
  executeSqlQuery,
  getTableSchema,
  listTables,
  SQL_TOOLS,
  type Database,
  type SqlToolDefinition,
} from '../db/index.js';
import type { RequestContext } from './context.js';
import { EndpointError, type ToolInfo } from './types.js';

export interface BuiltinTool {
  info: ToolInfo;
  call(args: Record<string, unknown>, ctx: RequestContext): Promise<unknown>;
}

export type SqlToolDescriptions = Partial<
  Record<SqlToolDefinition['name'], { description?: string | null } | null>
>;

const ARRAY_RESULT = {
  type: 'object',
  properties: { result: { type: 'array', items: { type: 'object' } } },
  required: ['result'],
};

const CALLS: Record<
  SqlToolDefinition['name'],
  (db: Database, args: Record<string, unknown>, ctx: RequestContext) => Promise<unknown>
> = {
  execute_sql_query: (db, args, ctx) => executeSqlQuery(db, requireString(args, 'sql'), ctx),
  list_tables: (db, _args, ctx) => listTables(db, ctx),
  get_table_schema: (db, args, ctx) => getTableSchema(db, requireString(args, 'table_name'), ctx),
};

export function builtinSqlTools(db: Database, descriptions: SqlToolDescriptions = {}): BuiltinTool[] {
  return SQL_TOOLS.map((tool) => ({
    info: {
      name: tool.name,
      description: descriptions[tool.name]?.description ?? tool.description,
      title: tool.annotations.title,
      inputSchema: tool.inputSchema,
      outputSchema: ARRAY_RESULT,
      annotations: tool.annotations,
    },
    call: (args, ctx) => CALLS[tool.name](db, args, ctx),
  }));
}

function requireString(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (value === undefined || value === null) throw new EndpointError(`Required parameter missing: ${name}`);
  return String(value);
}
