// MXCP types → JSON Schema (draft 2020-12), for what MCP clients see: a tool's
// `inputSchema` and `outputSchema` (MXCP-SPEC §4.4 "MCP-layer schema", §13
// "Result shaping"), and `structuredContent` shaped to match. Every schema
// produced here compiles under ajv's 2020 build in strict mode, so clients that
// validate accept them. Decisions:
//  - `enum` is always advertised (MXCP drops string enums from inputSchema).
//  - Optional tool parameters (those with a `default`) also accept null, as the
//    validator does; required ones are advertised without null so strict clients
//    still see "this must be a <type>".
//  - Output schemas accept null below the top level: SQL NULLs are everywhere
//    and the output validator lets them through.
//  - Output schemas advertise only the formats the output validator enforces
//    (email, uri, duration): MXCP does not check date/time shapes on output and
//    DuckDB's naive timestamps would fail a client's strict `date-time` check.
//  - `timestamp` (epoch seconds or ISO date-time) is `anyOf` number | string:
//    ajv's strict mode forbids `type: [number, string]`.
//  - `sensitive` and `name` are MXCP-only keys and are not emitted.
import type { Parameter, TypeDefinition } from '../endpoints/schema.js';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  [keyword: string]: unknown;
}

interface Mode {
  /** This node also accepts null. */
  nullable: boolean;
  /** Children (items, properties) accept null: output schemas. */
  nullableChildren: boolean;
  output: boolean;
}

const INPUT: Mode = { nullable: false, nullableChildren: false, output: false };
const OUTPUT_FORMATS = new Set(['email', 'uri', 'duration']);
const TIMESTAMP_NOTE = 'Unix epoch seconds or an ISO 8601 date-time';

function annotate(schema: JsonSchema, t: TypeDefinition, mode: Mode): void {
  if (t.description !== undefined) schema.description = t.description;
  if (t.default !== undefined) schema.default = t.default;
  if (t.examples !== undefined) schema.examples = t.examples;
  if (t.enum !== undefined)
    schema.enum = mode.nullable && !t.enum.includes(null) ? [...t.enum, null] : t.enum;
}

function copy(schema: JsonSchema, t: TypeDefinition, keys: readonly (keyof TypeDefinition)[]): void {
  const target: Record<string, unknown> = schema;
  for (const key of keys) if (t[key] !== undefined) target[key] = t[key];
}

const STRING_KEYS = ['minLength', 'maxLength', 'pattern'] as const;
const NUMBER_KEYS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const;
const ARRAY_KEYS = ['minItems', 'maxItems', 'uniqueItems'] as const;

function timestampSchema(t: TypeDefinition, mode: Mode): JsonSchema {
  const text: JsonSchema = { type: 'string' };
  copy(text, t, STRING_KEYS);
  const anyOf: JsonSchema[] = [{ type: 'number' }, text];
  if (mode.nullable) anyOf.push({ type: 'null' });
  const schema: JsonSchema = {};
  annotate(schema, t, mode);
  schema.description = t.description !== undefined ? `${t.description} (${TIMESTAMP_NOTE})` : TIMESTAMP_NOTE;
  schema.anyOf = anyOf;
  return schema;
}

function build(t: TypeDefinition, mode: Mode): JsonSchema {
  if (t.type === 'string' && t.format === 'timestamp') return timestampSchema(t, mode);
  const schema: JsonSchema = { type: mode.nullable ? [t.type, 'null'] : t.type };
  annotate(schema, t, mode);
  const child: Mode = { ...mode, nullable: mode.nullableChildren };
  switch (t.type) {
    case 'string':
      if (t.format !== undefined && (!mode.output || OUTPUT_FORMATS.has(t.format))) schema.format = t.format;
      copy(schema, t, STRING_KEYS);
      break;
    case 'number':
    case 'integer':
      copy(schema, t, NUMBER_KEYS);
      break;
    case 'array':
      if (t.items) schema.items = build(t.items, child);
      copy(schema, t, ARRAY_KEYS);
      break;
    case 'object': {
      const properties: Record<string, JsonSchema> = {};
      for (const [key, type] of Object.entries(t.properties ?? {})) properties[key] = build(type, child);
      // A required key without a declared type is "any value": `{}` keeps ajv's strictRequired happy.
      for (const key of t.required ?? []) if (!Object.hasOwn(properties, key)) properties[key] = {};
      if (Object.keys(properties).length > 0) schema.properties = properties;
      if (t.required !== undefined) schema.required = t.required;
      if (t.additionalProperties === false) schema.additionalProperties = false;
      break;
    }
  }
  return schema;
}

/** The JSON Schema of one MXCP type, as a client sends it (input rules, no null). */
export function typeToJsonSchema(t: TypeDefinition): JsonSchema {
  return build(t, INPUT);
}

/**
 * A tool's `inputSchema`. A parameter is required exactly when it has no
 * default; unknown arguments are refused by the validator, so the schema says
 * `additionalProperties: false`.
 */
export function inputSchemaFor(params: readonly Parameter[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const param of params) {
    const optional = Object.hasOwn(param, 'default');
    properties[param.name] = build(param, { ...INPUT, nullable: optional });
    if (!optional) required.push(param.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/**
 * A tool's `outputSchema` (undefined without `return:`). MCP requires an object
 * schema, so anything but an object is wrapped as `{result: <schema>}`.
 */
export function outputSchemaFor(ret?: TypeDefinition): JsonSchema | undefined {
  if (!ret) return undefined;
  const output: Mode = { nullable: false, nullableChildren: true, output: true };
  if (ret.type === 'object') return build(ret, output);
  return {
    type: 'object',
    properties: { result: build(ret, { ...output, nullable: true }) },
    required: ['result'],
  };
}

/** `structuredContent` matching outputSchemaFor: the object itself, or `{result: value}`. */
export function structuredContentFor(
  value: unknown,
  ret?: TypeDefinition,
): Record<string, unknown> | undefined {
  if (!ret) return undefined;
  if (ret.type === 'object') return value as Record<string, unknown>;
  return { result: value };
}
