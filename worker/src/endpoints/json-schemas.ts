// The MXCP file formats as standalone JSON Schema documents, for editors (e.g.
// `# yaml-language-server: $schema=…`) and other tools. Derived from the same
// TypeBox definitions the loaders validate with; `npm run generate` writes them
// to docs/schemas/ and a test fails when the files there are stale.
import { SiteConfigSchema } from '../config/site-schema.js';
import { UserConfigSchema } from '../config/user-schema.js';
import { EndpointFile, TypeDefinition } from './schema.js';

const BASE = 'https://mxcp.dev/schemas/';

/**
 * Plain JSON (TypeBox adds symbol keys, which JSON drops anyway). The loaders mark
 * keys that have a default as required so loaded values are complete; a file may
 * omit them, so the published schema lists only keys without a default as required.
 */
function plain(schema: unknown): Record<string, unknown> {
  return optionalDefaults(JSON.parse(JSON.stringify(schema))) as Record<string, unknown>;
}

function optionalDefaults(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(optionalDefaults);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = optionalDefaults(value);
  const properties = out.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out.required) && properties) {
    const required = (out.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

function document(id: string, title: string, schema: unknown, defs: Record<string, unknown> = {}) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${BASE}${id}`,
    title,
    ...plain(schema),
    ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}),
  };
}

/** File name → schema document. */
export function jsonSchemaDocuments(): Record<string, Record<string, unknown>> {
  return {
    'mxcp-endpoint.schema.json': document(
      'mxcp-endpoint.schema.json',
      'MXCP endpoint file (tool, resource or prompt)',
      EndpointFile,
      {
        // Embedded resource: `$ref: "TypeDefinition"` resolves against the document's $id.
        TypeDefinition: plain(TypeDefinition),
      },
    ),
    'mxcp-site.schema.json': document(
      'mxcp-site.schema.json',
      'MXCP site config (mxcp-site.yml)',
      SiteConfigSchema,
    ),
    'mxcp-config.schema.json': document(
      'mxcp-config.schema.json',
      'MXCP user config (~/.mxcp/config.yml)',
      UserConfigSchema,
    ),
  };
}

export function renderJsonSchema(doc: Record<string, unknown>): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
