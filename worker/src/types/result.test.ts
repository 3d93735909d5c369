import { describe, expect, it } from 'vitest';
import type { TypeDefinition } from '../endpoints/schema.js';
import { ValidationError } from './errors.js';
import { compileOutputValidator, reshapeResult } from './result.js';

/** The ValidationError message output validation throws, or undefined when the value passes. */
function outputFailure(ret: TypeDefinition, value: unknown): string | undefined {
  try {
    compileOutputValidator(ret)(value);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
}

describe('reshapeResult', () => {
  const rows = [{ a: 1 }, { a: 2 }];

  it('returns the rows unchanged for an array return or no return', () => {
    expect(reshapeResult(rows, { type: 'array' })).toBe(rows);
    expect(reshapeResult(rows)).toBe(rows);
    expect(reshapeResult([], { type: 'array' })).toEqual([]);
  });

  it('does not unwrap single-column rows for an array of scalars', () => {
    expect(reshapeResult([{ v: 1 }], { type: 'array', items: { type: 'integer' } })).toEqual([{ v: 1 }]);
  });

  it('returns the single row for an object return', () => {
    expect(reshapeResult([{ a: 1, b: 2 }], { type: 'object' })).toEqual({ a: 1, b: 2 });
  });

  it('refuses zero or several rows for an object return', () => {
    expect(() => reshapeResult([], { type: 'object' })).toThrow(new ValidationError('No results returned'));
    expect(() => reshapeResult(rows, { type: 'object' })).toThrow(
      new ValidationError("Expected single result for return type 'object', but got 2 results"),
    );
  });

  it('returns the single value of the single row for a scalar return', () => {
    expect(reshapeResult([{ n: 42 }], { type: 'integer' })).toBe(42);
    expect(reshapeResult([{ s: null }], { type: 'string' })).toBeNull();
  });

  it('refuses zero rows, several rows or several columns for a scalar return', () => {
    expect(() => reshapeResult([], { type: 'string' })).toThrow('No results returned');
    expect(() => reshapeResult([{ s: 'a' }, { s: 'b' }, { s: 'c' }], { type: 'string' })).toThrow(
      "Expected single result for return type 'string', but got 3 results",
    );
    expect(() => reshapeResult([{ a: 1, b: 2 }], { type: 'number' })).toThrow(
      "Expected single value for return type 'number', but got 2 values",
    );
    expect(() => reshapeResult([{}], { type: 'boolean' })).toThrow(
      "Expected single value for return type 'boolean', but got 0 values",
    );
  });
});

describe('compileOutputValidator', () => {
  it('string: accepts strings only, checks email/uri/duration formats and lengths', () => {
    expect(outputFailure({ type: 'string' }, 'x')).toBeUndefined();
    expect(outputFailure({ type: 'string' }, 1)).toBe(
      'Output validation failed: Expected string, got number',
    );
    expect(outputFailure({ type: 'string', format: 'email' }, 'nope')).toBe(
      'Output validation failed: Invalid email format',
    );
    expect(outputFailure({ type: 'string', format: 'uri' }, 'not a uri')).toBe(
      'Output validation failed: Invalid URI format',
    );
    expect(outputFailure({ type: 'string', format: 'duration' }, '1h')).toBe(
      'Output validation failed: Invalid duration format',
    );
    expect(outputFailure({ type: 'string', maxLength: 2 }, 'abc')).toBe(
      'Output validation failed: String must be at most 2 characters long',
    );
    expect(outputFailure({ type: 'string', pattern: '^a' }, 'ba')).toBe(
      "Output validation failed: String must match pattern '^a'",
    );
  });

  it('string: leaves date and time shapes to the database layer', () => {
    expect(outputFailure({ type: 'string', format: 'date-time' }, '2024-01-01 10:00:00')).toBeUndefined();
    expect(outputFailure({ type: 'string', format: 'timestamp' }, 1700000000)).toBeUndefined();
  });

  it('number and integer: check bounds, reject booleans', () => {
    expect(outputFailure({ type: 'number', minimum: 0, maximum: 1 }, 0.5)).toBeUndefined();
    expect(outputFailure({ type: 'number', minimum: 0 }, -1)).toBe(
      'Output validation failed: Value must be >= 0',
    );
    expect(outputFailure({ type: 'integer', maximum: 5 }, 6)).toBe(
      'Output validation failed: Value must be <= 5',
    );
    expect(outputFailure({ type: 'number' }, true)).toBe(
      'Output validation failed: Expected number, got boolean',
    );
    expect(outputFailure({ type: 'integer' }, false)).toBe(
      'Output validation failed: Expected integer, got boolean',
    );
    expect(outputFailure({ type: 'integer' }, 1.5)).toBe(
      'Output validation failed: Expected integer, got a number with a fractional part',
    );
  });

  it('number and integer: accept exact decimal strings (large BIGINT/HUGEINT/DECIMAL from the DB layer)', () => {
    expect(outputFailure({ type: 'integer' }, '123456789012345678901234567890')).toBeUndefined();
    expect(outputFailure({ type: 'integer' }, '-9007199254740993')).toBeUndefined();
    expect(outputFailure({ type: 'number' }, '12345678901234567890.125')).toBeUndefined();
    expect(outputFailure({ type: 'integer' }, '1.5')).toBe(
      'Output validation failed: Expected integer, got string',
    );
    expect(outputFailure({ type: 'integer' }, ' 12')).toBe(
      'Output validation failed: Expected integer, got string',
    );
    expect(outputFailure({ type: 'number' }, '12abc')).toBe(
      'Output validation failed: Expected number, got string',
    );
    expect(outputFailure({ type: 'number' }, '')).toBe(
      'Output validation failed: Expected number, got string',
    );
    expect(outputFailure({ type: 'integer', maximum: 10 }, '99999999999999999999')).toBe(
      'Output validation failed: Value must be <= 10',
    );
  });

  it('boolean: strictly true or false', () => {
    expect(outputFailure({ type: 'boolean' }, true)).toBeUndefined();
    expect(outputFailure({ type: 'boolean' }, 'true')).toBe(
      'Output validation failed: Expected boolean, got string',
    );
    expect(outputFailure({ type: 'boolean' }, 0)).toBe(
      'Output validation failed: Expected boolean, got number',
    );
  });

  it('array: checks items recursively and names the failing item', () => {
    const ret: TypeDefinition = {
      type: 'array',
      items: { type: 'object', properties: { n: { type: 'integer' } } },
    };
    expect(outputFailure(ret, [{ n: 1 }, { n: null }])).toBeUndefined();
    expect(outputFailure(ret, [{ n: 1 }, { n: 'x' }])).toBe(
      "Output validation failed: Array item 1: Property 'n': Expected integer, got string",
    );
    expect(outputFailure(ret, { n: 1 })).toBe('Output validation failed: Expected array, got object');
    expect(outputFailure({ type: 'array', maxItems: 1 }, [1, 2])).toBe(
      'Output validation failed: Array must have at most 1 items',
    );
    expect(outputFailure({ type: 'array', uniqueItems: true }, [1, 1])).toBe(
      'Output validation failed: Array items must be unique',
    );
  });

  it('object: required properties, nested properties, extras only when closed', () => {
    const ret: TypeDefinition = {
      type: 'object',
      properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['id', 'tags'],
    };
    expect(outputFailure(ret, { id: 1, tags: ['a'], extra: 1 })).toBeUndefined();
    expect(outputFailure(ret, {})).toBe('Output validation failed: Missing required properties: id, tags');
    expect(outputFailure(ret, { id: 1, tags: ['a', 2] })).toBe(
      "Output validation failed: Property 'tags': Array item 1: Expected string, got number",
    );
    expect(outputFailure({ ...ret, additionalProperties: false }, { id: 1, tags: [], extra: 1 })).toBe(
      'Output validation failed: Unexpected property: extra',
    );
    expect(outputFailure(ret, [1])).toBe('Output validation failed: Expected object, got array');
  });

  it('null: passes below the top level and for scalar or array returns, not for an object return', () => {
    expect(outputFailure({ type: 'string' }, null)).toBeUndefined();
    expect(outputFailure({ type: 'array', items: { type: 'number' } }, [null])).toBeUndefined();
    expect(
      outputFailure({ type: 'object', properties: { a: { type: 'string' } } }, { a: null }),
    ).toBeUndefined();
    expect(outputFailure({ type: 'object' }, null)).toBe(
      'Output validation failed: Expected object, got null',
    );
  });

  it('enum: the advertised values only', () => {
    expect(outputFailure({ type: 'string', enum: ['a', 'b'] }, 'a')).toBeUndefined();
    expect(outputFailure({ type: 'string', enum: ['a', 'b'] }, 'c')).toBe(
      "Output validation failed: Value must be one of: ['a', 'b']",
    );
    expect(outputFailure({ type: 'string', enum: ['a'] }, null)).toBeUndefined();
  });
});
