// The MXCP user config (`$MXCP_CONFIG`) the worker runs with, rendered from
// the CR. Secret values never appear in it: each one is a file:// reference
// to a key of a Secret mounted as a volume, so a rotated value reaches the
// worker on hot reload without a new config (or a restart).
import { stringify } from 'yaml';
import type { MxcpProject, Telemetry } from '../api/index.js';
import { MCP_PORT } from '../api/index.js';
import { dropUndefined, enabledAuth, renderAuth } from './auth.js';
import { secretFileRef } from './names.js';

/** Stateless streamable HTTP: as set, else on exactly when several replicas share the traffic. */
export function isStateless(project: MxcpProject): boolean {
  return project.spec.transport?.stateless ?? (project.spec.replicas ?? 1) > 1;
}

export function renderUserConfig(project: MxcpProject, projectName: string, profile: string): string {
  const spec = project.spec;
  const profileConfig: Record<string, unknown> = {
    secrets: (spec.secrets ?? []).map((secret) => ({
      name: secret.name,
      type: secret.type,
      parameters: {
        ...(secret.values ?? {}),
        ...Object.fromEntries(
          Object.entries(secret.keys).map(([param, key]) => [
            param,
            secretFileRef(secret.secretRef.name, key),
          ]),
        ),
      },
    })),
  };
  const auth = enabledAuth(project);
  if (auth) profileConfig.auth = renderAuth(auth);
  if (spec.telemetry?.enabled) profileConfig.telemetry = renderTelemetry(spec.telemetry);

  const http: Record<string, unknown> = {
    port: MCP_PORT,
    host: '0.0.0.0',
    stateless: isStateless(project),
    trust_proxy: spec.auth?.trustProxy ?? true,
  };
  if (spec.auth?.baseUrl) http.base_url = spec.auth.baseUrl;

  const config = {
    mxcp: 1,
    transport: { provider: 'streamable-http', http },
    projects: { [projectName]: { profiles: { [profile]: profileConfig } } },
  };
  return stringify(config, { lineWidth: 0, singleQuote: true, aliasDuplicateObjects: false });
}

function renderTelemetry(telemetry: Telemetry): Record<string, unknown> {
  return dropUndefined({
    enabled: true,
    endpoint: telemetry.endpoint,
    service_name: telemetry.serviceName,
    environment: telemetry.environment,
    tracing: { enabled: telemetry.tracing ?? true },
    metrics: { enabled: telemetry.metrics ?? true, export_interval: telemetry.metricsExportInterval ?? 60 },
  });
}
