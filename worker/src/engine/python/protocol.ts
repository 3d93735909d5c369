// The JSON-lines protocol between the worker and a Python host process (worker/python/PROTOCOL.md).
// One JSON object per line on the host's stdin (requests) and stdout (answers and notifications).

export interface PluginEntry {
  name: string;
  module: string;
  config?: string | null;
}

/** Worker → host. */
export type HostRequest =
  | {
      op: 'init';
      repo_root: string;
      python_dir: string;
      user_config: unknown;
      site_config: unknown;
      /** Secret name → its `parameters` (what `config.get_secret` returns). */
      secrets: Record<string, Record<string, unknown>>;
      plugins: PluginEntry[];
      plugins_dir: string;
      /** The active profile's `plugin.config`: config name → string map. */
      plugin_config: Record<string, Record<string, string>>;
      /** Only build the plugins (the UDF host): no python/ preload, no on_init hooks. */
      udf_only?: boolean;
    }
  | {
      op: 'call';
      id: number;
      file: string;
      /** Null for resources: the host falls back to `main`, the file stem, then the first function. */
      function: string | null;
      params: Record<string, unknown>;
      context: CallContextPayload;
    }
  | { op: 'inspect'; id: number; file: string; function: string | null }
  | { op: 'udf'; id: number; plugin: string; method: string; rows: unknown[][] }
  | { op: 'db_result'; req: number; rows: unknown[] }
  | { op: 'db_error'; req: number; error: string }
  | { op: 'shutdown' };

export interface CallContextPayload {
  user: Record<string, unknown> | null;
  headers: Record<string, string>;
  transport: string;
  session_id: string | null;
}

export interface ImportErrorInfo {
  /** Relative to the repository root. */
  file: string;
  line: number | null;
  message: string;
  traceback: string;
}

export interface UdfInfo {
  plugin: string;
  method: string;
  /** `<method>_<instance>`. */
  name: string;
  /** DuckDB type names, e.g. VARCHAR, INTEGER[], MAP(VARCHAR, INTEGER). */
  args: string[];
  returns: string;
}

export interface ReadyMessage {
  op: 'ready';
  modules: string[];
  import_errors: ImportErrorInfo[];
  udfs: UdfInfo[];
  plugin_errors: { plugin: string; message: string }[];
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** Host → worker. `id` names the call a message belongs to (null: start-up, hooks). */
export type HostMessage =
  | ReadyMessage
  | { op: 'result'; id: number; value: unknown }
  | { op: 'error'; id: number; error: string; type?: string; traceback?: string }
  | { op: 'log'; id: number | null; level: LogLevel; message: string; extra?: Record<string, unknown> }
  | { op: 'progress'; id: number | null; progress: number; total?: number | null; message?: string | null }
  | { op: 'db'; id: number | null; req: number; sql: string; params: Record<string, unknown> }
  | { op: 'bye' };

/** What `inspect` answers: the facts validation checks against the YAML parameters. */
export interface FunctionDescription {
  function: string;
  params: { name: string; required: boolean; positional_only: boolean }[];
  var_keyword: boolean;
  is_async: boolean;
  line: number | null;
}
