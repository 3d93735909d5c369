// The whole configuration of one project run: site config, user config, the
// active profile and its resolved file locations. This is what every command
// and the server start from.
import { resolveProfile } from './profile.js';
import { findRepoRoot, loadSiteConfig, parseFlag } from './site.js';
import type { SiteConfig } from './site-schema.js';
import { loadUserConfig, loadUserConfigAsync, type LoadUserOptions } from './user.js';
import type {
  AuthConfig,
  SecretConfig,
  TelemetryConfig,
  UserConfig,
  UserProfileConfig,
} from './user-schema.js';

export interface LoadProjectOptions {
  /** Where to start looking for mxcp-site.yml; defaults to process.cwd(). */
  cwd?: string;
  /** `--profile`. */
  profile?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** `--readonly`. */
  readonly?: boolean;
  /** Replaces the reference scheme registry (see refs.ts). */
  resolvers?: LoadUserOptions['resolvers'];
}

/** The active profile's file locations, all absolute. */
export interface ProfileSettings {
  duckdb: { path: string; readonly: boolean };
  drift: { path: string };
  audit: { enabled: boolean; path: string; max_file_size: number };
}

/** The active profile's entry of the user config, references resolved. */
export interface UserProfileSettings {
  secrets: SecretConfig[];
  plugin: UserProfileConfig['plugin'];
  auth?: AuthConfig;
  telemetry?: TelemetryConfig;
}

export interface ProjectConfig {
  /** Absolute path of the folder holding mxcp-site.yml. */
  repoRoot: string;
  site: SiteConfig;
  user: UserConfig;
  profileName: string;
  profile: ProfileSettings;
  userProfile: UserProfileSettings;
}

/**
 * Finds the project from `cwd`, resolves the profile and loads both config files.
 * Secret-manager references (vault://, op://) in the user config are reported as
 * errors here; `loadProjectConfigAsync` resolves them.
 */
export function loadProjectConfig(options: LoadProjectOptions = {}): ProjectConfig {
  const found = findProject(options);
  const user = loadUserConfig(found.site, found.profileName, found.env, {
    cwd: found.cwd,
    resolvers: options.resolvers,
  });
  return assemble(found, user, options);
}

/** `loadProjectConfig` that also resolves vault:// and op:// references in the user config. */
export async function loadProjectConfigAsync(options: LoadProjectOptions = {}): Promise<ProjectConfig> {
  const found = findProject(options);
  const user = await loadUserConfigAsync(found.site, found.profileName, found.env, {
    cwd: found.cwd,
    resolvers: options.resolvers,
  });
  return assemble(found, user, options);
}

interface FoundProject {
  cwd: string;
  env: NodeJS.ProcessEnv;
  repoRoot: string;
  site: SiteConfig;
  profileName: string;
}

function findProject(options: LoadProjectOptions): FoundProject {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const repoRoot = findRepoRoot(cwd);

  // The profile may come from the site file itself, so it is chosen once the file is read.
  let profileName = '';
  const site = loadSiteConfig(repoRoot, {
    profile: (declared) => (profileName = resolveProfile(options.profile, env, declared)),
    env,
    cwd,
  });
  return { cwd, env, repoRoot, site, profileName };
}

function assemble(found: FoundProject, user: UserConfig, options: LoadProjectOptions): ProjectConfig {
  const { env, repoRoot, site, profileName } = found;
  const siteProfile = site.profiles[profileName];
  const readonly =
    Boolean(options.readonly) || parseFlag(env.MXCP_READONLY ?? '') === true || siteProfile.duckdb.readonly;
  const userProfile = user.projects[site.project].profiles[profileName];
  return {
    repoRoot,
    site,
    user,
    profileName,
    profile: {
      duckdb: { path: siteProfile.duckdb.path as string, readonly },
      drift: { path: siteProfile.drift.path as string },
      audit: {
        enabled: siteProfile.audit.enabled,
        path: siteProfile.audit.path as string,
        max_file_size: siteProfile.audit.max_file_size,
      },
    },
    userProfile: {
      secrets: userProfile.secrets,
      plugin: userProfile.plugin,
      auth: userProfile.auth,
      telemetry: userProfile.telemetry,
    },
  };
}
