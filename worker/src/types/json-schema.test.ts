import { describe, expect, it } from 'vitest';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Parameter, TypeDefinition } from '../endpoints/schema.js';
import { inputSchemaFor, outputSchemaFor, structuredContentFor, typeToJsonSchema } from './json-schema.js';

// ajv ships CommonJS; under NodeNext the constructor sits on `.default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

/** An ajv as a strict MCP client would configure it: draft 2020-12, strict mode, formats on. */
function strictAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

const kitchenSink: TypeDefinition = {
  type: 'object',
  description: 'everything at once',
  sensitive: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[a-z]+$', examples: ['abc'] },
    email: { type: 'string', format: 'email', sensitive: true },
    site: { type: 'string', format: 'uri' },
    day: { type: 'string', format: 'date' },
    at: { type: 'string', format: 'time' },
    when: { type: 'string', format: 'date-time' },
    ttl: { type: 'string', format: 'duration' },
    seen: { type: 'string', format: 'timestamp', description: 'last seen', minLength: 1 },
    level: { type: 'string', enum: ['low', 'high'], default: 'low' },
    score: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      exclusiveMinimum: -1,
      exclusiveMaximum: 2,
      multipleOf: 0.5,
    },
    count: { type: 'integer', enum: [1, 2, 3] },
    on: { type: 'boolean', default: false },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, uniqueItems: true },
    grid: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
    meta: { type: 'object', required: ['k'], additionalProperties: false },
    // Keywords of another type are dropped rather than emitted (ajv strictTypes).
    odd: { type: 'number', minLength: 3, pattern: 'x', items: { type: 'string' } },
  },
  required: ['name', 'email'],
  additionalProperties: true,
};

describe('typeToJsonSchema', () => {
  it('maps scalars with their constraints and annotations', () => {
    expect(
      typeToJsonSchema({
        type: 'string',
        description: 'd',
        default: 'x',
        examples: ['y'],
        minLength: 1,
        maxLength: 2,
        pattern: '^x',
        format: 'email',
      }),
    ).toEqual({
      type: 'string',
      description: 'd',
      default: 'x',
      examples: ['y'],
      minLength: 1,
      maxLength: 2,
      pattern: '^x',
      format: 'email',
    });
    expect(typeToJsonSchema({ type: 'integer', minimum: 1, maximum: 9, multipleOf: 2 })).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 9,
      multipleOf: 2,
    });
  });

  it('maps the date, time, date-time, email, uri and duration formats', () => {
    for (const format of ['date', 'time', 'date-time', 'email', 'uri', 'duration'] as const) {
      expect(typeToJsonSchema({ type: 'string', format })).toEqual({ type: 'string', format });
    }
  });

  it('keeps string enums (MXCP drops them from inputSchema)', () => {
    expect(typeToJsonSchema({ type: 'string', enum: ['a', 'b'], description: 'pick' })).toEqual({
      type: 'string',
      enum: ['a', 'b'],
      description: 'pick',
    });
  });

  it('turns timestamp into number-or-string with an explaining description', () => {
    expect(typeToJsonSchema({ type: 'string', format: 'timestamp' })).toEqual({
      description: 'Unix epoch seconds or an ISO 8601 date-time',
      anyOf: [{ type: 'number' }, { type: 'string' }],
    });
    expect(typeToJsonSchema({ type: 'string', format: 'timestamp', description: 'Since' }).description).toBe(
      'Since (Unix epoch seconds or an ISO 8601 date-time)',
    );
  });

  it('maps arrays and objects recursively, without MXCP-only keys', () => {
    expect(typeToJsonSchema(kitchenSink.properties!.tags)).toEqual({
      type: 'array',
      items: { type: 'string' },
      minItems: 1,
      maxItems: 3,
      uniqueItems: true,
    });
    const schema = typeToJsonSchema(kitchenSink);
    expect(schema.required).toEqual(['name', 'email']);
    expect(schema.properties!.email).toEqual({ type: 'string', format: 'email' });
    expect(schema.properties!.grid).toEqual({
      type: 'array',
      items: { type: 'array', items: { type: 'number' } },
    });
    expect(schema.properties!.odd).toEqual({ type: 'number' });
    expect(JSON.stringify(schema)).not.toContain('sensitive');
  });

  it('allows additional properties unless they are switched off', () => {
    expect(typeToJsonSchema({ type: 'object', properties: { a: { type: 'string' } } })).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
    expect(typeToJsonSchema(kitchenSink.properties!.meta)).toEqual({
      type: 'object',
      properties: { k: {} },
      required: ['k'],
      additionalProperties: false,
    });
  });
});

describe('inputSchemaFor', () => {
  const params: Parameter[] = [
    { name: 'id', type: 'integer', description: 'the id', minimum: 1 },
    { name: 'status', type: 'string', enum: ['open', 'closed'], default: 'open' },
    { name: 'since', type: 'string', format: 'timestamp', default: null },
    { name: 'tags', type: 'array', items: { type: 'string' }, default: [] },
  ];

  it('is an object schema whose required list is the parameters without a default', () => {
    const schema = inputSchemaFor(params);
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['id']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties!)).toEqual(['id', 'status', 'since', 'tags']);
  });

  it('advertises required parameters without null and optional ones as nullable', () => {
    const { properties } = inputSchemaFor(params);
    expect(properties!.id).toEqual({ type: 'integer', description: 'the id', minimum: 1 });
    expect(properties!.status).toEqual({
      type: ['string', 'null'],
      enum: ['open', 'closed', null],
      default: 'open',
    });
    expect(properties!.since.anyOf).toEqual([{ type: 'number' }, { type: 'string' }, { type: 'null' }]);
    expect(properties!.tags).toEqual({ type: ['array', 'null'], items: { type: 'string' }, default: [] });
  });

  it('is accepted by a strict client for good arguments, including null for optional ones', () => {
    const validate = strictAjv().compile(inputSchemaFor(params));
    expect(validate({ id: 1 })).toBe(true);
    expect(validate({ id: 1, status: null, since: null, tags: null })).toBe(true);
    expect(validate({ id: 1, status: 'closed', since: 1700000000 })).toBe(true);
    expect(validate({ id: null })).toBe(false);
    expect(validate({ id: 1, status: 'other' })).toBe(false);
    expect(validate({})).toBe(false);
  });

  it('is an empty object schema for an endpoint without parameters', () => {
    expect(inputSchemaFor([])).toEqual({
      type: 'object',
      properties: {},
      required: [],
      additionalProperties: false,
    });
  });
});

describe('outputSchemaFor and structuredContentFor', () => {
  it('uses the object schema itself for an object return, with nullable properties', () => {
    const ret: TypeDefinition = {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string', enum: ['a'] } },
      },
      required: ['id'],
    };
    expect(outputSchemaFor(ret)).toEqual({
      type: 'object',
      properties: {
        id: { type: ['integer', 'null'] },
        tags: { type: ['array', 'null'], items: { type: ['string', 'null'], enum: ['a', null] } },
      },
      required: ['id'],
    });
    expect(structuredContentFor({ id: 1 }, ret)).toEqual({ id: 1 });
  });

  it('wraps arrays and scalars as {result}', () => {
    const ret: TypeDefinition = {
      type: 'array',
      items: { type: 'object', properties: { n: { type: 'number' } } },
    };
    expect(outputSchemaFor(ret)).toEqual({
      type: 'object',
      properties: {
        result: {
          type: ['array', 'null'],
          items: { type: ['object', 'null'], properties: { n: { type: ['number', 'null'] } } },
        },
      },
      required: ['result'],
    });
    expect(structuredContentFor([{ n: 1 }], ret)).toEqual({ result: [{ n: 1 }] });
    expect(outputSchemaFor({ type: 'string' })).toEqual({
      type: 'object',
      properties: { result: { type: ['string', 'null'] } },
      required: ['result'],
    });
    expect(structuredContentFor('hi', { type: 'string' })).toEqual({ result: 'hi' });
  });

  it('advertises only the formats output validation enforces', () => {
    const ret: TypeDefinition = {
      type: 'object',
      properties: {
        when: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        mail: { type: 'string', format: 'email' },
      },
    };
    expect(outputSchemaFor(ret)!.properties).toEqual({
      when: { type: ['string', 'null'] },
      day: { type: ['string', 'null'] },
      mail: { type: ['string', 'null'], format: 'email' },
    });
  });

  it('has no schema and no structured content without a return type', () => {
    expect(outputSchemaFor(undefined)).toBeUndefined();
    expect(structuredContentFor([{ a: 1 }], undefined)).toBeUndefined();
  });

  it('lets a strict client accept what it should', () => {
    const ret: TypeDefinition = {
      type: 'object',
      properties: { n: { type: 'integer' }, t: { type: 'string', format: 'date-time' } },
    };
    const validate = strictAjv().compile(outputSchemaFor(ret)!);
    expect(validate(structuredContentFor({ n: null, t: '2024-01-01 10:00:00' }, ret))).toBe(true);
    expect(validate(structuredContentFor({ n: 'x' }, ret))).toBe(false);
    const scalar = strictAjv().compile(outputSchemaFor({ type: 'number' })!);
    expect(scalar(structuredContentFor(null, { type: 'number' }))).toBe(true);
    expect(scalar(structuredContentFor(1.5, { type: 'number' }))).toBe(true);
  });
});

describe('every produced schema compiles under ajv 2020 strict mode', () => {
  const types: TypeDefinition[] = [
    kitchenSink,
    ...Object.values(kitchenSink.properties!),
    { type: 'array' },
    { type: 'object' },
    { type: 'array', items: kitchenSink },
    { type: 'boolean', enum: [true] },
  ];

  it.each(types.map((t, i) => [i, t] as const))('type #%i', (_i, t) => {
    const ajv = strictAjv();
    expect(() => ajv.compile(typeToJsonSchema(t))).not.toThrow();
    expect(() => ajv.compile(outputSchemaFor(t)!)).not.toThrow();
    const asParams: Parameter[] = [
      { ...t, name: 'required_one' },
      { ...t, name: 'optional_one', default: null },
    ];
    expect(() => ajv.compile(inputSchemaFor(asParams))).not.toThrow();
  });
});
