// The project's Python runtime: the pool of host processes started for one opened project, the
// init payload (configs, secrets, plugins), and the per-call plumbing — caller context out,
// db.execute answered by the worker's DuckDB with the caller's context, log and progress
// notifications delivered to the call's `notify`. Closed with the engine, so a reload (which
// opens a new project and closes the old engine) restarts Python and picks up edited .py files.
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { ProjectConfig } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import type { RequestContext } from '../context.js';
import { PythonPool, type PoolOptions } from './pool.js';
import type { CallSink } from './process.js';
import type {
  CallContextPayload,
  FunctionDescription,
  ImportErrorInfo,
  LogLevel,
  ReadyMessage,
  UdfInfo,
} from './protocol.js';

export interface PythonRuntimeOptions {
  /** Number of host processes; default `$MXCP_PYTHON_POOL_SIZE`, else the CPU count. */
  poolSize?: number;
  /** Per-call timeout in ms; default `$MXCP_PYTHON_TIMEOUT` seconds, else 300 s; 0 = none. */
  callTimeoutMs?: number;
  /** Python executable (default `$MXCP_PYTHON` or `python3`). */
  python?: string;
  /** Host stderr, hook logs and pool events (default: stderr, prefixed `[python]`). */
  log?: (level: LogLevel, message: string) => void;
}

const defaultLog = (level: LogLevel, message: string) =>
  process.stderr.write(`[python] ${level}: ${message}\n`);

export function pythonSettings(env: NodeJS.ProcessEnv = process.env): {
  poolSize: number;
  callTimeoutMs: number;
} {
  const size = Number(env.MXCP_PYTHON_POOL_SIZE);
  const timeout = Number(env.MXCP_PYTHON_TIMEOUT);
  return {
    poolSize: Number.isInteger(size) && size > 0 ? size : availableParallelism(),
    callTimeoutMs:
      env.MXCP_PYTHON_TIMEOUT !== undefined && Number.isFinite(timeout) ? timeout * 1000 : 300_000,
  };
}

export class PythonRuntime {
  readonly importErrors: ImportErrorInfo[];
  readonly udfs: UdfInfo[];
  readonly pluginErrors: { plugin: string; message: string }[];
  readonly modules: string[];
  /** What each host process was started with (the UDF host reuses it). */
  initRequest!: PoolOptions['init'];
  /** Extra resources closed with the runtime (the UDF host). */
  private readonly closers: (() => Promise<void> | void)[] = [];

  private constructor(
    readonly pool: PythonPool,
    ready: ReadyMessage,
    private readonly db: Database,
    private readonly callTimeoutMs: number,
  ) {
    this.importErrors = ready.import_errors;
    this.udfs = ready.udfs;
    this.pluginErrors = ready.plugin_errors;
    this.modules = ready.modules;
  }

  /** Starts the pool: modules preloaded, plugins built, on_init hooks run in every process. */
  static async start(
    config: ProjectConfig,
    db: Database,
    options: PythonRuntimeOptions = {},
  ): Promise<PythonRuntime> {
    const settings = pythonSettings();
    const log = options.log ?? defaultLog;
    const secrets: Record<string, Record<string, unknown>> = {};
    for (const secret of config.userProfile.secrets ?? []) secrets[secret.name] = secret.parameters ?? {};
    const site = config.site;
    const systemSink: CallSink = {
      log: (level, message) => log(level as LogLevel, message),
      db: (sql, params) => db.query(sql, params),
    };
    const { pool, ready } = await PythonPool.start({
      size: options.poolSize ?? settings.poolSize,
      cwd: config.repoRoot,
      python: options.python,
      systemSink,
      onStderr: (line) => log('info', line),
      onEvent: (message) => log('warning', message),
      init: {
        op: 'init',
        repo_root: config.repoRoot,
        python_dir: resolve(config.repoRoot, site.paths?.python ?? 'python'),
        user_config: config.user,
        site_config: site,
        secrets,
        plugins: (site.plugin ?? []).map((p) => ({
          name: p.name,
          module: p.module,
          config: p.config ?? null,
        })),
        plugins_dir: join(config.repoRoot, site.paths?.plugins ?? 'plugins'),
        plugin_config: (config.userProfile.plugin?.config ?? {}) as Record<string, Record<string, string>>,
      },
    });
    const runtime = new PythonRuntime(pool, ready, db, options.callTimeoutMs ?? settings.callTimeoutMs);
    runtime.initRequest = pool.initRequest;
    return runtime;
  }

  /** The signature of the endpoint function in `file` (null name: the resource fallback rules). */
  async inspect(file: string, fn: string | null): Promise<FunctionDescription> {
    return (await this.pool.run({ op: 'inspect', file, function: fn }, {}, 'inspect')) as FunctionDescription;
  }

  /** Calls the function with validated keyword arguments on behalf of `ctx`'s caller. */
  call(
    file: string,
    fn: string | null,
    params: Record<string, unknown>,
    ctx: RequestContext,
  ): Promise<unknown> {
    const sink: CallSink = {
      db: (sql, sqlParams) => this.db.query(sql, sqlParams, ctx),
      log: (level, message, extra) =>
        ctx.notify?.({
          kind: 'log',
          level: level as LogLevel,
          message,
          ...(extra && Object.keys(extra).length ? { extra } : {}),
        }),
      progress: (progress, total, message) =>
        ctx.notify?.({
          kind: 'progress',
          progress,
          ...(total !== undefined ? { total } : {}),
          ...(message !== undefined ? { message } : {}),
        }),
    };
    const label = `function '${fn ?? 'main'}'`;
    return this.pool.run(
      { op: 'call', file, function: fn, params, context: contextPayload(ctx) },
      sink,
      label,
      this.callTimeoutMs,
    );
  }

  /** Runs a plugin's @udf method over a batch of argument rows. */
  async udf(plugin: string, method: string, rows: unknown[][]): Promise<unknown[]> {
    return (await this.pool.run(
      { op: 'udf', plugin, method, rows },
      {},
      `UDF ${method}_${plugin}`,
      this.callTimeoutMs,
    )) as unknown[];
  }

  /** on_shutdown hooks and plugin shutdown in every process, then exit. */
  async close(): Promise<void> {
    try {
      await this.pool.close();
    } finally {
      for (const close of this.closers.splice(0)) await close();
    }
  }

  onClose(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }
}

const TRANSPORTS: Record<string, string> = {
  http: 'streamable-http',
  stdio: 'stdio',
  cli: 'cli',
  test: 'cli-test',
  system: 'cli',
};

function contextPayload(ctx: RequestContext): CallContextPayload {
  return {
    user: ctx.user ? { ...ctx.user } : null,
    headers: ctx.headers,
    transport: TRANSPORTS[ctx.caller] ?? ctx.caller,
    session_id: ctx.sessionId,
  };
}
