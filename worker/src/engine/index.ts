// Opening a project: discover endpoint files, open DuckDB, compile everything,
// and report the endpoints that failed (with file and line) next to the engine.
import type { ProjectConfig } from '../config/index.js';
import { Database, type DbLogger, type QueryObserver } from '../db/index.js';
import type { PolicyLogger } from '../policy/index.js';
import { discoverEndpoints, type EndpointFailure, type LoadedEndpoint } from '../endpoints/index.js';
import { builtinSqlTools } from './builtin-tools.js';
import { compileEndpoints } from './compile.js';
import { ProjectEngine } from './engine.js';

export { ProjectEngine } from './engine.js';
export * from './types.js';
export * from './context.js';
export { PolicyDeniedError } from './execute.js';

export interface OpenOptions {
  /** `--sql-tools true|false`; undefined means the site's `sql_tools.enabled`. */
  sqlTools?: boolean;
  logger?: DbLogger;
  /** Counts queries for the `mxcp_duckdb_*` metrics. */
  observer?: QueryObserver;
  /** Where CEL evaluation errors are logged (default: stderr JSON lines). */
  policyLogger?: PolicyLogger;
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
  try {
    const compiled = await compileEndpoints(discovery.endpoints, db, {
      policyLogger: options.policyLogger,
    });
    const sqlToolsEnabled = options.sqlTools ?? config.site.sql_tools?.enabled ?? false;
    const builtins = sqlToolsEnabled
      ? builtinSqlTools(db, config.site.sql_tools ?? {}, { policyLogger: options.policyLogger })
      : [];
    const engine = new ProjectEngine(db, compiled.endpoints, builtins);
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
    await db.close();
    throw error;
  }
}
