// The schema of the user config, `~/.mxcp/config.yml` or `$MXCP_CONFIG`
// (MXCP-SPEC §3, auth blocks of §7): every key, every default, unknown keys
// rejected. Auth provider blocks are typed but permissive about which provider
// uses which field: the auth module checks per-provider requirements (e.g.
// `auth_url` for GitHub) where it can say why.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const nullable = <T extends TSchema>(schema: T, fallback: unknown = null) =>
  Type.Union([schema, Type.Null()], { default: fallback });
const block = <P extends Record<string, TSchema>>(properties: P) =>
  Type.Object(properties, { ...strict, default: {} });
const literals = <T extends readonly string[]>(values: T, options: { default?: T[number] } = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

export const SecretConfig = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** Free string: database, api, custom, env, http, s3, ... */
    type: Type.String({ minLength: 1 }),
    /** Values may be nested maps (e.g. HTTP headers). */
    parameters: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  strict,
);
export type SecretConfig = Static<typeof SecretConfig>;

/** `claim path → claim value → capabilities` (MXCP-SPEC §7, capabilities). */
const ClaimMappings = Type.Record(Type.String(), Type.Record(Type.String(), Type.Array(Type.String())));

/** Fields of every upstream provider block; each provider uses a subset. */
export const AuthProviderConfig = Type.Object(
  {
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
    scope: Type.Optional(nullable(Type.String())),
    callback_path: Type.Optional(Type.String()),
    auth_url: Type.Optional(Type.String()),
    token_url: Type.Optional(Type.String()),
    claim_mappings: Type.Optional(ClaimMappings),
    // keycloak
    realm: Type.Optional(Type.String()),
    server_url: Type.Optional(Type.String()),
    // oidc
    config_url: Type.Optional(Type.String()),
    audience: Type.Optional(nullable(Type.String())),
    extra_authorize_params: Type.Optional(Type.Record(Type.String(), Type.String())),
    provider_name: Type.Optional(nullable(Type.String())),
  },
  strict,
);
export type AuthProviderConfig = Static<typeof AuthProviderConfig>;

export const AUTH_PROVIDERS = [
  'none',
  'github',
  'atlassian',
  'salesforce',
  'keycloak',
  'google',
  'oidc',
] as const;

export const OAuthClientConfig = Type.Object(
  {
    client_id: Type.String({ minLength: 1 }),
    name: Type.String(),
    client_secret: Type.Optional(nullable(Type.String())),
    redirect_uris: Type.Array(Type.String(), { default: [] }),
    grant_types: Type.Array(literals(['authorization_code', 'refresh_token'] as const), {
      default: ['authorization_code'],
    }),
    scopes: Type.Array(Type.String(), { default: [] }),
  },
  strict,
);
export type OAuthClientConfig = Static<typeof OAuthClientConfig>;

export const AuthConfig = Type.Object(
  {
    mode: literals(['issuer', 'verifier'] as const, { default: 'issuer' }),
    provider: literals(AUTH_PROVIDERS, { default: 'none' }),
    clients: Type.Optional(Type.Array(OAuthClientConfig)),
    authorization: Type.Optional(
      Type.Object({ required_scopes: Type.Array(Type.String(), { default: [] }) }, strict),
    ),
    persistence: Type.Optional(
      Type.Object(
        {
          type: Type.Literal('sqlite', { default: 'sqlite' }),
          path: Type.String({ default: '~/.mxcp/oauth.db' }),
          auth_encryption_key: nullable(Type.String()),
        },
        strict,
      ),
    ),
    github: Type.Optional(AuthProviderConfig),
    atlassian: Type.Optional(AuthProviderConfig),
    salesforce: Type.Optional(AuthProviderConfig),
    keycloak: Type.Optional(AuthProviderConfig),
    google: Type.Optional(AuthProviderConfig),
    oidc: Type.Optional(AuthProviderConfig),
  },
  strict,
);
export type AuthConfig = Static<typeof AuthConfig>;

export const TelemetryConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    /** OTLP/HTTP base URL; `/v1/traces` and `/v1/metrics` are appended when missing. */
    endpoint: nullable(Type.String()),
    headers: nullable(Type.Record(Type.String(), Type.String())),
    service_name: nullable(Type.String()),
    service_version: nullable(Type.String()),
    environment: nullable(Type.String()),
    resource_attributes: nullable(Type.Record(Type.String(), Type.Unknown())),
    tracing: block({
      enabled: Type.Boolean({ default: false }),
      console_export: Type.Boolean({ default: false }),
    }),
    metrics: block({
      enabled: Type.Boolean({ default: false }),
      export_interval: Type.Integer({ minimum: 1, default: 60 }),
    }),
  },
  strict,
);
export type TelemetryConfig = Static<typeof TelemetryConfig>;

export const UserProfileConfig = Type.Object(
  {
    secrets: Type.Array(SecretConfig, { default: [] }),
    plugin: block({
      /** `<configName> → <key> → string value`, read by plugins named in the site config. */
      config: Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), { default: {} }),
    }),
    auth: Type.Optional(AuthConfig),
    telemetry: Type.Optional(TelemetryConfig),
  },
  { ...strict, default: {} },
);
export type UserProfileConfig = Static<typeof UserProfileConfig>;

export const UserProjectConfig = Type.Object(
  { profiles: Type.Record(Type.String(), UserProfileConfig, { default: {} }) },
  { ...strict, default: {} },
);
export type UserProjectConfig = Static<typeof UserProjectConfig>;

export const VaultConfig = block({
  enabled: Type.Boolean({ default: false }),
  address: nullable(Type.String()),
  token_env: nullable(Type.String(), 'VAULT_TOKEN'),
});
export type VaultConfig = Static<typeof VaultConfig>;

export const OnePasswordConfig = block({
  enabled: Type.Boolean({ default: false }),
  token_env: nullable(Type.String(), 'OP_SERVICE_ACCOUNT_TOKEN'),
});
export type OnePasswordConfig = Static<typeof OnePasswordConfig>;

export const TRANSPORTS = ['streamable-http', 'sse', 'stdio'] as const;

export const TransportConfig = block({
  provider: literals(TRANSPORTS, { default: 'streamable-http' }),
  http: block({
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
    host: Type.String({ default: 'localhost' }),
    scheme: literals(['http', 'https'] as const, { default: 'http' }),
    /** Public URL used in OAuth URLs when behind a proxy. */
    base_url: nullable(Type.String()),
    /** Honour X-Forwarded-Proto / X-Forwarded-Scheme. */
    trust_proxy: Type.Boolean({ default: false }),
    stateless: Type.Boolean({ default: false }),
  }),
});
export type TransportConfig = Static<typeof TransportConfig>;

export const ModelConfig = Type.Object(
  {
    type: literals(['claude', 'openai'] as const),
    api_key: Type.Optional(nullable(Type.String())),
    base_url: Type.Optional(nullable(Type.String())),
    timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    max_retries: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);
export type ModelConfig = Static<typeof ModelConfig>;

export const ModelsConfig = block({
  default: nullable(Type.String()),
  models: Type.Record(Type.String(), ModelConfig, { default: {} }),
});
export type ModelsConfig = Static<typeof ModelsConfig>;

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

export const LoggingConfig = block({
  enabled: Type.Boolean({ default: true }),
  /** Rotating log file; no file logging when null. */
  path: nullable(Type.String()),
  level: literals(LOG_LEVELS, { default: 'WARNING' }),
  max_bytes: Type.Integer({ minimum: 1, default: 10_485_760 }),
  backup_count: Type.Integer({ minimum: 0, default: 5 }),
});
export type LoggingConfig = Static<typeof LoggingConfig>;

export const UserConfigSchema = Type.Object(
  {
    mxcp: Type.Literal(1, { default: 1 }),
    projects: Type.Record(Type.String(), UserProjectConfig, { default: {} }),
    vault: VaultConfig,
    onepassword: OnePasswordConfig,
    transport: TransportConfig,
    models: ModelsConfig,
    logging: LoggingConfig,
  },
  strict,
);
export type UserConfig = Static<typeof UserConfigSchema>;
