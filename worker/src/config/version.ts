// The `mxcp:` format version shared by both config files. Version 1 is the only
// one; a string such as "1.0.0" is the pre-1.0 layout, which needs a migration
// rather than a type error (MXCP-SPEC §2).
import type { ConfigError } from './errors.js';
import type { YamlSource } from './yaml-source.js';

const MIGRATION_HINT =
  "set 'mxcp: 1' and move to the current layout: endpoint files under tools/, resources/ and prompts/, " +
  'secrets and auth under projects.<project>.profiles.<profile> in the user config';

/** A "migration required" error when the file still uses the old string version, else undefined. */
export function checkFormatVersion(source: YamlSource, what: string): ConfigError | undefined {
  const value = source.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const version = (value as Record<string, unknown>).mxcp;
  if (typeof version !== 'string') return undefined;
  return source.errorAt(
    ['mxcp'],
    `MIGRATION REQUIRED: ${what} uses the old format version 'mxcp: "${version}"'; this version of MXCP reads format 1 (an integer)`,
    { hint: MIGRATION_HINT },
  );
}
