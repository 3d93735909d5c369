// MXCP's built-in SQL tools (MXCP-SPEC §8), switched on by `sql_tools.enabled`
// or `--sql-tools`. Their SQL lives in db/sql-tools; here they get MCP shapes.
// Like MXCP they have no policies: `--readonly` is their write protection.
import type { Database } from '../db/index.js';
import { executeSqlQuery, getTableSchema, listTables, SQL_TOOL_DEFAULTS } from '../db/index.js';
import type { RequestContext } from './context.js';
import { EndpointError, type ToolInfo } from './types.js';

export interface BuiltinTool {
  info: ToolInfo;
  call(args: Record<string, unknown>, ctx: RequestContext): Promise<unknown>;
}

export interface SqlToolDescriptions {
  execute_sql_query?: { description?: string | null };
  list_tables?: { description?: string | null };
  get_table_schema?: { description?: string | null };
}

const arrayResult = {
  type: 'object',
  properties: { result: { type: 'array', items: { type: 'object' } } },
  required: ['result'],
};

export function builtinSqlTools(db: Database, descriptions: SqlToolDescriptions = {}): BuiltinTool[] {
  const describe = (name: keyof SqlToolDescriptions) =>
    descriptions[name]?.description ?? SQL_TOOL_DEFAULTS[name].description;
  return [
    {
      info: {
        name: 'execute_sql_query',
        description: describe('execute_sql_query'),
        title: SQL_TOOL_DEFAULTS.execute_sql_query.annotations.title,
        inputSchema: {
          type: 'object',
          properties: { sql: { type: 'string', description: 'The SQL query to execute' } },
          required: ['sql'],
        },
        outputSchema: arrayResult,
        annotations: SQL_TOOL_DEFAULTS.execute_sql_query.annotations,
      },
      call: (args, ctx) => executeSqlQuery(db, requireString(args, 'sql'), ctx),
    },
    {
      info: {
        name: 'list_tables',
        description: describe('list_tables'),
        title: SQL_TOOL_DEFAULTS.list_tables.annotations.title,
        inputSchema: { type: 'object', properties: {} },
        outputSchema: arrayResult,
        annotations: SQL_TOOL_DEFAULTS.list_tables.annotations,
      },
      call: () => listTables(db),
    },
    {
      info: {
        name: 'get_table_schema',
        description: describe('get_table_schema'),
        title: SQL_TOOL_DEFAULTS.get_table_schema.annotations.title,
        inputSchema: {
          type: 'object',
          properties: { table_name: { type: 'string', description: 'Name of the table' } },
          required: ['table_name'],
        },
        outputSchema: arrayResult,
        annotations: SQL_TOOL_DEFAULTS.get_table_schema.annotations,
      },
      call: (args) => getTableSchema(db, requireString(args, 'table_name')),
    },
  ];
}

function requireString(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (value === undefined || value === null) throw new EndpointError(`Required parameter missing: ${name}`);
  return String(value);
}
