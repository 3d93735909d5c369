// MXCP's built-in SQL tools (MXCP-SPEC §8), switched on by `sql_tools.enabled`
// or `--sql-tools`. Their SQL, schemas and annotations live in db/sql-tools;
// here they become engine tools. MXCP gives them no policies; this worker adds
// a site-level `sql_tools.policies` block (input and output rules, as on an
// endpoint) shared by the three tools. Input rules see `tool` (which of the
// three is called), `sql` and `table_name` (null when the tool has no such
// argument) and `user`.
import { ConfigError } from '../config/errors.js';
import {
  executeSqlQuery,
  getTableSchema,
  listTables,
  SQL_TOOLS,
  type Database,
  type SqlToolDefinition,
} from '../db/index.js';
import {
  compilePolicies,
  PolicyConfigError,
  type PolicyBlock,
  type PolicyLogger,
  type PolicySet,
} from '../policy/index.js';
import type { RequestContext } from './context.js';
import { beginPolicyReport, withPolicies } from './execute.js';
import { EndpointError, type ToolInfo } from './types.js';

export interface BuiltinTool {
  info: ToolInfo;
  call(args: Record<string, unknown>, ctx: RequestContext): Promise<unknown>;
}

export type SqlToolDescriptions = Partial<
  Record<SqlToolDefinition['name'], { description?: string | null } | null>
>;

/** The site's `sql_tools` block as far as the tools use it: descriptions and policies. */
export type SqlToolSettings = SqlToolDescriptions & { policies?: PolicyBlock | null };

export interface BuiltinToolOptions {
  policyLogger?: PolicyLogger;
}

const SITE_FILE = 'mxcp-site.yml';

const ARRAY_RESULT = {
  type: 'object',
  properties: { result: { type: 'array', items: { type: 'object' } } },
  required: ['result'],
};

type ToolName = SqlToolDefinition['name'];
type SqlToolParams = { tool: ToolName; sql: string | null; table_name: string | null };

const CALLS: Record<
  ToolName,
  (db: Database, params: SqlToolParams, ctx: RequestContext) => Promise<unknown>
> = {
  execute_sql_query: (db, params, ctx) => executeSqlQuery(db, params.sql ?? '', ctx),
  list_tables: (db, _params, ctx) => listTables(db, ctx),
  get_table_schema: (db, params, ctx) => getTableSchema(db, params.table_name ?? '', ctx),
};

/** Throws ConfigError (naming mxcp-site.yml and the rule) when `sql_tools.policies` does not compile. */
export function builtinSqlTools(
  db: Database,
  settings: SqlToolSettings = {},
  options: BuiltinToolOptions = {},
): BuiltinTool[] {
  const policies = compileSiteToolPolicies(settings.policies, options);
  return SQL_TOOLS.map((tool) => ({
    info: {
      name: tool.name,
      description: settings[tool.name]?.description ?? tool.description,
      title: tool.annotations.title,
      inputSchema: tool.inputSchema,
      outputSchema: ARRAY_RESULT,
      annotations: tool.annotations,
    },
    call: async (args, ctx) => {
      const report = beginPolicyReport(ctx);
      const params = toolParams(tool.name, args);
      return withPolicies(policies, params, ctx, report, () => CALLS[tool.name](db, params, ctx));
    },
  }));
}

function compileSiteToolPolicies(
  block: PolicyBlock | null | undefined,
  options: BuiltinToolOptions,
): PolicySet {
  try {
    return compilePolicies(block, {
      parameters: ['tool', 'sql', 'table_name'],
      logger: options.policyLogger,
      endpoint: 'sql_tools',
    });
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) throw error;
    const path = ['sql_tools', 'policies', ...error.path];
    throw new ConfigError(error.message, { file: SITE_FILE, path: path.join('.'), hint: error.hint });
  }
}

function toolParams(tool: ToolName, args: Record<string, unknown>): SqlToolParams {
  return {
    tool,
    sql: tool === 'execute_sql_query' ? requireString(args, 'sql') : null,
    table_name: tool === 'get_table_schema' ? requireString(args, 'table_name') : null,
  };
}

function requireString(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (value === undefined || value === null) throw new EndpointError(`Required parameter missing: ${name}`);
  return String(value);
}
