// Opening a project: discover endpoint files, open DuckDB, compile everything,
// and report the endpoints that failed (with file and line) next to the engine.
import type { ProjectConfig } from '../config/index.js';
import { Database, type DbLogger, type QueryObserver } from '../db/index.js';
import type { PolicyLogger } from '../policy/index.js';
import { discoverEndpoints, type EndpointFailure, type LoadedEndpoint } from '../endpoints/index.js';
import { builtinSqlTools } from './builtin-tools.js';
import { compileEndpoints } from './compile.js';
import { ProjectEngine } from './engine.js';
import { PythonRuntime, type PythonRuntimeOptions } from './python/runtime.js';
import { registerPluginUdfs } from './python/udf.js';

export { ProjectEngine } from './engine.js';
export * from './types.js';
export * from './context.js';
export { PolicyDeniedError } from './execute.js';
export { PythonRuntime, type PythonRuntimeOptions } from './python/runtime.js';

export interface OpenOptions {
  /** `--sql-tools true|false`; undefined means the site's `sql_tools.enabled`. */
  sqlTools?: boolean;
  logger?: DbLogger;
  /** Counts queries for the `mxcp_duckdb_*` metrics. */
  observer?: QueryObserver;
  /** Where CEL evaluation errors are logged (default: stderr JSON lines). */
  policyLogger?: PolicyLogger;
  /** Python host settings (pool size, call timeout, interpreter, log sink). */
  python?: PythonRuntimeOptions;
}

export interface OpenedProject {
  config: ProjectConfig;
  engine: ProjectEngine;
  /** Endpoint files that failed to load or compile; each names file, line and field. */
  failures: EndpointFailure[];
  /** Endpoints with `enabled: false`. */
  disabled: LoadedEndpoint[];
  /** The endpoints that compiled, as loaded (for `list`, `test`, `lint`). */
  loaded: LoadedEndpoint[];
  sqlToolsEnabled: boolean;
}

/** The project's DuckDB for the active profile: path, read-only mode, extensions and secrets. */
export function openDatabase(
  config: ProjectConfig,
  logger?: DbLogger,
  observer?: QueryObserver,
): Promise<Database> {
  const duckdb = config.profile.duckdb;
  return Database.open({
    path: duckdb.path,
    readonly: duckdb.readonly,
    extensions: config.site.extensions ?? [],
    secrets: config.userProfile.secrets ?? [],
    logger,
    observer,
  });
}

export async function openProject(config: ProjectConfig, options: OpenOptions = {}): Promise<OpenedProject> {
  const discovery = discoverEndpoints(config);
  const db = await openDatabase(config, options.logger, options.observer);
  let python: PythonRuntime | undefined;
  try {
    const started = await startPython(config, discovery.endpoints, db, options.python);
    python = started.runtime;
    const compiled = await compileEndpoints(discovery.endpoints, db, {
      policyLogger: options.policyLogger,
      python,
      pythonUnavailable: started.error,
      repoRoot: config.repoRoot,
    });
    const sqlToolsEnabled = options.sqlTools ?? config.site.sql_tools?.enabled ?? false;
    const builtins = sqlToolsEnabled
      ? builtinSqlTools(db, config.site.sql_tools ?? {}, { policyLogger: options.policyLogger })
      : [];
    const engine = new ProjectEngine(db, compiled.endpoints, builtins, python);
    const failedPaths = new Set(compiled.failures.map((f) => f.path));
    return {
      config,
      engine,
      failures: [...discovery.failures, ...compiled.failures].sort((a, b) => a.path.localeCompare(b.path)),
      disabled: discovery.disabled,
      loaded: discovery.endpoints.filter((e) => !failedPaths.has(e.path)),
      sqlToolsEnabled,
    };
  } catch (error) {
    await python?.close().catch(() => undefined);
    await db.close();
    throw error;
  }
}

/**
 * The Python host, started when the project has Python endpoints or DuckDB plugins. A host that
 * cannot start does not stop the project: its Python endpoints fail with the reason instead.
 */
async function startPython(
  config: ProjectConfig,
  endpoints: LoadedEndpoint[],
  db: Database,
  options: PythonRuntimeOptions = {},
): Promise<{ runtime?: PythonRuntime; error?: string }> {
  const plugins = config.site.plugin ?? [];
  const needed = plugins.length > 0 || endpoints.some((e) => e.source?.kind === 'python');
  if (!needed) return {};
  const log =
    options.log ??
    ((level: string, message: string) => {
      if (level !== 'debug' || process.env.MXCP_PYTHON_DEBUG)
        process.stderr.write(`[python] ${level}: ${message}\n`);
    });
  let runtime: PythonRuntime;
  try {
    runtime = await PythonRuntime.start(config, db, { ...options, log });
  } catch (error) {
    const reason = `Python runtime failed to start: ${error instanceof Error ? error.message : String(error)}`;
    log('error', reason);
    return { error: reason };
  }
  for (const failure of runtime.importErrors) {
    log(
      'error',
      `${failure.file}${failure.line ? `:${failure.line}` : ''}: failed to import: ${failure.message}`,
    );
  }
  for (const failure of runtime.pluginErrors) log('error', `plugin ${failure.plugin}: ${failure.message}`);
  await registerPluginUdfs(db, runtime, log);
  return { runtime };
}
