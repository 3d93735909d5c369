// What happens to an endpoint's rows before they reach the client (MXCP-SPEC
// §4.4 "Result reshaping" and "Output validation"): reshape by `return.type`,
// then check the value against the declared return type.
//
// Output rules follow MXCP, plus the constraints the outputSchema advertises
// (json-schema.ts), so a client that validates structuredContent never sees a
// value we let through but it rejects:
//  - null passes below the top level and for non-object returns (SQL NULL);
//  - number/integer accept JSON numbers and, because the DB layer hands out
//    BIGINT/HUGEINT/DECIMAL values beyond ±2^53 as exact decimal strings, a
//    string that is exactly a decimal number (an integer's digits only, for
//    `integer`). Bounds are compared on the nearest double. A client that
//    validates against `type: integer` will still refuse such a string: declare
//    those columns as `string`;
//  - booleans are never numbers; boolean accepts only true/false;
//  - string formats email, uri and duration are checked; date/time shapes are
//    left to the DB layer, as MXCP does.
import type { TypeDefinition } from '../endpoints/schema.js';
import { DetailError, ValidationError } from './errors.js';
import {
  compileArrayChecks,
  compileEnum,
  compileNumberBounds,
  compileStringChecks,
  compileUniqueness,
  isPlainObject,
  jsonTypeOf,
  withContext,
  type Check,
} from './constraints.js';
import { isDuration, isEmail, isUri } from './formats.js';

/**
 * Reshapes a row list by return type: array or no return → the rows; object →
 * the single row; scalar → the single value of the single row. Rows are counted
 * first ("results"), then a scalar's columns ("values").
 */
export function reshapeResult(rows: Record<string, unknown>[], ret?: TypeDefinition): unknown {
  if (!ret || ret.type === 'array') return rows;
  if (rows.length === 0) throw new ValidationError('No results returned');
  if (rows.length > 1) {
    throw new ValidationError(
      `Expected single result for return type '${ret.type}', but got ${rows.length} results`,
    );
  }
  const row = rows[0];
  if (ret.type === 'object') return row;
  const columns = Object.keys(row);
  if (columns.length !== 1) {
    throw new ValidationError(
      `Expected single value for return type '${ret.type}', but got ${columns.length} values`,
    );
  }
  return row[columns[0]];
}

export type OutputValidator = (value: unknown) => void;

/** Compiles the output check of a return type; it throws "Output validation failed: <detail>". */
export function compileOutputValidator(ret: TypeDefinition): OutputValidator {
  // structuredContent must be an object, so a null object result cannot be sent as declared.
  const check = compileCheck(ret, ret.type !== 'object');
  return (value) => {
    try {
      check(value);
    } catch (error) {
      if (error instanceof DetailError)
        throw new ValidationError(`Output validation failed: ${error.message}`);
      throw error;
    }
  };
}

function compileCheck(t: TypeDefinition, nullable: boolean): Check<unknown> {
  const checkType = compileTypeCheck(t);
  const allowed = compileEnum(t);
  const message = allowed ? `Value must be one of: ${allowed.listing}` : '';
  return (value) => {
    if (value === null || value === undefined) {
      if (nullable) return;
      throw new DetailError(`Expected ${t.type}, got null`);
    }
    checkType(value);
    if (allowed && !allowed.has(value)) throw new DetailError(message);
  };
}

function compileTypeCheck(t: TypeDefinition): Check<unknown> {
  switch (t.type) {
    case 'string':
      return compileStringCheck(t);
    case 'number':
      return compileNumberCheck(t, false);
    case 'integer':
      return compileNumberCheck(t, true);
    case 'boolean':
      return (value) => {
        if (typeof value !== 'boolean') throw new DetailError(`Expected boolean, got ${jsonTypeOf(value)}`);
      };
    case 'array':
      return compileArrayCheck(t);
    case 'object':
      return compileObjectCheck(t);
    default:
      throw new Error(`Unknown type '${t.type}'`);
  }
}

const OUTPUT_FORMATS: Record<string, [(s: string) => boolean, string]> = {
  email: [isEmail, 'Invalid email format'],
  uri: [isUri, 'Invalid URI format'],
  duration: [isDuration, 'Invalid duration format'],
};

function compileStringCheck(t: TypeDefinition): Check<unknown> {
  const format = t.format ? OUTPUT_FORMATS[t.format] : undefined;
  const checks = compileStringChecks(t);
  const timestamp = t.format === 'timestamp';
  return (value) => {
    if (typeof value !== 'string') {
      if (timestamp && typeof value === 'number') return;
      throw new DetailError(`Expected string, got ${jsonTypeOf(value)}`);
    }
    if (format && !format[0](value)) throw new DetailError(format[1]);
    checks?.(value);
  };
}

const DECIMAL_STRING = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER_STRING = /^-?\d+$/;

function compileNumberCheck(t: TypeDefinition, integer: boolean): Check<unknown> {
  const kind = integer ? 'integer' : 'number';
  const exact = integer ? INTEGER_STRING : DECIMAL_STRING;
  const bounds = compileNumberBounds(t);
  return (value) => {
    let n: number;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new DetailError(`Expected a finite ${kind}`);
      if (integer && !Number.isInteger(value)) {
        throw new DetailError('Expected integer, got a number with a fractional part');
      }
      n = value;
    } else if (typeof value === 'string' && exact.test(value)) {
      n = Number(value);
    } else if (typeof value === 'bigint') {
      n = Number(value);
    } else {
      throw new DetailError(`Expected ${kind}, got ${jsonTypeOf(value)}`);
    }
    bounds?.(n);
  };
}

function compileArrayCheck(t: TypeDefinition): Check<unknown> {
  const counts = compileArrayChecks(t);
  const unique = compileUniqueness(t);
  const checkItem = t.items ? compileCheck(t.items, true) : undefined;
  return (value) => {
    if (!Array.isArray(value)) throw new DetailError(`Expected array, got ${jsonTypeOf(value)}`);
    counts?.(value);
    if (checkItem) {
      for (let i = 0; i < value.length; i++) {
        try {
          checkItem(value[i]);
        } catch (error) {
          throw withContext(error, `Array item ${i}: `);
        }
      }
    }
    unique?.(value);
  };
}

function compileObjectCheck(t: TypeDefinition): Check<unknown> {
  const required = t.required ?? [];
  const closed = t.additionalProperties === false;
  const properties = Object.entries(t.properties ?? {}).map(
    ([key, type]) => [key, compileCheck(type, true)] as const,
  );
  const declared = new Set(properties.map(([key]) => key));
  return (value) => {
    if (!isPlainObject(value)) throw new DetailError(`Expected object, got ${jsonTypeOf(value)}`);
    if (required.length > 0) {
      const missing = required.filter((key) => !Object.hasOwn(value, key));
      if (missing.length > 0) throw new DetailError(`Missing required properties: ${missing.join(', ')}`);
    }
    if (closed) {
      for (const key of Object.keys(value)) {
        if (!declared.has(key)) throw new DetailError(`Unexpected property: ${key}`);
      }
    }
    for (const [key, check] of properties) {
      if (!Object.hasOwn(value, key)) continue;
      try {
        check(value[key]);
      } catch (error) {
        throw withContext(error, `Property '${key}': `);
      }
    }
  };
}
