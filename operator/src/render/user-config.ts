// The MXCP user config (`$MXCP_CONFIG`) the worker runs with, rendered from
// the CR. Secret values never appear in it: each one is a file:// reference
// to a key of a Secret mounted as a volume, so a rotated value reaches the
// worker on hot reload without a new config (or a restart).
import { stringify } from 'yaml';
import type { Auth, MxcpProject, Telemetry } from '../api/index.js';
import { MCP_PORT } from '../api/index.js';
import { PATHS, secretFileRef } from './names.js';

/** Well-known endpoints MXCP has no defaults for (MXCP-SPEC §7: required for these providers). */
const PROVIDER_URLS: Record<string, { auth_url: string; token_url: string }> = {
  github: {
    auth_url: 'https://github.com/login/oauth/authorize',
    token_url: 'https://github.com/login/oauth/access_token',
  },
  google: {
    auth_url: 'https://accounts.google.com/o/oauth2/v2/auth',
    token_url: 'https://oauth2.googleapis.com/token',
  },
  atlassian: {
    auth_url: 'https://auth.atlassian.com/authorize',
    token_url: 'https://auth.atlassian.com/oauth/token',
  },
  salesforce: {
    auth_url: 'https://login.salesforce.com/services/oauth2/authorize',
    token_url: 'https://login.salesforce.com/services/oauth2/token',
  },
};

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
  if (spec.auth && (spec.auth.provider ?? 'none') !== 'none') profileConfig.auth = renderAuth(spec.auth);
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
  return stringify(config, { lineWidth: 0, singleQuote: true });
}

function renderAuth(auth: Auth): Record<string, unknown> {
  const provider = auth.provider ?? 'none';
  const block: Record<string, unknown> = {
    client_id: auth.clientId,
    client_secret: auth.clientSecretRef
      ? secretFileRef(auth.clientSecretRef.name, auth.clientSecretRef.key)
      : undefined,
    scope: auth.scopes?.length ? auth.scopes.join(' ') : undefined,
    callback_path:
      provider === 'oidc' && auth.mode === 'verifier'
        ? undefined
        : (auth.callbackPath ?? `/${provider}/callback`),
    auth_url: auth.authUrl ?? PROVIDER_URLS[provider]?.auth_url,
    token_url: auth.tokenUrl ?? PROVIDER_URLS[provider]?.token_url,
    realm: auth.realm,
    server_url: auth.serverUrl,
    config_url: auth.configUrl,
    audience: auth.audience,
  };
  const rendered: Record<string, unknown> = {
    mode: auth.mode ?? 'issuer',
    provider,
    [provider]: dropUndefined(block),
    persistence: dropUndefined({
      type: 'sqlite',
      path: `${PATHS.state}/oauth.db`,
      auth_encryption_key: auth.encryptionKeySecretRef
        ? secretFileRef(auth.encryptionKeySecretRef.name, auth.encryptionKeySecretRef.key)
        : undefined,
    }),
  };
  if (auth.requiredScopes?.length) rendered.authorization = { required_scopes: auth.requiredScopes };
  return rendered;
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

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
