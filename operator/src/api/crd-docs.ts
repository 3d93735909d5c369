// docs/crd.md, generated from the same schema as the CRD: one table per object
// (field, type, default, description) and the cross-field rules in words.
import { API_VERSION, KIND, SHORT_NAMES } from './mxcpproject.js';
import { CRD_FILE, PRINTER_COLUMNS, openApiSchema, type JsonSchema } from './crd.js';

interface Section {
  path: string;
  schema: JsonSchema;
}

export function renderCrdMarkdown(): string {
  const root = openApiSchema();
  const props = root.properties as Record<string, JsonSchema>;
  const lines: string[] = [
    `# ${KIND} reference`,
    '',
    `<!-- Generated from operator/src/api by test/support/generate-crd.ts. Do not edit. -->`,
    '',
    `\`apiVersion: ${API_VERSION}\`, \`kind: ${KIND}\`, namespaced, short name \`${SHORT_NAMES.join('`, `')}\`. ` +
      `The CRD is \`${CRD_FILE}\`.`,
    '',
    String(root.description),
    '',
    'Rules on the object as a whole:',
    '',
    ...rulesOf(root),
    '',
    '`kubectl get mxcp` columns: ' +
      PRINTER_COLUMNS.map((c) => `${c.name}${'priority' in c ? ' (-o wide)' : ''}`).join(', ') +
      '.',
    '',
  ];
  for (const section of [...sections('spec', props.spec), ...sections('status', props.status)]) {
    lines.push(...renderSection(section));
  }
  return (
    lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

/** Every object with declared properties, depth first, in declaration order. */
function sections(path: string, schema: JsonSchema): Section[] {
  const out: Section[] = [];
  const visit = (p: string, node: JsonSchema) => {
    if (node.type === 'array') return visit(`${p}[]`, node.items as JsonSchema);
    if (node.type !== 'object' || !node.properties) return;
    out.push({ path: p, schema: node });
    for (const [name, child] of Object.entries(node.properties as Record<string, JsonSchema>)) {
      visit(`${p}.${name}`, child);
    }
  };
  visit(path, schema);
  return out;
}

function renderSection({ path, schema }: Section): string[] {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, field]) => {
    const mandatory = required.has(name) && field.default === undefined ? ' **(required)**' : '';
    return `| \`${name}\`${mandatory} | ${typeOf(field)} | ${defaultOf(field)} | ${cell(describeField(field))} |`;
  });
  return [
    `## \`${path}\``,
    '',
    ...(schema.description ? [String(schema.description), ''] : []),
    '| Field | Type | Default | Description |',
    '|---|---|---|---|',
    ...rows,
    '',
    ...(rulesOf(schema).length > 0 ? ['Rules:', '', ...rulesOf(schema), ''] : []),
  ];
}

function rulesOf(schema: JsonSchema): string[] {
  const rules = (schema['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? [];
  return rules.map((r) => `- ${r.message} (\`${r.rule}\`)`);
}

function typeOf(field: JsonSchema): string {
  if (field['x-kubernetes-int-or-string']) return 'quantity';
  if (field.enum) return (field.enum as string[]).map((v) => `\`${v}\``).join(' \\| ');
  if (field.type === 'array') return `[]${typeOf(field.items as JsonSchema)}`;
  if (field.type === 'object' && field.additionalProperties) {
    return `map[string]${typeOf(field.additionalProperties as JsonSchema)}`;
  }
  if (field.type === 'object' && field['x-kubernetes-preserve-unknown-fields']) return 'object (free form)';
  return String(field.type);
}

function defaultOf(field: JsonSchema): string {
  if (field.default === undefined) return '';
  if (
    typeof field.default === 'object' &&
    field.default !== null &&
    Object.keys(field.default).length === 0
  ) {
    return '';
  }
  return `\`${JSON.stringify(field.default)}\``;
}

function describeField(field: JsonSchema): string {
  const bounds: string[] = [];
  if (field.minimum !== undefined) bounds.push(`min ${field.minimum}`);
  if (field.maximum !== undefined) bounds.push(`max ${field.maximum}`);
  if (field.maxItems !== undefined) bounds.push(`at most ${field.maxItems} items`);
  if (field.maxProperties !== undefined) bounds.push(`at most ${field.maxProperties} entries`);
  if (field.pattern !== undefined && !field['x-kubernetes-int-or-string'])
    bounds.push(`pattern \`${field.pattern}\``);
  const text = String(
    field.description ?? (field.type === 'array' ? ((field.items as JsonSchema).description ?? '') : ''),
  );
  const ruleText = rulesOf(field).map((r) => r.slice(2).replace(/ \(`.*`\)$/, ''));
  return [text, bounds.length > 0 ? `(${bounds.join(', ')})` : '', ...ruleText.map((r) => `Rule: ${r}.`)]
    .filter(Boolean)
    .join(' ');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
