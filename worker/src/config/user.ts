// Loading the user config (MXCP-SPEC §3): where it is, selective reference
// resolution, schema check with defaults, and the guarantee that the active
// project/profile entry exists. Only the top-level settings and the active
// profile are interpolated, so references in other profiles may name
// variables that are not set here.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import {
  resolveReferences,
  resolveReferencesAsync,
  type ReferenceContext,
  type SchemeResolver,
} from './refs.js';
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
 * Secret-manager references (vault://, op://) need the network: this synchronous
 * form reports them as errors; `loadUserConfigAsync` resolves them.
 */
export function loadUserConfig(
  site: Pick<SiteConfig, 'project'>,
  profileName: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadUserOptions = {},
): UserConfig {
  const read = readUserConfig(env, options);
  const errors: ConfigError[] = [];
  const interpolated = interpolateActive(read, site.project, profileName, errors);
  throwIfAny(errors);
  return finishUserConfig(read, interpolated, site.project, profileName);
}

/** `loadUserConfig` that also resolves vault:// and op:// references, concurrently. */
export async function loadUserConfigAsync(
  site: Pick<SiteConfig, 'project'>,
  profileName: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadUserOptions = {},
): Promise<UserConfig> {
  const read = readUserConfig(env, options);
  const errors: ConfigError[] = [];
  const interpolated = await interpolateActiveAsync(read, site.project, profileName, errors);
  throwIfAny(errors);
  return finishUserConfig(read, interpolated, site.project, profileName);
}

interface ReadUserConfig {
  source: YamlSource;
  raw: unknown;
  context: ReferenceContext;
  resolvers?: ReadonlyMap<string, SchemeResolver>;
}

function readUserConfig(env: NodeJS.ProcessEnv, options: LoadUserOptions): ReadUserConfig {
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
  return { source, raw: source.value ?? {}, context: { env, cwd }, resolvers: options.resolvers };
}

function finishUserConfig(
  read: ReadUserConfig,
  interpolated: unknown,
  project: string,
  profile: string,
): UserConfig {
  const { value: config, errors } = checkSchema(UserConfigSchema, read.source, interpolated, {
    coerceTypes: true,
    hideValue: (path) => referenceAt(read.raw, path),
  });
  throwIfAny(errors);

  config.projects[project] ??= withDefaults(UserProjectConfig);
  config.projects[project].profiles[profile] ??= withDefaults(UserProfileConfig);
  return config;
}

/** The parts of the raw config that are interpolated, in order: secret-manager settings, then the rest. */
function activePaths(raw: Record<string, unknown>, project: string, profile: string) {
  const settings = ['vault', 'onepassword'].filter((key) => key in raw).map((key): PathSegment[] => [key]);
  const rest = Object.keys(raw)
    .filter((key) => key !== 'projects' && key !== 'vault' && key !== 'onepassword')
    .map((key): PathSegment[] => [key]);
  const projects = raw.projects;
  const profiles = isRecord(projects) && isRecord(projects[project]) ? projects[project].profiles : undefined;
  if (isRecord(profiles) && profile in profiles) rest.push(['projects', project, 'profiles', profile]);
  return { settings, rest };
}

/** The secret-manager settings as resolved so far, for the vault:// and op:// resolvers. */
function withSettings(context: ReferenceContext, config: Record<string, unknown>): ReferenceContext {
  return {
    ...context,
    vault: config.vault as ReferenceContext['vault'],
    onepassword: config.onepassword as ReferenceContext['onepassword'],
  };
}

/** Resolves references in the top-level settings and in `projects.<project>.profiles.<profile>` only. */
function interpolateActive(read: ReadUserConfig, project: string, profile: string, errors: ConfigError[]) {
  const { raw, source, resolvers } = read;
  if (!isRecord(raw)) return raw;
  const { settings, rest } = activePaths(raw, project, profile);
  let config = raw;
  let context = read.context;
  for (const path of settings) {
    const value = resolveReferences(valueAt(raw, path), { context, source, path, errors, resolvers });
    config = withValueAt(config, path, value);
  }
  context = withSettings(context, config);
  for (const path of rest) {
    const value = resolveReferences(valueAt(raw, path), { context, source, path, errors, resolvers });
    config = withValueAt(config, path, value);
  }
  return config;
}

/**
 * `interpolateActive` waiting for network references. Within each part they resolve
 * concurrently; the parts go one after another so errors keep their document order.
 */
async function interpolateActiveAsync(
  read: ReadUserConfig,
  project: string,
  profile: string,
  errors: ConfigError[],
): Promise<unknown> {
  const { raw, source, resolvers } = read;
  if (!isRecord(raw)) return raw;
  const { settings, rest } = activePaths(raw, project, profile);
  let config = raw;
  const resolveAll = async (paths: PathSegment[][], context: ReferenceContext): Promise<void> => {
    for (const path of paths) {
      const value = await resolveReferencesAsync(valueAt(raw, path), {
        context,
        source,
        path,
        errors,
        resolvers,
      });
      config = withValueAt(config, path, value);
    }
  };
  await resolveAll(settings, read.context);
  // The other parts may use vault:// and op:// with the settings just resolved.
  await resolveAll(rest, withSettings(read.context, config));
  return config;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) node = isRecord(node) ? node[segment as string] : undefined;
  return node;
}

/** A copy of `root` with `path` (through objects only) set to `value`. */
function withValueAt(
  root: Record<string, unknown>,
  path: readonly PathSegment[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...tail] = path as string[];
  const child = root[head];
  return {
    ...root,
    [head]: tail.length === 0 ? value : withValueAt(isRecord(child) ? child : {}, tail, value),
  };
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
