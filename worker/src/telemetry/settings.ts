// The effective telemetry settings of one run (MXCP-SPEC §3 `telemetry:` block, §11): the
// profile's block with environment variables laid over it key by key, and the resource
// attributes every span carries. Pure: reads only what it is given.
import type { TelemetryConfig } from '../config/index.js';
import { parseFlag } from '../config/index.js';

/** The part of a ProjectConfig telemetry reads. */
export interface TelemetrySource {
  profileName: string;
  site: { project: string };
  userProfile: { telemetry?: TelemetryConfig };
}

export interface TelemetrySettings {
  /** Spans are recorded and exported. */
  tracing: boolean;
  /** Full OTLP/HTTP traces URL (`…/v1/traces`), or null for no OTLP export. */
  tracesUrl: string | null;
  headers: Record<string, string>;
  /** Also write finished spans to stderr (stdout may carry MCP stdio). */
  consoleExport: boolean;
  resourceAttributes: Record<string, string | number | boolean>;
}

/**
 * `telemetry.enabled` (or MXCP_TELEMETRY_ENABLED) switches telemetry on; tracing then runs when
 * `tracing.enabled` is set. Switching telemetry on from the environment also switches tracing
 * on: MXCP's env-only setup ("MXCP_TELEMETRY_ENABLED plus OTEL_*") has no tracing switch.
 */
export function resolveTelemetrySettings(
  config: TelemetrySource,
  env: NodeJS.ProcessEnv = process.env,
  /** `service.version` when the config names none: the worker's package version. */
  defaultVersion = 'unknown',
): TelemetrySettings {
  const file: Partial<TelemetryConfig> = config.userProfile.telemetry ?? {};
  const envEnabled = flag(env.MXCP_TELEMETRY_ENABLED);
  const enabled = envEnabled ?? file.enabled ?? false;
  const tracingEnabled =
    flag(env.MXCP_TELEMETRY_TRACING_ENABLED) ?? (envEnabled === true || (file.tracing?.enabled ?? false));
  const consoleExport = flag(env.MXCP_TELEMETRY_TRACING_CONSOLE) ?? file.tracing?.console_export ?? false;
  const sdkDisabled = flag(env.OTEL_SDK_DISABLED) === true;

  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? file.endpoint ?? null;
  // The per-signal variable is a full URL by OTel's rules: used as is.
  const tracesUrl =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? (base ? withPath(base, '/v1/traces') : null);
  const headers = {
    ...(file.headers ?? {}),
    ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
  };

  const resourceAttributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(file.resource_attributes ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      resourceAttributes[key] = value;
    else if (value != null) resourceAttributes[key] = JSON.stringify(value);
  }
  Object.assign(resourceAttributes, parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES), {
    'service.name': nonEmpty(env.OTEL_SERVICE_NAME) ?? file.service_name ?? 'mxcp',
    'service.version': nonEmpty(env.MXCP_TELEMETRY_SERVICE_VERSION) ?? file.service_version ?? defaultVersion,
    'deployment.environment':
      nonEmpty(env.MXCP_TELEMETRY_ENVIRONMENT) ?? file.environment ?? config.profileName,
    'mxcp.project': config.site.project,
    'mxcp.profile': config.profileName,
  });

  const tracing = enabled && tracingEnabled && !sdkDisabled && (tracesUrl !== null || consoleExport);
  return { tracing, tracesUrl, headers, consoleExport, resourceAttributes };
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return parseFlag(value) ?? undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** MXCP: "/v1/traces" is appended to the endpoint when missing. */
export function withPath(base: string, path: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith(path) ? trimmed : trimmed + path;
}

/** OTel's `k1=v1,k2=v2` form (values percent-encoded), as in OTEL_EXPORTER_OTLP_HEADERS. */
export function parseKeyValueList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    if (key === '') continue;
    out[key] = safeDecode(part.slice(eq + 1).trim());
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
