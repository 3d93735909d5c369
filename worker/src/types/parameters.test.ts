import { describe, expect, it } from 'vitest';
import type { Parameter } from '../endpoints/schema.js';
import { ValidationError } from './errors.js';
import { compileParameters } from './parameters.js';

type Spec = Omit<Parameter, 'name'>;

/** Validates one argument against one parameter and returns its coerced value. */
function convert(param: Spec, value: unknown): unknown {
  return compileParameters([{ name: 'x', ...param } as Parameter]).validate({ x: value }).x;
}

/** The message of the ValidationError thrown when validating. */
function failure(param: Spec, value: unknown): string {
  try {
    convert(param, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
}

describe('compileParameters: the parameter list', () => {
  const validator = compileParameters([
    { name: 'id', type: 'integer' },
    { name: 'limit', type: 'integer', default: 10 },
    { name: 'label', type: 'string', default: null },
  ]);

  it('applies defaults to absent parameters and keeps given ones', () => {
    expect(validator.validate({ id: 1 })).toEqual({ id: 1, limit: 10, label: null });
    expect(validator.validate({ id: 1, limit: 5, label: 'a' })).toEqual({ id: 1, limit: 5, label: 'a' });
  });

  it('treats an undefined value as absent', () => {
    expect(validator.validate({ id: 1, limit: undefined })).toEqual({ id: 1, limit: 10, label: null });
  });

  it('lists the declared names in order', () => {
    expect(validator.names).toEqual(['id', 'limit', 'label']);
  });

  it('rejects a missing required parameter with MXCP wording', () => {
    expect(() => validator.validate({ limit: 3 })).toThrow(
      new ValidationError('Required parameter missing: id', 'id'),
    );
    expect(() => validator.validate(undefined)).toThrow('Required parameter missing: id');
  });

  it('rejects an unknown parameter with MXCP wording', () => {
    expect(() => validator.validate({ id: 1, other: 2 })).toThrow(
      new ValidationError('Unknown parameter: other'),
    );
  });

  it('lets an explicit null through for a required parameter and for an optional one (no default applied)', () => {
    expect(validator.validate({ id: null, limit: null })).toEqual({ id: null, limit: null, label: null });
  });

  it('coerces defaults like given values', () => {
    const v = compileParameters([
      { name: 'n', type: 'integer', default: '7' },
      { name: 'when', type: 'string', format: 'timestamp', default: 0 },
    ]);
    expect(v.validate({})).toEqual({ n: 7, when: '1970-01-01T00:00:00.000Z' });
  });

  it('reports an invalid default on the call, not at compile time', () => {
    const v = compileParameters([{ name: 'n', type: 'integer', minimum: 1, default: 0 }]);
    expect(() => v.validate({})).toThrow("Error validating parameter 'n': Value must be >= 1");
    expect(v.validate({ n: 2 })).toEqual({ n: 2 });
  });

  it('gives each call its own copy of an object default', () => {
    const v = compileParameters([{ name: 'tags', type: 'array', items: { type: 'string' }, default: ['a'] }]);
    const first = v.validate({});
    (first.tags as string[]).push('mutated');
    expect(v.validate({}).tags).toEqual(['a']);
  });

  it('does not mistake inherited properties for arguments', () => {
    const v = compileParameters([{ name: 'constructor', type: 'string' }]);
    expect(() => v.validate({})).toThrow('Required parameter missing: constructor');
    const proto = compileParameters([{ name: '__proto__', type: 'string', default: 'd' }]);
    const out = proto.validate({});
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('d');
  });

  it('sets the parameter name on the error', () => {
    try {
      validator.validate({ id: 'abc' });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).parameter).toBe('id');
    }
  });
});

describe('enum', () => {
  it('rejects a value outside the enum with the Python-style list', () => {
    expect(failure({ type: 'string', enum: ['low', 'high'] }, 'mid')).toBe(
      "Error validating parameter 'x': Invalid value for x. Must be one of: ['low', 'high']",
    );
    expect(failure({ type: 'integer', enum: [1, 2] }, 3)).toBe(
      "Error validating parameter 'x': Invalid value for x. Must be one of: [1, 2]",
    );
  });

  it('checks the enum after coercion', () => {
    expect(convert({ type: 'integer', enum: [1, 2] }, '2')).toBe(2);
    expect(convert({ type: 'string', enum: ['1', '2'] }, 1)).toBe('1');
  });

  it('lets null through even when it is not listed', () => {
    expect(convert({ type: 'string', enum: ['a'] }, null)).toBeNull();
  });

  it('names nested values by their property', () => {
    const t: Spec = { type: 'object', properties: { level: { type: 'string', enum: ['a'] } } };
    expect(failure(t, { level: 'b' })).toBe(
      "Error validating parameter 'x': Property 'level': Invalid value for level. Must be one of: ['a']",
    );
  });
});

describe('string', () => {
  it('accepts strings and coerces numbers and booleans (MXCP issue #215)', () => {
    expect(convert({ type: 'string' }, 'abc')).toBe('abc');
    expect(convert({ type: 'string' }, 2662)).toBe('2662');
    expect(convert({ type: 'string' }, 1.5)).toBe('1.5');
    expect(convert({ type: 'string' }, true)).toBe('true');
  });

  it('rejects arrays and objects', () => {
    expect(failure({ type: 'string' }, ['a'])).toBe(
      "Error validating parameter 'x': Expected string, got array",
    );
    expect(failure({ type: 'string' }, { a: 1 })).toBe(
      "Error validating parameter 'x': Expected string, got object",
    );
  });

  it('checks minLength and maxLength in code points', () => {
    expect(failure({ type: 'string', minLength: 3 }, 'ab')).toBe(
      "Error validating parameter 'x': String must be at least 3 characters long",
    );
    expect(failure({ type: 'string', maxLength: 2 }, 'abc')).toBe(
      "Error validating parameter 'x': String must be at most 2 characters long",
    );
    expect(convert({ type: 'string', maxLength: 2 }, '😀😀')).toBe('😀😀');
    expect(failure({ type: 'string', minLength: 2 }, '😀')).toMatch(/at least 2/);
  });

  it('checks pattern (which MXCP forgets), unanchored like JSON Schema', () => {
    expect(convert({ type: 'string', pattern: '^[A-Z]{3}$' }, 'ABC')).toBe('ABC');
    expect(convert({ type: 'string', pattern: '[0-9]' }, 'a1b')).toBe('a1b');
    expect(failure({ type: 'string', pattern: '^[A-Z]{3}$' }, 'abcd')).toBe(
      "Error validating parameter 'x': String must match pattern '^[A-Z]{3}$'",
    );
  });

  it('checks the pattern against a coerced number', () => {
    expect(convert({ type: 'string', pattern: '^\\d+$' }, 42)).toBe('42');
  });

  it('fails at compile time on an invalid pattern', () => {
    expect(() => compileParameters([{ name: 'x', type: 'string', pattern: '(' }])).toThrow(/Invalid pattern/);
  });
});

describe('string formats', () => {
  it('date: YYYY-MM-DD, a real calendar day, kept as a string', () => {
    expect(convert({ type: 'string', format: 'date' }, '2024-02-29')).toBe('2024-02-29');
    expect(failure({ type: 'string', format: 'date' }, '2023-02-29')).toBe(
      "Error validating parameter 'x': Invalid date format (expected YYYY-MM-DD)",
    );
    expect(failure({ type: 'string', format: 'date' }, '2024-1-5')).toMatch(/Invalid date format/);
  });

  it('time: HH:MM:SS only', () => {
    expect(convert({ type: 'string', format: 'time' }, '23:59:59')).toBe('23:59:59');
    expect(failure({ type: 'string', format: 'time' }, '24:00:00')).toBe(
      "Error validating parameter 'x': Invalid time format (expected HH:MM:SS)",
    );
    expect(failure({ type: 'string', format: 'time' }, '12:00')).toMatch(/Invalid time format/);
  });

  it('date-time: ISO 8601 with Z, an offset, or none', () => {
    const t: Spec = { type: 'string', format: 'date-time' };
    for (const ok of [
      '2024-01-31T12:00:00Z',
      '2024-01-31T12:00:00.123+02:00',
      '2024-01-31T12:00:00-0500',
      '2024-01-31 12:00:00',
      '2024-01-31T12:00',
      '2024-01-31',
    ]) {
      expect(convert(t, ok)).toBe(ok);
    }
    for (const bad of [
      '2024-01-31T25:00:00Z',
      '2024-13-01T00:00:00Z',
      'yesterday',
      '2024-01-31T12:00:00+2',
    ]) {
      expect(failure(t, bad)).toBe(
        "Error validating parameter 'x': Invalid date-time format (expected ISO 8601, e.g. 2024-01-31T12:00:00Z)",
      );
    }
  });

  it('email', () => {
    expect(convert({ type: 'string', format: 'email' }, 'a.b@example.com')).toBe('a.b@example.com');
    expect(failure({ type: 'string', format: 'email' }, 'not-an-email')).toBe(
      "Error validating parameter 'x': Invalid email format (expected an email address)",
    );
  });

  it('uri', () => {
    expect(convert({ type: 'string', format: 'uri' }, 'https://example.com/a?b=1')).toBe(
      'https://example.com/a?b=1',
    );
    expect(failure({ type: 'string', format: 'uri' }, 'example dot com')).toBe(
      "Error validating parameter 'x': Invalid URI format (expected an absolute URI)",
    );
  });

  it('duration: ISO 8601', () => {
    expect(convert({ type: 'string', format: 'duration' }, 'P1DT2H')).toBe('P1DT2H');
    expect(convert({ type: 'string', format: 'duration' }, 'PT30M')).toBe('PT30M');
    expect(failure({ type: 'string', format: 'duration' }, '2 hours')).toMatch(/Invalid duration format/);
    expect(failure({ type: 'string', format: 'duration' }, 'P')).toMatch(/Invalid duration format/);
  });

  it('timestamp: epoch seconds (number or numeric string) become an ISO date-time in UTC', () => {
    const t: Spec = { type: 'string', format: 'timestamp' };
    expect(convert(t, 1700000000)).toBe('2023-11-14T22:13:20.000Z');
    expect(convert(t, '1700000000.5')).toBe('2023-11-14T22:13:20.500Z');
    expect(convert(t, '2024-01-31T12:00:00Z')).toBe('2024-01-31T12:00:00Z');
    expect(failure(t, 'soon')).toBe(
      "Error validating parameter 'x': Invalid timestamp format (expected Unix epoch seconds or an ISO 8601 date-time)",
    );
    expect(failure(t, 1e20)).toMatch(/Invalid timestamp format/);
    expect(failure(t, true)).toBe("Error validating parameter 'x': Expected timestamp, got boolean");
  });
});

describe('number and integer', () => {
  it('accepts numbers and parses numeric strings', () => {
    expect(convert({ type: 'number' }, 1.5)).toBe(1.5);
    expect(convert({ type: 'number' }, ' -2.5e1 ')).toBe(-25);
  });

  it('rejects non-numeric strings, booleans and non-finite values', () => {
    expect(failure({ type: 'number' }, 'abc')).toBe(
      "Error validating parameter 'x': Expected number, got a non-numeric string",
    );
    expect(failure({ type: 'number' }, '')).toMatch(/non-numeric/);
    expect(failure({ type: 'number' }, '0x10')).toMatch(/non-numeric/);
    expect(failure({ type: 'number' }, true)).toBe(
      "Error validating parameter 'x': Expected number, got boolean",
    );
    expect(failure({ type: 'number' }, '1e400')).toBe(
      "Error validating parameter 'x': Expected a finite number",
    );
  });

  it('checks bounds with MXCP wording', () => {
    expect(failure({ type: 'number', minimum: 1 }, 0)).toBe(
      "Error validating parameter 'x': Value must be >= 1",
    );
    expect(failure({ type: 'number', maximum: 10 }, 11)).toBe(
      "Error validating parameter 'x': Value must be <= 10",
    );
    expect(failure({ type: 'number', exclusiveMinimum: 0 }, 0)).toBe(
      "Error validating parameter 'x': Value must be > 0",
    );
    expect(failure({ type: 'number', exclusiveMaximum: 1.5 }, 1.5)).toBe(
      "Error validating parameter 'x': Value must be < 1.5",
    );
    expect(failure({ type: 'number', multipleOf: 0.5 }, 1.2)).toBe(
      "Error validating parameter 'x': Value must be a multiple of 0.5",
    );
    expect(convert({ type: 'number', multipleOf: 0.1 }, 0.3)).toBe(0.3);
    expect(convert({ type: 'number', minimum: 1, maximum: 1 }, '1')).toBe(1);
  });

  it('integer: integer-valued numbers and numeric strings become integers', () => {
    expect(convert({ type: 'integer' }, 3)).toBe(3);
    expect(convert({ type: 'integer' }, 3.0)).toBe(3);
    expect(convert({ type: 'integer' }, '3')).toBe(3);
    expect(convert({ type: 'integer' }, '3.0')).toBe(3);
  });

  it('integer: rejects fractions instead of truncating, and unsafe magnitudes', () => {
    expect(failure({ type: 'integer' }, 3.5)).toBe(
      "Error validating parameter 'x': Expected integer, got a number with a fractional part",
    );
    expect(failure({ type: 'integer' }, '3.5')).toMatch(/fractional part/);
    expect(failure({ type: 'integer' }, '12345678901234567890')).toMatch(/out of range/);
    expect(failure({ type: 'integer', minimum: 1 }, '0')).toBe(
      "Error validating parameter 'x': Value must be >= 1",
    );
  });
});

describe('boolean', () => {
  it('accepts booleans and "true"/"false" in any case', () => {
    expect(convert({ type: 'boolean' }, false)).toBe(false);
    expect(convert({ type: 'boolean' }, 'TRUE')).toBe(true);
    expect(convert({ type: 'boolean' }, 'False')).toBe(false);
  });

  it('rejects other strings and numbers instead of guessing', () => {
    expect(failure({ type: 'boolean' }, 'yes')).toBe(
      'Error validating parameter \'x\': Expected boolean, got a string other than "true" or "false"',
    );
    expect(failure({ type: 'boolean' }, 1)).toBe(
      "Error validating parameter 'x': Expected boolean, got number",
    );
  });
});

describe('array', () => {
  const ints: Spec = { type: 'array', items: { type: 'integer' } };

  it('converts items recursively and parses JSON text', () => {
    expect(convert(ints, [1, '2', 3.0])).toEqual([1, 2, 3]);
    expect(convert(ints, '[1, "2"]')).toEqual([1, 2]);
    expect(convert({ type: 'array' }, ['a', 1, null])).toEqual(['a', 1, null]);
  });

  it('rejects non-arrays and JSON text that is not an array', () => {
    expect(failure(ints, 5)).toBe("Error validating parameter 'x': Expected array, got number");
    expect(failure(ints, '{"a":1}')).toBe("Error validating parameter 'x': Expected array, got object");
    expect(failure(ints, '[1,')).toBe(
      "Error validating parameter 'x': Expected array, got a string that is not valid JSON",
    );
  });

  it('reports the failing item', () => {
    expect(failure(ints, [1, 'b'])).toBe(
      "Error validating parameter 'x': Array item 1: Expected integer, got a non-numeric string",
    );
  });

  it('checks minItems, maxItems and uniqueItems (after coercion)', () => {
    expect(failure({ ...ints, minItems: 2 }, [1])).toBe(
      "Error validating parameter 'x': Array must have at least 2 items",
    );
    expect(failure({ ...ints, maxItems: 1 }, [1, 2])).toBe(
      "Error validating parameter 'x': Array must have at most 1 items",
    );
    expect(failure({ ...ints, uniqueItems: true }, [1, '1'])).toBe(
      "Error validating parameter 'x': Array items must be unique",
    );
    expect(
      failure({ type: 'array', uniqueItems: true }, [
        { a: 1, b: 2 },
        { b: 2, a: 1 },
      ]),
    ).toMatch(/unique/);
    expect(convert({ ...ints, uniqueItems: true }, [1, 2])).toEqual([1, 2]);
  });

  it('lets null items through', () => {
    expect(convert(ints, [1, null])).toEqual([1, null]);
  });

  it('nests: arrays of arrays and arrays of objects', () => {
    const grid: Spec = { type: 'array', items: { type: 'array', items: { type: 'number', minimum: 0 } } };
    expect(convert(grid, [[1, '2'], []])).toEqual([[1, 2], []]);
    expect(failure(grid, [[1], [2, -1]])).toBe(
      "Error validating parameter 'x': Array item 1: Array item 1: Value must be >= 0",
    );
    const people: Spec = {
      type: 'array',
      items: { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] },
    };
    expect(convert(people, '[{"age":"4"}]')).toEqual([{ age: 4 }]);
    expect(failure(people, [{ age: 1 }, {}])).toBe(
      "Error validating parameter 'x': Array item 1: Missing required properties: age",
    );
  });
});

describe('object', () => {
  const point: Spec = {
    type: 'object',
    properties: { x: { type: 'number' }, y: { type: 'number' }, label: { type: 'string' } },
    required: ['x', 'y'],
  };

  it('converts declared properties and keeps undeclared ones by default', () => {
    expect(convert(point, { x: '1', y: 2, extra: true })).toEqual({ x: 1, y: 2, extra: true });
  });

  it('parses JSON text', () => {
    expect(convert(point, '{"x": 1, "y": "2.5"}')).toEqual({ x: 1, y: 2.5 });
    expect(failure(point, '[1,2]')).toBe("Error validating parameter 'x': Expected object, got array");
    expect(failure(point, 'nope')).toMatch(/not valid JSON/);
  });

  it('lists every missing required property', () => {
    expect(failure(point, { label: 'a' })).toBe(
      "Error validating parameter 'x': Missing required properties: x, y",
    );
  });

  it('rejects undeclared properties only with additionalProperties: false', () => {
    expect(failure({ ...point, additionalProperties: false }, { x: 1, y: 2, z: 3 })).toBe(
      "Error validating parameter 'x': Unexpected property: z",
    );
    expect(convert({ ...point, additionalProperties: true }, { x: 1, y: 2, z: 3 })).toEqual({
      x: 1,
      y: 2,
      z: 3,
    });
  });

  it('reports the failing property, at any depth', () => {
    expect(failure(point, { x: 'a', y: 1 })).toBe(
      "Error validating parameter 'x': Property 'x': Expected number, got a non-numeric string",
    );
    const nested: Spec = {
      type: 'object',
      properties: {
        inner: {
          type: 'object',
          properties: { tags: { type: 'array', items: { type: 'string', maxLength: 1 } } },
        },
      },
    };
    expect(failure(nested, { inner: { tags: ['a', 'bb'] } })).toBe(
      "Error validating parameter 'x': Property 'inner': Property 'tags': Array item 1: String must be at most 1 characters long",
    );
  });

  it('lets null properties through and does not require declared optional ones', () => {
    expect(convert(point, { x: null, y: 1 })).toEqual({ x: null, y: 1 });
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const out = convert({ type: 'object' }, '{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual(['__proto__']);
  });

  it('rejects non-objects', () => {
    expect(failure({ type: 'object' }, 3)).toBe(
      "Error validating parameter 'x': Expected object, got number",
    );
  });
});
