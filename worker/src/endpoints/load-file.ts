// Loading one endpoint YAML file: parse with positions, check the schema,
// pick the endpoint kind, run the static checks and read its source. Checks
// that need all files at once (duplicates) live in discover.ts.
import { relative, sep } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { checkSchema } from '../config/schema-check.js';
import { readYamlFile, type YamlSource } from '../config/yaml-source.js';
import { checkResourceUri, checkPromptMessages, resolveSource } from './definition-checks.js';
import type { EndpointFailure, EndpointSource, LoadedEndpoint } from './loaded.js';
import { checkParameters } from './parameter-checks.js';
import {
  EndpointFile,
  TypeDefinition,
  type EndpointDefinition,
  type EndpointKind,
  type ResourceDefinition,
} from './schema.js';

export const ENDPOINT_KINDS: readonly EndpointKind[] = ['tool', 'resource', 'prompt'];

export type FileOutcome =
  | { status: 'loaded'; endpoint: LoadedEndpoint }
  | { status: 'disabled'; endpoint: LoadedEndpoint }
  /** `endpoint` is set when the definition parsed but a later check failed (it still takes part in duplicate checks). */
  | { status: 'failed'; failure: EndpointFailure; endpoint?: LoadedEndpoint };

export function repoRelative(repoRoot: string, absolutePath: string): string {
  return relative(repoRoot, absolutePath).split(sep).join('/');
}

export function loadEndpointFile(absolutePath: string, repoRoot: string): FileOutcome {
  const path = repoRelative(repoRoot, absolutePath);
  let source: YamlSource;
  try {
    source = readYamlFile(absolutePath, path);
  } catch (err) {
    if (err instanceof ConfigError) return { status: 'failed', failure: { path, errors: [err] } };
    throw err;
  }

  const raw = source.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const error = source.errorAt(
      [],
      'Endpoint definition must include a tool, resource, or prompt definition',
      {
        hint: 'the file must be a mapping with a top-level tool:, resource: or prompt: key',
      },
    );
    return { status: 'failed', failure: { path, errors: [error] } };
  }
  const present = ENDPOINT_KINDS.filter((kind) => (raw as Record<string, unknown>)[kind] != null);
  const kind = present.length === 1 ? present[0] : undefined;
  const rawDefinition = kind
    ? ((raw as Record<string, unknown>)[kind] as Record<string, unknown>)
    : undefined;
  const rawName = kind === 'resource' ? rawDefinition?.uri : rawDefinition?.name;
  const name = typeof rawName === 'string' ? rawName : undefined;

  const errors: ConfigError[] = [];
  if (present.length === 0) {
    errors.push(
      source.errorAt([], 'Endpoint definition must include a tool, resource, or prompt definition'),
    );
  } else if (present.length > 1) {
    errors.push(
      source.errorAt(
        [present[1]],
        `Endpoint definition must contain exactly one endpoint type (found: ${present.join(', ')})`,
        {
          atKey: true,
        },
      ),
    );
  }
  errors.push(...checkSchema(EndpointFile, source, source.value, { references: [TypeDefinition] }).errors);
  if (errors.length > 0 || !kind || name === undefined) {
    return { status: 'failed', failure: { path, kind, name, errors } };
  }

  const definition = rawDefinition as unknown as EndpointDefinition;
  let endpointSource: EndpointSource | undefined;
  if (definition.enabled !== false) {
    errors.push(...checkParameters(definition.parameters, source, [kind, 'parameters']));
    if (kind === 'tool' || kind === 'resource') {
      const resolved = resolveSource(kind, definition as ResourceDefinition, {
        repoRoot,
        yamlPath: absolutePath,
        source,
      });
      endpointSource = resolved.source;
      errors.push(...resolved.errors);
    }
    if (kind === 'resource') errors.push(...checkResourceUri(definition as ResourceDefinition, source));
    if (kind === 'prompt' && 'messages' in definition)
      errors.push(...checkPromptMessages(definition, source));
  }

  const endpoint: LoadedEndpoint = {
    kind,
    name,
    path,
    absolutePath,
    definition,
    ...(endpointSource ? { source: endpointSource } : {}),
    locate: source.locate,
  };
  if (definition.enabled === false) return { status: 'disabled', endpoint };
  if (errors.length > 0) return { status: 'failed', failure: { path, kind, name, errors }, endpoint };
  return { status: 'loaded', endpoint };
}
