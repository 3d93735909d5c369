// Compile loaded endpoint files into callable entries: parameter validators,
// output validators and schemas, SQL checked against the database (PREPARE and
// MXCP's parameter-set equality), prompt templates, CEL policies. Done once at
// start and on reload, never on the request path.
import { ConfigError } from '../config/errors.js';
import type { Database } from '../db/index.js';
import type { LoadedEndpoint, EndpointFailure } from '../endpoints/index.js';
import type { ParameterValidator } from '../types/index.js';
import type {
  Parameter,
  PromptDefinition,
  ResourceDefinition,
  ToolDefinition,
  TypeDefinition,
} from '../endpoints/schema.js';
import {
  compileOutputValidator,
  compileParameters,
  inputSchemaFor,
  outputSchemaFor,
} from '../types/index.js';
import type { JsonSchema } from './types.js';
import { compilePromptMessages, type CompiledPrompt } from './prompts.js';
import { compileUriTemplate, isTemplate, type UriMatcher } from '../endpoints/index.js';
import { compilePolicies, PolicyConfigError, type PolicyLogger, type PolicySet } from '../policy/index.js';
import { checkPythonEndpoint, type PythonTarget } from './python/check.js';
import type { PythonRuntime } from './python/runtime.js';

interface CompiledBase {
  path: string;
  parameters: Parameter[];
  validator: ParameterValidator;
  inputSchema: JsonSchema;
  /** The `policies:` block, compiled; an inactive set when none is declared. */
  policies: PolicySet;
}

export interface CompiledSqlEndpoint extends CompiledBase {
  returnType?: TypeDefinition;
  outputSchema?: JsonSchema;
  validateOutput?: (value: unknown) => void;
  /** The SQL text; empty for a Python endpoint. */
  sql: string;
  /** Set for `language: python`: the module and function the Python host calls. */
  python?: PythonTarget;
}

export interface CompiledTool extends CompiledSqlEndpoint {
  kind: 'tool';
  name: string;
  definition: ToolDefinition;
}

export interface CompiledResource extends CompiledSqlEndpoint {
  kind: 'resource';
  uri: string;
  definition: ResourceDefinition;
  matcher: UriMatcher;
  isTemplate: boolean;
  mimeType: string;
}

export interface CompiledPromptEndpoint extends CompiledBase {
  kind: 'prompt';
  name: string;
  definition: PromptDefinition;
  template: CompiledPrompt;
}

export type CompiledEndpoint = CompiledTool | CompiledResource | CompiledPromptEndpoint;

export interface CompileResult {
  endpoints: CompiledEndpoint[];
  failures: EndpointFailure[];
}

export interface CompileOptions {
  /** Where policy evaluation errors are logged (default: JSON lines on stderr). */
  policyLogger?: PolicyLogger;
  /** The project's Python host; Python endpoints fail to compile without it. */
  python?: PythonRuntime;
  /** Why there is no Python host (it failed to start), reported on each Python endpoint. */
  pythonUnavailable?: string;
  /** Repository root, for Python file names in errors. */
  repoRoot?: string;
}

export async function compileEndpoints(
  loaded: LoadedEndpoint[],
  db: Database,
  options: CompileOptions = {},
): Promise<CompileResult> {
  const endpoints: CompiledEndpoint[] = [];
  const failures: EndpointFailure[] = [];
  for (const endpoint of loaded) {
    try {
      endpoints.push(await compileEndpoint(endpoint, db, options));
    } catch (error) {
      failures.push({
        path: endpoint.path,
        kind: endpoint.kind,
        name: endpoint.name,
        errors: [asConfigError(error, endpoint)],
      });
    }
  }
  return { endpoints, failures };
}

async function compileEndpoint(
  endpoint: LoadedEndpoint,
  db: Database,
  options: CompileOptions,
): Promise<CompiledEndpoint> {
  const definition = endpoint.definition;
  const parameters = definition.parameters ?? [];
  const base: CompiledBase = {
    path: endpoint.path,
    parameters,
    validator: compileParameters(parameters),
    inputSchema: inputSchemaFor(parameters),
    policies: compileEndpointPolicies(endpoint, parameters, options),
  };
  if (endpoint.kind === 'prompt') {
    return {
      ...base,
      kind: 'prompt',
      name: endpoint.name,
      definition: definition as PromptDefinition,
      template: compilePromptMessages((definition as PromptDefinition).messages),
    };
  }
  const executable = definition as ToolDefinition | ResourceDefinition;
  if (!endpoint.source) {
    throw located(endpoint, [endpoint.kind, 'source'], `${endpoint.kind} has no source`);
  }
  let sql = '';
  let python: PythonTarget | undefined;
  if (endpoint.source.kind === 'python') {
    if (!options.python) {
      throw located(
        endpoint,
        [endpoint.kind, 'source', 'file'],
        options.pythonUnavailable ?? 'Python runtime is not available',
      );
    }
    python = await checkPythonEndpoint(
      endpoint,
      endpoint.source.file,
      parameters,
      options.python,
      options.repoRoot ?? '.',
    );
  } else {
    sql = endpoint.source.sql;
    await checkSql(endpoint, sql, parameters, db);
  }
  const returnType = executable.return;
  const sqlPart: CompiledSqlEndpoint = {
    ...base,
    sql,
    ...(python ? { python } : {}),
    returnType,
    outputSchema: returnType ? outputSchemaFor(returnType) : undefined,
    validateOutput: returnType ? compileOutputValidator(returnType) : undefined,
  };
  if (endpoint.kind === 'tool') {
    return { ...sqlPart, kind: 'tool', name: endpoint.name, definition: executable as ToolDefinition };
  }
  const resource = executable as ResourceDefinition;
  return {
    ...sqlPart,
    kind: 'resource',
    uri: resource.uri,
    definition: resource,
    matcher: compileUriTemplate(resource.uri),
    isTemplate: isTemplate(resource.uri),
    mimeType: resource.mime_type ?? 'text/plain',
  };
}

/** CEL is checked here, at load time (MXCP only finds bad CEL when a call evaluates it). */
function compileEndpointPolicies(
  endpoint: LoadedEndpoint,
  parameters: Parameter[],
  options: CompileOptions,
): PolicySet {
  try {
    return compilePolicies(endpoint.definition.policies, {
      returnType: endpoint.definition.return,
      parameters: parameters.map((p) => p.name),
      logger: options.policyLogger,
      endpoint: `${endpoint.kind}/${endpoint.name}`,
    });
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) throw error;
    throw located(endpoint, [endpoint.kind, 'policies', ...error.path], error.message, error.hint);
  }
}

/** PREPARE the SQL, then require its `$names` to equal the declared parameters (MXCP-SPEC §4.6). */
async function checkSql(endpoint: LoadedEndpoint, sql: string, parameters: Parameter[], db: Database) {
  const sourcePath = [
    endpoint.kind,
    'source',
    endpoint.source?.kind === 'sql' && endpoint.source.file ? 'file' : 'code',
  ];
  let used: string[];
  try {
    used = (await db.validateSql(sql)).parameters;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw located(
      endpoint,
      sourcePath,
      `SQL does not prepare: ${message.replace(/^(Failed to execute SQL|Invalid SQL): /, '')}`,
    );
  }
  const declared = new Set(parameters.map((p) => p.name));
  const usedSet = new Set(used);
  const missing = [...declared].filter((name) => !usedSet.has(name)).sort();
  const extra = [...usedSet].filter((name) => !declared.has(name)).sort();
  if (missing.length > 0 || extra.length > 0) {
    throw located(
      endpoint,
      sourcePath,
      `Parameter mismatch: missing={${missing.map((n) => `'${n}'`).join(', ')}}, extra={${extra.map((n) => `'${n}'`).join(', ')}}`,
      'missing = declared in YAML but not used as $name in the SQL; extra = $name used in the SQL but not declared',
    );
  }
}

function located(
  endpoint: LoadedEndpoint,
  path: (string | number)[],
  message: string,
  hint?: string,
): ConfigError {
  const where = endpoint.locate(path);
  return new ConfigError(message, {
    file: endpoint.path,
    line: where.line,
    column: where.column,
    path: path.join('.'),
    hint,
  });
}

function asConfigError(error: unknown, endpoint: LoadedEndpoint): ConfigError {
  if (error instanceof ConfigError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConfigError(message, { file: endpoint.path });
}
