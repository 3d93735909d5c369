// The schema of `mxcp-site.yml` (MXCP-SPEC §2): every key, every default.
// Unknown keys are errors at every level. Keys that have a default are declared
// required-with-default: the validator fills them in, so `SiteConfig` (the
// Static<> type) describes the config after defaults, with no `undefined`s to
// guard against downstream.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

const stringList = (defaults: string[]) => Type.Array(Type.String(), { default: defaults });
const nullableString = (options: { default?: string | null; minLength?: number } = {}) =>
  Type.Union(
    [Type.String(options.minLength !== undefined ? { minLength: options.minLength } : {}), Type.Null()],
    {
      default: options.default ?? null,
    },
  );
/** An object whose every key has a default, so the whole block may be omitted. */
const block = <P extends Record<string, TSchema>>(properties: P) =>
  Type.Object(properties, { ...strict, default: {} });

export const PluginInstance = Type.Object(
  {
    /** Instance name; UDFs are registered as `<method>_<name>`. */
    name: Type.String({ minLength: 1 }),
    /** Python module importable from `paths.plugins`. */
    module: Type.String({ minLength: 1 }),
    /** Key into the user config's `plugin.config` of the active profile. */
    config: nullableString(),
  },
  strict,
);
export type PluginInstance = Static<typeof PluginInstance>;

export const ExtensionSpec = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      repo: Type.Optional(Type.Union([Type.Literal('community'), Type.Literal('core_nightly')])),
    },
    strict,
  ),
]);
export type ExtensionSpec = Static<typeof ExtensionSpec>;

export const DbtConfig = block({
  enabled: Type.Boolean({ default: true }),
  model_paths: stringList(['models']),
  analysis_paths: stringList(['analyses']),
  test_paths: stringList(['tests']),
  seed_paths: stringList(['seeds']),
  macro_paths: stringList(['macros']),
  snapshot_paths: stringList(['snapshots']),
  target_path: Type.String({ default: 'target' }),
  clean_targets: stringList(['target', 'dbt_packages']),
});
export type DbtConfig = Static<typeof DbtConfig>;

const sqlToolOverride = Type.Optional(Type.Object({ description: nullableString({ minLength: 1 }) }, strict));

/** One CEL rule, as in an endpoint's `policies:` (MXCP-SPEC §4.8). */
const PolicyRule = Type.Object(
  {
    condition: Type.String({ minLength: 1 }),
    action: Type.Union([
      Type.Literal('deny'),
      Type.Literal('filter_fields'),
      Type.Literal('mask_fields'),
      Type.Literal('filter_sensitive_fields'),
    ]),
    reason: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);

export const SqlToolsConfig = block({
  enabled: Type.Boolean({ default: false }),
  execute_sql_query: sqlToolOverride,
  list_tables: sqlToolOverride,
  get_table_schema: sqlToolOverride,
  /**
   * Not in MXCP (whose SQL tools have no policies): CEL rules for all three tools.
   * Input rules see `tool`, `sql`, `table_name` and `user`; output rules `user` and `response`.
   */
  policies: Type.Optional(
    Type.Object(
      { input: Type.Optional(Type.Array(PolicyRule)), output: Type.Optional(Type.Array(PolicyRule)) },
      strict,
    ),
  ),
});
export type SqlToolsConfig = Static<typeof SqlToolsConfig>;

/** Folders of the project, relative to the repository root. */
export const PathsConfig = block({
  tools: Type.String({ default: 'tools' }),
  resources: Type.String({ default: 'resources' }),
  prompts: Type.String({ default: 'prompts' }),
  evals: Type.String({ default: 'evals' }),
  python: Type.String({ default: 'python' }),
  plugins: Type.String({ default: 'plugins' }),
  sql: Type.String({ default: 'sql' }),
  drift: Type.String({ default: 'drift' }),
  audit: Type.String({ default: 'audit' }),
  data: Type.String({ default: 'data' }),
});
export type PathsConfig = Static<typeof PathsConfig>;

export const DEFAULT_AUDIT_MAX_FILE_SIZE = 52_428_800; // 50 MiB

/**
 * One `profiles.<name>` entry. `null` paths mean "derive from `paths.*`"; the
 * loader replaces them with absolute paths for the profiles it resolves.
 */
export const SiteProfile = block({
  duckdb: block({ path: nullableString(), readonly: Type.Boolean({ default: false }) }),
  drift: block({ path: nullableString() }),
  audit: block({
    enabled: Type.Boolean({ default: false }),
    path: nullableString(),
    max_file_size: Type.Integer({ minimum: 1, default: DEFAULT_AUDIT_MAX_FILE_SIZE }),
  }),
});
export type SiteProfile = Static<typeof SiteProfile>;

export const SiteConfigSchema = Type.Object(
  {
    mxcp: Type.Literal(1, { default: 1 }),
    project: Type.String({ minLength: 1 }),
    profile: Type.String({ minLength: 1 }),
    /** Declared secret names. Declarative only, as in MXCP. */
    secrets: stringList([]),
    plugin: Type.Array(PluginInstance, { default: [] }),
    extensions: Type.Array(ExtensionSpec, { default: [] }),
    dbt: DbtConfig,
    sql_tools: SqlToolsConfig,
    paths: PathsConfig,
    profiles: Type.Record(Type.String(), SiteProfile, { default: {} }),
  },
  strict,
);
export type SiteConfig = Static<typeof SiteConfigSchema>;
