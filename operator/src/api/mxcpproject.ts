// The MxcpProject API (mxcp.dev/v1alpha1), DESIGN.md §6: the one definition
// from which the CRD's OpenAPI schema (crds/), its reference page (docs/crd.md)
// and the TypeScript types come. Cross-field rules are CEL validations run by
// the API server; render's validateProject repeats the ones render relies on,
// so a CR read from a file (the render CLI) gets the same answers.
import { Type, type Static } from '@sinclair/typebox';
import { Condition } from './conditions.js';
import { MapOf, OpaqueObject, Quantity, StringEnum, type KubeOptions } from './openapi.js';

export const GROUP = 'mxcp.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'MxcpProject';
export const PLURAL = 'mxcpprojects';
export const SINGULAR = 'mxcpproject';
export const SHORT_NAMES = ['mxcp'];

export const MCP_PORT = 8000;
export const DEFAULT_ADMIN_PORT = 8081;
export const DEFAULT_CLEANUP_SCHEDULE = '17 3 * * *';
/** Longest CR name: the CronJob `<name>-log-cleanup` must stay within 52 characters. */
export const MAX_NAME_LENGTH = 40;

const strict = { additionalProperties: false } as const;
const describe = (description: string, options: KubeOptions = {}): KubeOptions => ({
  ...options,
  description,
});

const Name = (description: string) => Type.String(describe(description, { minLength: 1, maxLength: 253 }));
const LocalObjectReference = (description: string) =>
  Type.Object({ name: Name('Name of the object in the project namespace.') }, describe(description, strict));
const SecretKeyReference = (description: string) =>
  Type.Object(
    {
      name: Name('Name of the Secret in the project namespace.'),
      key: Type.String({ description: 'Key inside the Secret.', minLength: 1, maxLength: 253 }),
    },
    describe(description, strict),
  );

export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;

/** A volume the operator creates (a PVC named after the project) or an existing claim. */
const Storage = (what: string, defaultSize: string) =>
  Type.Object(
    {
      size: Type.Optional(
        Quantity({ description: `Requested size of the ${what} volume.`, default: defaultSize }),
      ),
      storageClassName: Type.Optional(
        Type.String({
          description: 'StorageClass of the claim; the cluster default when omitted.',
          maxLength: 253,
        }),
      ),
      accessModes: Type.Optional(
        Type.Array(StringEnum(ACCESS_MODES), {
          description: 'Access modes of the claim.',
          minItems: 1,
          maxItems: 4,
          default: ['ReadWriteOnce'],
          'x-kubernetes-list-type': 'set',
        } as KubeOptions),
      ),
      existingClaim: Type.Optional(
        Name(
          'Use this existing PersistentVolumeClaim instead of creating one (size, class and modes are then ignored).',
        ),
      ),
    },
    describe(`Storage of the ${what}; defaults (size, ReadWriteOnce) apply when omitted.`, strict),
  );

export const SecretMapping = Type.Object(
  {
    name: Type.String({
      description: 'MXCP secret name, as used by endpoints and DuckDB secrets.',
      minLength: 1,
      maxLength: 128,
    }),
    type: Type.String({
      description: 'MXCP secret type (e.g. database, api, http, s3, custom).',
      minLength: 1,
      maxLength: 64,
    }),
    secretRef: LocalObjectReference(
      'The Kubernetes Secret holding the values; it is mounted as a volume, never copied.',
    ),
    keys: MapOf(Type.String({ minLength: 1, maxLength: 253 }), {
      description:
        'MXCP secret parameter name → key in the Secret. Each parameter is rendered as file:///var/run/mxcp/secrets/<secret>/<key>.',
      minProperties: 1,
      maxProperties: 64,
    }),
    values: Type.Optional(
      MapOf(Type.String({ maxLength: 4096 }), {
        description: 'Literal, non-secret parameters (e.g. host, region).',
        maxProperties: 64,
      }),
    ),
  },
  describe('One MXCP secret of the user config, fed from a Kubernetes Secret.', strict),
);
export type SecretMapping = Static<typeof SecretMapping>;

export const AUTH_PROVIDERS = [
  'none',
  'github',
  'atlassian',
  'salesforce',
  'keycloak',
  'google',
  'oidc',
] as const;

export const Auth = Type.Object(
  {
    provider: Type.Optional(
      StringEnum(AUTH_PROVIDERS, {
        description: 'OAuth provider; none disables authentication.',
        default: 'none',
      }),
    ),
    mode: Type.Optional(
      StringEnum(['issuer', 'verifier'] as const, {
        description:
          'issuer: the worker runs the OAuth flow; verifier (oidc only): it only validates bearer tokens.',
        default: 'issuer',
      }),
    ),
    clientId: Type.Optional(
      Type.String({ description: 'OAuth client id at the provider.', minLength: 1, maxLength: 512 }),
    ),
    clientSecretRef: Type.Optional(SecretKeyReference('The OAuth client secret.')),
    scopes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        description: 'Scopes requested from the provider.',
        maxItems: 64,
      }),
    ),
    requiredScopes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        description: 'Scopes a token must carry to call the MCP endpoint.',
        maxItems: 64,
      }),
    ),
    callbackPath: Type.Optional(
      Type.String({
        description: 'Callback path; defaults to /<provider>/callback.',
        pattern: '^/',
        maxLength: 256,
      }),
    ),
    authUrl: Type.Optional(
      Type.String({
        description: 'Authorize URL; a well-known default for github, google, atlassian and salesforce.',
        maxLength: 2048,
      }),
    ),
    tokenUrl: Type.Optional(
      Type.String({
        description: 'Token URL; a well-known default for github, google, atlassian and salesforce.',
        maxLength: 2048,
      }),
    ),
    realm: Type.Optional(Type.String({ description: 'Keycloak realm.', minLength: 1, maxLength: 256 })),
    serverUrl: Type.Optional(
      Type.String({ description: 'Keycloak server URL.', minLength: 1, maxLength: 2048 }),
    ),
    configUrl: Type.Optional(
      Type.String({
        description: 'OIDC discovery URL (.well-known/openid-configuration).',
        minLength: 1,
        maxLength: 2048,
      }),
    ),
    audience: Type.Optional(Type.String({ description: 'Expected token audience (oidc).', maxLength: 512 })),
    baseUrl: Type.Optional(
      Type.String({
        description: 'Public URL of the MCP server, used in OAuth redirects (e.g. the Ingress URL).',
        pattern: '^https?://',
        maxLength: 2048,
      }),
    ),
    trustProxy: Type.Optional(
      Type.Boolean({ description: 'Honour X-Forwarded-Proto behind an Ingress.', default: true }),
    ),
    claimMappings: Type.Optional(
      MapOf(
        MapOf(
          Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
            description: 'Capabilities granted.',
            maxItems: 64,
          }),
          { description: 'Claim value → capabilities.', maxProperties: 256 },
        ),
        {
          description:
            'Capabilities from identity-provider claims (user.capabilities in policies): claim name or dotted path (e.g. groups, realm_access.roles) → claim value → capabilities.',
          maxProperties: 64,
        },
      ),
    ),
    accessTokenTtlSeconds: Type.Optional(
      Type.Integer({
        description:
          'Lifetime of the access tokens the worker issues (also capped by the upstream token); the worker default is 3600.',
        minimum: 60,
        maximum: 86400,
        format: 'int32',
      }),
    ),
    refreshTokenTtlSeconds: Type.Optional(
      Type.Integer({
        description: 'Lifetime of refresh tokens; the worker default is 1209600 (14 days).',
        minimum: 60,
        maximum: 31536000,
        format: 'int32',
      }),
    ),
    maxSessionAgeSeconds: Type.Optional(
      Type.Integer({
        description:
          'Hard limit on a session since sign-in: no refresh goes beyond it; the worker default is 2592000 (30 days).',
        minimum: 60,
        maximum: 31536000,
        format: 'int32',
      }),
    ),
    encryptionKeySecretRef: Type.Optional(
      SecretKeyReference(
        'Keys sealing the OAuth tokens, one per line (the first seals, all open: add a new key first to rotate). Every replica opens tokens another one issued. When omitted, the operator generates one key once, in the Secret `<project name>-auth-keys`, and keeps it.',
      ),
    ),
  },
  describe('Authentication of MCP clients (OAuth, MXCP user config auth block).', {
    ...strict,
    'x-kubernetes-validations': [
      {
        rule: "!has(self.provider) || self.provider == 'none' || (has(self.clientId) && has(self.clientSecretRef))",
        message: 'clientId and clientSecretRef are required when a provider is set',
      },
      {
        rule: "!has(self.provider) || self.provider != 'keycloak' || (has(self.realm) && has(self.serverUrl))",
        message: 'keycloak needs realm and serverUrl',
      },
      {
        rule: "!has(self.provider) || self.provider != 'oidc' || has(self.configUrl)",
        message: 'oidc needs configUrl',
        fieldPath: '.configUrl',
      },
      {
        rule: "!has(self.mode) || self.mode == 'issuer' || (has(self.provider) && self.provider == 'oidc')",
        message: 'verifier mode is only available with the oidc provider',
        fieldPath: '.mode',
      },
    ],
  }),
);
export type Auth = Static<typeof Auth>;

export const Audit = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({
        description: 'Write an audit record for every call (JSONL on a volume).',
        default: false,
      }),
    ),
    retentionDays: Type.Optional(
      Type.Integer({
        description: 'Records older than this are deleted by the cleanup job.',
        minimum: 1,
        maximum: 3650,
        default: 90,
      }),
    ),
    cleanupSchedule: Type.Optional(
      Type.String({
        description: 'Cron schedule (5 fields or @daily, @hourly…) of the mxcp log-cleanup CronJob.',
        minLength: 1,
        maxLength: 128,
        default: DEFAULT_CLEANUP_SCHEDULE,
      }),
    ),
    storage: Type.Optional(Storage('audit log', '1Gi')),
  },
  describe('Audit logging and its retention.', { ...strict, default: {} }),
);
export type Audit = Static<typeof Audit>;

export const DUCKDB_MODES = ['ephemeral', 'persistent', 'readonly'] as const;

export const DuckDB = Type.Object(
  {
    mode: Type.Optional(
      StringEnum(DUCKDB_MODES, {
        description:
          'ephemeral: a fresh database per pod (emptyDir); persistent: one read-write file on a volume (one replica); readonly: a shared file opened read-only.',
        default: 'ephemeral',
      }),
    ),
    file: Type.Optional(
      Type.String({
        description: 'Database file inside the volume.',
        pattern: '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$',
        maxLength: 253,
        default: 'mxcp.duckdb',
      }),
    ),
    storage: Type.Optional(Storage('DuckDB', '1Gi')),
    initSql: Type.Optional(
      Type.String({
        description:
          'SQL run on the database by an init container before the worker starts (make it idempotent).',
        minLength: 1,
        maxLength: 65536,
      }),
    ),
  },
  describe('Where the DuckDB database lives.', {
    ...strict,
    default: {},
    'x-kubernetes-validations': [
      {
        rule: "!has(self.mode) || self.mode != 'readonly' || !has(self.initSql)",
        message: 'initSql cannot run on a read-only database',
        fieldPath: '.initSql',
      },
      {
        rule: "(has(self.mode) && self.mode != 'ephemeral') || !has(self.storage)",
        message: 'storage applies to persistent and readonly databases only',
        fieldPath: '.storage',
      },
    ],
  }),
);
export type DuckDB = Static<typeof DuckDB>;

export const Telemetry = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({ description: 'Export OpenTelemetry traces and/or metrics.', default: false }),
    ),
    endpoint: Type.Optional(
      Type.String({
        description: 'OTLP/HTTP base URL (e.g. http://otel-collector:4318).',
        pattern: '^https?://',
        maxLength: 2048,
      }),
    ),
    serviceName: Type.Optional(
      Type.String({ description: 'service.name; defaults to mxcp.', maxLength: 256 }),
    ),
    environment: Type.Optional(
      Type.String({ description: 'deployment.environment; defaults to the profile.', maxLength: 256 }),
    ),
    tracing: Type.Optional(Type.Boolean({ description: 'Export traces.', default: true })),
    metrics: Type.Optional(Type.Boolean({ description: 'Export metrics.', default: true })),
    metricsExportInterval: Type.Optional(
      Type.Integer({
        description: 'Seconds between metric exports.',
        minimum: 1,
        maximum: 3600,
        default: 60,
      }),
    ),
  },
  describe('OpenTelemetry export of traces and metrics (OTLP/HTTP).', {
    ...strict,
    'x-kubernetes-validations': [
      {
        rule: '!has(self.enabled) || !self.enabled || has(self.endpoint)',
        message: 'endpoint is required when telemetry is enabled',
        fieldPath: '.endpoint',
      },
    ],
  }),
);
export type Telemetry = Static<typeof Telemetry>;

export const Transport = Type.Object(
  {
    stateless: Type.Optional(
      Type.Boolean({
        description:
          'Stateless streamable HTTP (no MCP sessions). Defaults to true when replicas > 1, which requires it, and false otherwise.',
      }),
    ),
  },
  describe('MCP transport settings (streamable HTTP on port 8000).', strict),
);
export type Transport = Static<typeof Transport>;

export const Admin = Type.Object(
  {
    port: Type.Optional(
      Type.Integer({
        description: 'Port of the worker admin API (reload, status); never exposed by the Service.',
        minimum: 1024,
        maximum: 65535,
        default: DEFAULT_ADMIN_PORT,
      }),
    ),
  },
  describe('The worker admin API, used by the operator for hot reload.', {
    ...strict,
    default: {},
    'x-kubernetes-validations': [
      {
        rule: `!has(self.port) || self.port != ${MCP_PORT}`,
        message: `admin port must differ from the MCP port ${MCP_PORT}`,
        fieldPath: '.port',
      },
    ],
  }),
);
export type Admin = Static<typeof Admin>;

export const EXTENSION_REPOS = ['community', 'core_nightly'] as const;

export const SiteOverrides = Type.Object(
  {
    sqlTools: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({
            description: 'Serve the built-in SQL tools (execute_sql_query, list_tables, get_table_schema).',
          }),
        },
        describe('Overrides sql_tools of mxcp-site.yml.', strict),
      ),
    ),
    extensions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({
              description: 'DuckDB extension name.',
              minLength: 1,
              maxLength: 128,
              pattern: '^[A-Za-z0-9_]+$',
            }),
            repo: Type.Optional(
              StringEnum(EXTENSION_REPOS, { description: 'Extension repository; core when omitted.' }),
            ),
          },
          strict,
        ),
        {
          description: 'DuckDB extensions added to those of mxcp-site.yml (same name: this entry wins).',
          maxItems: 64,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        } as KubeOptions,
      ),
    ),
  },
  describe('Settings merged into the project mxcp-site.yml.', strict),
);
export type SiteOverrides = Static<typeof SiteOverrides>;

export const TOLERATION_OPERATORS = ['Exists', 'Equal'] as const;
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

const Toleration = Type.Object(
  {
    key: Type.Optional(Type.String({ maxLength: 316 })),
    operator: Type.Optional(StringEnum(TOLERATION_OPERATORS)),
    value: Type.Optional(Type.String({ maxLength: 63 })),
    effect: Type.Optional(StringEnum(TAINT_EFFECTS)),
    tolerationSeconds: Type.Optional(Type.Integer({ format: 'int64' })),
  },
  strict,
);

export const Resources = Type.Object(
  {
    limits: Type.Optional(MapOf(Quantity(), { description: 'Limits, e.g. {cpu: "1", memory: 1Gi}.' })),
    requests: Type.Optional(MapOf(Quantity(), { description: 'Requests, e.g. {cpu: 100m, memory: 256Mi}.' })),
  },
  describe('Compute resources of the worker container (core/v1 ResourceRequirements).', strict),
);
export type Resources = Static<typeof Resources>;

export const IMAGE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

export const MxcpProjectSpec = Type.Object(
  {
    image: Type.Optional(
      Type.String({
        description: "Worker image; the operator's default worker image when omitted.",
        minLength: 1,
        maxLength: 512,
      }),
    ),
    imagePullPolicy: Type.Optional(
      StringEnum(IMAGE_PULL_POLICIES, { description: 'Pull policy of the worker image.' }),
    ),
    imagePullSecrets: Type.Optional(
      Type.Array(LocalObjectReference('A Secret with registry credentials.'), { maxItems: 16 }),
    ),
    replicas: Type.Optional(
      Type.Integer({
        description: 'Number of worker pods.',
        minimum: 0,
        maximum: 100,
        default: 1,
        format: 'int32',
      }),
    ),
    profile: Type.Optional(
      Type.String({
        description: 'MXCP profile to serve; the profile named in mxcp-site.yml when omitted.',
        pattern: '^[A-Za-z0-9_-]+$',
        maxLength: 63,
      }),
    ),
    files: Type.Optional(
      MapOf(Type.String({ maxLength: 1048576 }), {
        description:
          'Project files inline: relative path (e.g. tools/hello.yml) → content. Must contain mxcp-site.yml. Exclusive with configMapRef.',
        minProperties: 1,
        maxProperties: 512,
        'x-kubernetes-validations': [
          { rule: "'mxcp-site.yml' in self", message: 'files must contain mxcp-site.yml' },
        ],
      }),
    ),
    configMapRef: Type.Optional(
      LocalObjectReference(
        'A ConfigMap holding the project files; a key stands for a path with "/" written as "__" (tools__hello.yml). Exclusive with files.',
      ),
    ),
    site: Type.Optional(SiteOverrides),
    secrets: Type.Optional(
      Type.Array(SecretMapping, {
        description: 'MXCP secrets of the user config, each fed from a Kubernetes Secret.',
        maxItems: 64,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      } as KubeOptions),
    ),
    auth: Type.Optional(Auth),
    audit: Type.Optional(Audit),
    duckdb: Type.Optional(DuckDB),
    telemetry: Type.Optional(Telemetry),
    transport: Type.Optional(Transport),
    admin: Type.Optional(Admin),
    resources: Type.Optional(Resources),
    nodeSelector: Type.Optional(
      MapOf(Type.String({ maxLength: 253 }), { description: 'Node labels the pods must match.' }),
    ),
    tolerations: Type.Optional(
      Type.Array(Toleration, { description: 'Tolerations of the worker pods (core/v1).', maxItems: 32 }),
    ),
    affinity: Type.Optional(
      OpaqueObject({ description: 'Affinity of the worker pods (core/v1 Affinity, passed through).' }),
    ),
    podAnnotations: Type.Optional(
      MapOf(Type.String(), { description: 'Annotations added to the worker pods (not to other objects).' }),
    ),
    podLabels: Type.Optional(
      MapOf(Type.String({ maxLength: 63 }), {
        description: 'Labels added to the worker pods; app.kubernetes.io/* keys are reserved.',
        maxProperties: 32,
      }),
    ),
    serviceAccountName: Type.Optional(
      Type.String({ description: 'ServiceAccount of the worker pods.', maxLength: 253 }),
    ),
    suspend: Type.Optional(
      Type.Boolean({
        description: 'Pause reconciliation: the operator leaves the children as they are.',
        default: false,
      }),
    ),
  },
  describe('Desired state of an MXCP project.', {
    ...strict,
    'x-kubernetes-validations': [
      {
        rule: 'has(self.files) != has(self.configMapRef)',
        message: 'exactly one of files or configMapRef must be set',
      },
      {
        rule: "!has(self.duckdb) || !has(self.duckdb.mode) || self.duckdb.mode != 'persistent' || (has(self.replicas) ? self.replicas : 1) <= 1",
        message:
          'a read-write persistent DuckDB allows one replica: use duckdb.mode readonly or ephemeral for more',
        fieldPath: '.replicas',
      },
      {
        rule: '!has(self.transport) || !has(self.transport.stateless) || self.transport.stateless || (has(self.replicas) ? self.replicas : 1) <= 1',
        message: 'stateful sessions need a single replica: set transport.stateless to true or replicas to 1',
        fieldPath: '.transport.stateless',
      },
      {
        rule: "(has(self.replicas) ? self.replicas : 1) <= 1 || !has(self.audit) || !has(self.audit.enabled) || !self.audit.enabled || (has(self.audit.storage) && (has(self.audit.storage.existingClaim) || (has(self.audit.storage.accessModes) && 'ReadWriteMany' in self.audit.storage.accessModes)))",
        message: 'audit storage shared by several replicas must be ReadWriteMany',
        fieldPath: '.audit.storage.accessModes',
      },
      {
        rule: "(has(self.replicas) ? self.replicas : 1) <= 1 || !has(self.duckdb) || !has(self.duckdb.mode) || self.duckdb.mode != 'readonly' || (has(self.duckdb.storage) && (has(self.duckdb.storage.existingClaim) || (has(self.duckdb.storage.accessModes) && ('ReadOnlyMany' in self.duckdb.storage.accessModes || 'ReadWriteMany' in self.duckdb.storage.accessModes))))",
        message: 'a readonly DuckDB volume shared by several replicas must be ReadOnlyMany or ReadWriteMany',
        fieldPath: '.duckdb.storage.accessModes',
      },
    ],
  }),
);
export type MxcpProjectSpec = Static<typeof MxcpProjectSpec>;

/** One worker pod that did not acknowledge a hot reload. */
export const ReloadFailure = Type.Object(
  {
    pod: Type.String({ description: 'The pod name.', maxLength: 253 }),
    message: Type.String({ description: 'What went wrong, and what the operator did.', maxLength: 2048 }),
    time: Type.String({ description: 'When it was recorded.', format: 'date-time' }),
  },
  describe('A pod that did not acknowledge the reload.', strict),
);

/** Hot reload progress: which secrets hash the ready workers have loaded. */
export const ReloadStatus = Type.Object(
  {
    secretsHash: Type.String({
      description: 'The secrets hash the workers were asked to load (status.secretsHash when done).',
      maxLength: 128,
    }),
    reloadedReplicas: Type.Integer({
      description: 'Ready worker pods that run this secrets hash.',
      format: 'int32',
      minimum: 0,
    }),
    readyReplicas: Type.Integer({
      description: 'Ready worker pods when this was recorded.',
      format: 'int32',
      minimum: 0,
    }),
    lastReloadTime: Type.Optional(
      Type.String({
        description: 'When the last pod acknowledged a reload to this secrets hash.',
        format: 'date-time',
      }),
    ),
    failures: Type.Optional(
      Type.Array(ReloadFailure, {
        description: 'Pods that did not acknowledge in time (most recent first, at most 10).',
        maxItems: 10,
      }),
    ),
  },
  describe('Hot reload of rotated Secrets: per-pod acknowledgement of secretsHash.', strict),
);
export type ReloadStatus = Static<typeof ReloadStatus>;

export const MxcpProjectStatus = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'The generation the status describes.', format: 'int64', minimum: 0 }),
    ),
    conditions: Type.Optional(
      Type.Array(Condition, {
        description: 'Ready, Progressing, Degraded, ConfigValid, Reloaded.',
        maxItems: 16,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      } as KubeOptions),
    ),
    replicas: Type.Optional(
      Type.Integer({ description: 'Worker pods that exist.', format: 'int32', minimum: 0 }),
    ),
    readyReplicas: Type.Optional(
      Type.Integer({ description: 'Worker pods that are ready.', format: 'int32', minimum: 0 }),
    ),
    url: Type.Optional(Type.String({ description: 'In-cluster MCP endpoint URL.', maxLength: 2048 })),
    secretsHash: Type.Optional(
      Type.String({
        description: 'SHA-256 of the referenced Secrets’ data the workers should have loaded.',
        maxLength: 128,
      }),
    ),
    reload: Type.Optional(ReloadStatus),
  },
  describe('Observed state, written by the operator through the status subresource.', strict),
);
export type MxcpProjectStatus = Static<typeof MxcpProjectStatus>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface MxcpProject {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: MxcpProjectSpec;
  status?: MxcpProjectStatus;
}

/** Root-level rules: the name becomes part of DNS labels and of the CronJob name. */
export const ROOT_VALIDATIONS = [
  {
    rule: `self.metadata.name.size() <= ${MAX_NAME_LENGTH}`,
    message: `metadata.name must be at most ${MAX_NAME_LENGTH} characters (child object names are derived from it)`,
  },
  {
    rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message: 'metadata.name must be a DNS-1035 label (it names the Service)',
  },
];
