// Finding a project and loading its `mxcp-site.yml` (MXCP-SPEC §1, §2):
// schema check, defaults, and the per-profile file locations derived from
// `paths.*`. Departures from MXCP, on purpose (spec [BUG?]): derived and
// relative paths are anchored at the repository root, not the current
// directory, for every profile, declared or not.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { checkSchema, throwIfAny, withDefaults } from './schema-check.js';
import { SiteConfigSchema, SiteProfile, type SiteConfig } from './site-schema.js';
import { checkFormatVersion } from './version.js';
import { readYamlFile, type YamlSource } from './yaml-source.js';

export const SITE_CONFIG_FILE = 'mxcp-site.yml';
const IN_MEMORY = ':memory:';

/** Walks up from `cwd` to the first folder holding `mxcp-site.yml`. */
export function findRepoRoot(cwd: string): string {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, SITE_CONFIG_FILE);
    if (existsSync(candidate) && statSync(candidate).isFile()) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ConfigError('No mxcp-site.yml found in current directory or parents', {
    file: SITE_CONFIG_FILE,
    hint: `searched from ${resolve(cwd)}; run 'mxcp init' to create a project`,
  });
}

export interface LoadSiteOptions {
  /**
   * The active profile, or a function choosing it once the file is read
   * (e.g. resolveProfile); defaults to the file's `profile:`. Its paths are
   * always derived, whether or not `profiles:` declares it.
   */
  profile?: string | ((site: SiteConfig) => string);
  /** Read for MXCP_DUCKDB_PATH and MXCP_AUDIT_ENABLED; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Anchor for a relative MXCP_DUCKDB_PATH; defaults to process.cwd(). */
  cwd?: string;
}

/** A site config whose profile paths are absolute (set for every declared profile and the active one). */
export type ResolvedSiteConfig = SiteConfig;

/**
 * Loads and validates `<repoRoot>/mxcp-site.yml`. Every problem in the file is
 * reported (ConfigError for one, ConfigErrors for several).
 */
export function loadSiteConfig(repoRoot: string, options: LoadSiteOptions = {}): ResolvedSiteConfig {
  const env = options.env ?? process.env;
  const source = readYamlFile(join(repoRoot, SITE_CONFIG_FILE), SITE_CONFIG_FILE);
  const migration = checkFormatVersion(source, SITE_CONFIG_FILE);
  if (migration) throw migration;

  const { value: site, errors } = checkSchema(SiteConfigSchema, source, normaliseShorthands(source.value));
  throwIfAny(errors);

  const active =
    typeof options.profile === 'function' ? options.profile(site) : (options.profile ?? site.profile);
  site.profiles[active] ??= withDefaults(SiteProfile);
  const pathErrors: ConfigError[] = [];
  for (const [name, profile] of Object.entries(site.profiles)) {
    pathErrors.push(...deriveProfilePaths(repoRoot, site, name, profile, source));
  }
  throwIfAny(pathErrors);
  applyEnvironmentOverrides(site.profiles[active], env, options.cwd ?? process.cwd());
  return site;
}

/** MXCP accepts a scalar where a list is expected for `secrets` and `plugin`, and an empty profile entry. */
function normaliseShorthands(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const site = value as Record<string, unknown>;
  if (typeof site.secrets === 'string') site.secrets = [site.secrets];
  if (site.plugin && typeof site.plugin === 'object' && !Array.isArray(site.plugin))
    site.plugin = [site.plugin];
  if (site.profiles && typeof site.profiles === 'object' && !Array.isArray(site.profiles)) {
    const profiles = site.profiles as Record<string, unknown>;
    for (const [name, profile] of Object.entries(profiles)) if (profile === null) profiles[name] = {};
  }
  return site;
}

function deriveProfilePaths(
  repoRoot: string,
  site: SiteConfig,
  name: string,
  profile: SiteProfile,
  source: YamlSource,
): ConfigError[] {
  const at = (path: string | null, fallback: string) => resolve(repoRoot, path ?? fallback);
  if (profile.duckdb.path === IN_MEMORY) {
    return [
      source.errorAt(
        ['profiles', name, 'duckdb', 'path'],
        'In-memory databases (:memory:) are not supported',
        {
          hint: 'use a file path, or omit it for <paths.data>/db-<profile>.duckdb',
        },
      ),
    ];
  }
  profile.duckdb.path = at(profile.duckdb.path, join(site.paths.data, `db-${name}.duckdb`));
  profile.drift.path = at(profile.drift.path, join(site.paths.drift, `drift-${name}.json`));
  profile.audit.path = at(profile.audit.path, join(site.paths.audit, `logs-${name}.jsonl`));
  return [];
}

function applyEnvironmentOverrides(profile: SiteProfile, env: NodeJS.ProcessEnv, cwd: string): void {
  const duckdbPath = env.MXCP_DUCKDB_PATH;
  if (duckdbPath) {
    if (duckdbPath === IN_MEMORY) {
      throw new ConfigError('In-memory databases (:memory:) are not supported', {
        file: 'environment',
        path: 'MXCP_DUCKDB_PATH',
      });
    }
    profile.duckdb.path = isAbsolute(duckdbPath) ? duckdbPath : resolve(cwd, duckdbPath);
  }
  const auditEnabled = env.MXCP_AUDIT_ENABLED;
  if (auditEnabled !== undefined && auditEnabled !== '') {
    const flag = parseFlag(auditEnabled);
    if (flag === undefined) {
      throw new ConfigError(`expected true, 1, yes, false, 0 or no, got '${auditEnabled}'`, {
        file: 'environment',
        path: 'MXCP_AUDIT_ENABLED',
      });
    }
    profile.audit.enabled = flag;
  }
}

/** `true/1/yes` → true, `false/0/no` → false (case-insensitive), anything else → undefined. */
export function parseFlag(value: string): boolean | undefined {
  const lowered = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(lowered)) return true;
  if (['false', '0', 'no'].includes(lowered)) return false;
  return undefined;
}
