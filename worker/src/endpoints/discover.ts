// Endpoint discovery (MXCP-SPEC §4): every `.yml`/`.yaml` file under
// paths.tools, paths.resources and paths.prompts, in a stable order, loaded and
// checked, then checked together for duplicate names.
//
// Choices where MXCP differs or is silent:
// - `.yaml` files are discovered as well as `.yml` (MXCP only globs `.yml`; its docs say both).
// - A file's kind comes from its top-level key, not from the folder it is in:
//   a `resource:` under tools/ is loaded as a resource (MXCP skips it with a warning).
// - A URI placeholder with no declared parameter is reported here, not at registration.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import type { ProjectConfig } from '../config/project.js';
import type { DiscoveryResult, EndpointFailure, LoadedEndpoint } from './loaded.js';
import { loadEndpointFile, type FileOutcome } from './load-file.js';

const ENDPOINT_FILE = /\.ya?ml$/;

/** Finds, loads and checks every endpoint of the project. Never throws for problems in endpoint files. */
export function discoverEndpoints(config: Pick<ProjectConfig, 'repoRoot' | 'site'>): DiscoveryResult {
  const { repoRoot, site } = config;
  const folders = [site.paths.tools, site.paths.resources, site.paths.prompts].map((dir) =>
    resolve(repoRoot, dir),
  );
  const files = [...new Set(folders.flatMap(listYamlFiles))].sort();
  const outcomes = files.map((file) => loadEndpointFile(file, repoRoot));
  markDuplicates(outcomes);

  const result: DiscoveryResult = { endpoints: [], failures: [], disabled: [] };
  for (const outcome of outcomes) {
    if (outcome.status === 'loaded') result.endpoints.push(outcome.endpoint);
    else if (outcome.status === 'disabled') result.disabled.push(outcome.endpoint);
    else result.failures.push(outcome.failure);
  }
  return result;
}

/** All endpoint files below `dir`, recursively; a missing folder has none. */
function listYamlFiles(dir: string): string[] {
  let entries;
  try {
    if (!statSync(dir).isDirectory()) return [];
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return []; // the folder does not exist: a project without prompts/ is fine
  }
  return entries
    .filter((entry) => entry.isFile() && ENDPOINT_FILE.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Names and URIs share one namespace across tools, resources and prompts. Every
 * file involved in a clash fails, so none of them is served by accident.
 */
function markDuplicates(outcomes: FileOutcome[]): void {
  const byName = new Map<string, number[]>();
  outcomes.forEach((outcome, i) => {
    const endpoint = outcome.status === 'disabled' ? undefined : outcome.endpoint;
    if (!endpoint) return;
    byName.set(endpoint.name, [...(byName.get(endpoint.name) ?? []), i]);
  });

  for (const [name, indexes] of byName) {
    if (indexes.length < 2) continue;
    const endpoints = indexes.map((i) => (outcomes[i] as { endpoint: LoadedEndpoint }).endpoint);
    const what = endpoints.some((e) => e.kind === 'resource') ? 'URI' : 'name';
    const message = `Duplicate endpoint ${what} '${name}' found in: ${endpoints.map((e) => e.path).join(', ')}`;
    indexes.forEach((i, n) => {
      const endpoint = endpoints[n];
      const field = endpoint.kind === 'resource' ? 'uri' : 'name';
      const where = endpoint.locate([endpoint.kind, field]);
      const error = new ConfigError(message, {
        file: endpoint.path,
        ...where,
        path: `${endpoint.kind}.${field}`,
      });
      const outcome = outcomes[i];
      const failure: EndpointFailure =
        outcome.status === 'failed'
          ? outcome.failure
          : { path: endpoint.path, kind: endpoint.kind, name: endpoint.name, errors: [] };
      failure.errors.push(error);
      outcomes[i] = { status: 'failed', failure, endpoint };
    });
  }
}
