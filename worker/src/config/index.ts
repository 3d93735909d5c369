// Public surface of project configuration: load a project (site config, user
// config, active profile) and the pieces later stages reuse (YAML positions,
// schema checks, the reference resolver registry).
export { loadProjectConfig, loadProjectConfigAsync } from './project.js';
export type { LoadProjectOptions, ProjectConfig, ProfileSettings, UserProfileSettings } from './project.js';
export { findRepoRoot, loadSiteConfig, parseFlag, SITE_CONFIG_FILE } from './site.js';
export type { LoadSiteOptions } from './site.js';
export { loadUserConfig, loadUserConfigAsync, userConfigPath } from './user.js';
export type { LoadUserOptions } from './user.js';
export { resolveProfile } from './profile.js';
export { resolveReferences, resolveReferencesAsync, resolveFileReference, SCHEME_RESOLVERS } from './refs.js';
export type { ReferenceContext, SchemeResolver, ResolveOptions } from './refs.js';
export { ConfigError, ConfigErrors } from './errors.js';
export type { SourceLocation } from './errors.js';
export { parseYaml, readYamlFile, formatPath } from './yaml-source.js';
export type { YamlSource, PathSegment, Position } from './yaml-source.js';
export { checkSchema, describeValue, throwIfAny, withDefaults } from './schema-check.js';
export * from './site-schema.js';
export * from './user-schema.js';
