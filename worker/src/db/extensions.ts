// DuckDB extensions from mxcp-site.yml `extensions:` (MXCP-SPEC §2): `INSTALL x [FROM repo]; LOAD x;`
// on every new connection; any failure is a startup error naming the extension.
// Extensions already loaded (built into the DuckDB binary, e.g. json and parquet) or already
// installed are not installed again: INSTALL always contacts the repository, which fails offline
// even for built-in extensions.

import type { DuckDBConnection } from '@duckdb/node-api';
import { DatabaseOpenError, duckdbMessageOf } from './errors.js';
import { isBareWord, quoteLiteral } from './sql-text.js';

export type ExtensionSpec = string | { name: string; repo?: string };

export function extensionName(spec: ExtensionSpec): string {
  return typeof spec === 'string' ? spec : spec.name;
}

/** The INSTALL/LOAD statements for one extension; names are checked, never spliced blindly. */
export function extensionStatements(spec: ExtensionSpec): { install: string; load: string } {
  const name = extensionName(spec);
  if (!isBareWord(name)) {
    throw new DatabaseOpenError(
      `Failed to load DuckDB extension '${name}': an extension name is letters, digits and underscores`,
    );
  }
  const repo = typeof spec === 'string' ? undefined : spec.repo;
  // Named repositories (core, core_nightly, community) are keywords; anything else is a URL/path.
  const from = repo === undefined ? '' : ` FROM ${isBareWord(repo) ? repo : quoteLiteral(repo)}`;
  return { install: `INSTALL ${name}${from}`, load: `LOAD ${name}` };
}

export async function loadExtensions(
  connection: DuckDBConnection,
  specs: readonly ExtensionSpec[],
): Promise<void> {
  for (const spec of specs) {
    const { install, load } = extensionStatements(spec);
    const name = extensionName(spec);
    try {
      const reader = await connection.runAndReadAll(
        'SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = $name',
        { name },
      );
      const [state] = reader.getRowObjects() as Array<{ loaded: boolean; installed: boolean }>;
      if (state?.loaded) continue;
      if (!state?.installed) await connection.run(install);
      await connection.run(load);
    } catch (err) {
      throw new DatabaseOpenError(`Failed to load DuckDB extension '${name}': ${duckdbMessageOf(err)}`, {
        cause: err,
      });
    }
  }
}
