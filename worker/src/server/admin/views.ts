// The JSON documents of the admin API (MXCP-SPEC §11, admin socket routes), built from the
// reload manager's current runtime. Shared by the admin port (/admin/…) and the Unix socket.
import type { RequestHandler } from 'express';
import type { LoadedEndpoint } from '../../endpoints/index.js';
import type { ReloadManager } from '../lifecycle/reload-manager.js';
import { packageVersion } from '../mcp.js';

export interface AdminContext {
  manager: ReloadManager;
  startedAt: Date;
  debug: boolean;
  /** `streamable-http`, `sse` or `stdio`. */
  transport: string;
  adminSocketPath?: string;
  /** Longest wait of `POST /admin/reload {"secretsHash"}` for the files to match. */
  reloadWaitTimeoutMs: number;
  /** Extra readiness (e.g. the audit sink works); /ready also requires `manager.accepting`. */
  healthy?: () => boolean;
  /** Serves GET /metrics on the admin port (no token: the port is never exposed by a Service). */
  metrics?: RequestHandler;
}

const REDACTED = '[REDACTED]';

export function statusView(ctx: AdminContext): Record<string, unknown> {
  const { manager } = ctx;
  const reload = manager.status();
  const config = manager.current.opened.config;
  const uptimeSeconds = Math.floor((Date.now() - ctx.startedAt.getTime()) / 1000);
  return {
    status: manager.accepting ? 'ok' : 'draining',
    version: packageVersion(),
    uptime: formatUptime(uptimeSeconds),
    uptime_seconds: uptimeSeconds,
    pid: process.pid,
    project: config.site.project,
    profile: config.profileName,
    mode: config.profile.duckdb.readonly ? 'readonly' : 'readwrite',
    debug: ctx.debug,
    reload: {
      in_progress: reload.inProgress,
      draining: reload.draining,
      active_requests: reload.activeRequests,
      last_reload: reload.lastReload?.toISOString() ?? null,
      last_reload_status: reload.lastReloadStatus,
      last_reload_error: reload.lastReloadError,
      generation: reload.generation,
      loaded_at: reload.loadedAt.toISOString(),
    },
    admin_socket: { path: ctx.adminSocketPath ?? null },
    /** The hash of the secrets directory the running configuration was loaded from. */
    secretsHash: reload.secretsHash,
  };
}

export function configView(ctx: AdminContext): Record<string, unknown> {
  const { opened } = ctx.manager.current;
  const { config } = opened;
  const counts = { tools: 0, prompts: 0, resources: 0 };
  for (const e of opened.loaded) counts[`${e.kind}s`]++;
  return {
    project: config.site.project,
    profile: config.profileName,
    repository_path: config.repoRoot,
    duckdb_path: config.profile.duckdb.path,
    readonly: config.profile.duckdb.readonly,
    debug: ctx.debug,
    endpoints: counts,
    features: {
      sql_tools: opened.sqlToolsEnabled,
      audit_logging: config.profile.audit.enabled,
      telemetry: Boolean(config.userProfile.telemetry?.enabled),
    },
    transport: ctx.transport,
    // Names and types only: every parameter value is replaced, whatever its shape.
    secrets: config.userProfile.secrets.map((s) => ({
      name: s.name,
      type: s.type,
      parameters: Object.fromEntries(Object.keys(s.parameters ?? {}).map((k) => [k, REDACTED])),
    })),
    secrets_dir: ctx.manager.secretsDir ?? null,
  };
}

export function endpointsView(ctx: AdminContext): Array<Record<string, unknown>> {
  const { opened } = ctx.manager.current;
  const row = (e: LoadedEndpoint, enabled: boolean) => ({
    path: e.path,
    type: e.kind,
    name: e.name,
    description: e.definition.description ?? null,
    language: e.source?.kind ?? null,
    enabled,
    status: enabled ? 'ok' : 'disabled',
    error: null,
  });
  return [
    ...opened.loaded.map((e) => row(e, true)),
    ...opened.disabled.map((e) => row(e, false)),
    ...opened.failures.map((f) => ({
      path: f.path,
      type: f.kind ?? null,
      name: f.name ?? null,
      description: null,
      language: null,
      enabled: true,
      status: 'error',
      error: f.errors.map((e) => e.format()).join('; '),
    })),
  ].sort((a, b) => a.path.localeCompare(b.path));
}

export function healthView(): Record<string, unknown> {
  return { status: 'ok', timestamp: new Date().toISOString() };
}

function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${d > 0 ? `${d}d ` : ''}${h}h ${m}m ${s}s`;
}
