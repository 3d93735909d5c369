// Loading the user config (MXCP-SPEC §3): where it is, selective reference
// resolution, schema check with defaults, and the guarantee that the active
// project/profile entry exists. Only the top-level settings and the active
// profile are interpolated, so references in other profiles may name
// variables that are not set here.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { resolveReferences, type ReferenceContext, type SchemeResolver } from './refs.js';
import { checkSchema, throwIfAny, withDefaults } from './schema-check.js';
import type { SiteConfig } from './site-schema.js';
import { UserConfigSchema, UserProfileConfig, UserProjectConfig, type UserConfig } from './user-schema.js';
import { checkFormatVersion } from './version.js';
import { parseYaml, readYamlFile, type PathSegment, type YamlSource } from './yaml-source.js';

export interface LoadUserOptions {
  /** Anchor for a relative MXCP_CONFIG and relative `file://` references; defaults to process.cwd(). */
  cwd?: string;
  /** Replaces the scheme registry (tests, or a caller with real secret-manager clients). */
  resolvers?: ReadonlyMap<string, SchemeResolver>;
}

/** Where the user config is read from: `$MXCP_CONFIG`, else `~/.mxcp/config.yml`. */
export function userConfigPath(
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): { path: string; explicit: boolean } {
  if (env.MXCP_CONFIG) return { path: resolve(cwd, env.MXCP_CONFIG), explicit: true };
  return { path: join(homedir(), '.mxcp', 'config.yml'), explicit: false };
}

/**
 * Loads the user config for `site.project` and `profileName`. A missing default
 * file yields a generated config; a missing `$MXCP_CONFIG` file is an error.
 */
export function loadUserConfig(
  site: Pick<SiteConfig, 'project'>,
  profileName: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadUserOptions = {},
): UserConfig {
  const cwd = options.cwd ?? process.cwd();
  const { path, explicit } = userConfigPath(env, cwd);
  let source: YamlSource;
  if (existsSync(path)) {
    source = readYamlFile(path, path);
  } else if (explicit) {
    throw new ConfigError(`User config file not found: ${path}`, {
      file: path,
      hint: 'MXCP_CONFIG names a file that does not exist; unset it to use ~/.mxcp/config.yml',
    });
  } else {
    source = parseYaml('{}', path);
  }
  const migration = checkFormatVersion(source, 'the user config');
  if (migration) throw migration;

  const raw = source.value ?? {};
  const interpolated = interpolateActive(
    raw,
    site.project,
    profileName,
    source,
    { env, cwd },
    options.resolvers,
  );
  const { value: config, errors } = checkSchema(UserConfigSchema, source, interpolated, {
    coerceTypes: true,
    hideValue: (path) => referenceAt(raw, path),
  });
  throwIfAny(errors);

  config.projects[site.project] ??= withDefaults(UserProjectConfig);
  config.projects[site.project].profiles[profileName] ??= withDefaults(UserProfileConfig);
  return config;
}

/** Resolves references in the top-level settings and in `projects.<project>.profiles.<profile>` only. */
function interpolateActive(
  raw: unknown,
  project: string,
  profile: string,
  source: YamlSource,
  base: Pick<ReferenceContext, 'env' | 'cwd'>,
  resolvers: ReadonlyMap<string, SchemeResolver> | undefined,
): unknown {
  if (!isRecord(raw)) return raw;
  const errors: ConfigError[] = [];
  const context: ReferenceContext = { ...base };
  const resolveAt = (value: unknown, path: (string | number)[]) =>
    resolveReferences(value, { context, source, path, errors, resolvers });

  // Secret-manager settings first: the resolvers for vault:// and op:// read them.
  const config: Record<string, unknown> = { ...raw };
  for (const key of ['vault', 'onepassword']) if (key in config) config[key] = resolveAt(config[key], [key]);
  context.vault = config.vault as ReferenceContext['vault'];
  context.onepassword = config.onepassword as ReferenceContext['onepassword'];
  for (const key of Object.keys(config)) {
    if (key !== 'projects' && key !== 'vault' && key !== 'onepassword')
      config[key] = resolveAt(config[key], [key]);
  }

  const projects = config.projects;
  const profiles = isRecord(projects) && isRecord(projects[project]) ? projects[project].profiles : undefined;
  if (isRecord(projects) && isRecord(profiles) && profile in profiles) {
    config.projects = {
      ...projects,
      [project]: {
        ...(projects[project] as Record<string, unknown>),
        profiles: {
          ...profiles,
          [profile]: resolveAt(profiles[profile], ['projects', project, 'profiles', profile]),
        },
      },
    };
  }
  throwIfAny(errors);
  return config;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A value that came from a reference (`${VAR}`, `file://`, `vault://`, `op://`) may be a
 * secret: errors name the reference as written in the file, never the resolved value.
 */
function referenceAt(raw: unknown, path: PathSegment[]): string | undefined {
  let node: unknown = raw;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  if (typeof node !== 'string') return undefined;
  const isReference = /\$\{[A-Za-z0-9_]+\}/.test(node) || /^(file|vault|op):\/\//.test(node);
  return isReference ? `the value of '${node}'` : undefined;
}
