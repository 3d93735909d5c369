// Input coercion of one MXCP type (MXCP-SPEC §4.4 "Input validation and
// coercion"): turns what a client sent into the value bound to SQL, or throws a
// DetailError. Compiled once per type into a closure; the request path only runs
// closures. Lenient where LLM clients are sloppy (numbers for string ids, JSON
// text for arrays/objects, "3" for integers), strict where MXCP silently guesses
// (3.5 for an integer, "yes" for a boolean, a `pattern` it never checks).
import type { TypeDefinition } from '../endpoints/schema.js';
import { DetailError } from './errors.js';
import {
  compileArrayChecks,
  compileEnum,
  compileNumberBounds,
  compileStringChecks,
  compileUniqueness,
  isPlainObject,
  jsonTypeOf,
  setOwn,
  withContext,
} from './constraints.js';
import {
  FORMAT_EXPECTATION,
  epochSecondsToIso,
  isDate,
  isDateTime,
  isDuration,
  isEmail,
  isNumericString,
  isTime,
  isUri,
  type StringFormat,
} from './formats.js';

/** Converts one non-null value; throws DetailError. */
export type Converter = (value: unknown) => unknown;

/**
 * Compiles the converter for a type. `label` names the value in enum errors
 * ("Invalid value for <label>. Must be one of: [...]"): the parameter name at
 * the top, the property name inside objects. null passes for every type, at
 * every depth, as in MXCP.
 */
export function compileConverter(t: TypeDefinition, label: string): Converter {
  const convert = compileByType(t, label);
  const allowed = compileEnum(t);
  if (!allowed) return (value) => (value === null ? null : convert(value));
  const message = `Invalid value for ${label}. Must be one of: ${allowed.listing}`;
  return (value) => {
    if (value === null) return null;
    const converted = convert(value);
    if (!allowed.has(converted)) throw new DetailError(message);
    return converted;
  };
}

function compileByType(t: TypeDefinition, label: string): Converter {
  switch (t.type) {
    case 'string':
      return t.format === 'timestamp' ? compileTimestamp(t) : compileString(t);
    case 'number':
      return compileNumber(t, false);
    case 'integer':
      return compileNumber(t, true);
    case 'boolean':
      return toBoolean;
    case 'array':
      return compileArray(t, label);
    case 'object':
      return compileObject(t);
    default:
      // The endpoint schema admits only the six names above; this guards hand-built definitions.
      throw new Error(`Unknown type '${t.type}'`);
  }
}

const FORMAT_CHECKS: Record<Exclude<StringFormat, 'timestamp'>, (s: string) => boolean> = {
  email: isEmail,
  uri: isUri,
  date: isDate,
  time: isTime,
  'date-time': isDateTime,
  duration: isDuration,
};

function formatError(format: StringFormat): DetailError {
  const name = format === 'uri' ? 'URI' : format;
  return new DetailError(`Invalid ${name} format (expected ${FORMAT_EXPECTATION[format]})`);
}

function compileString(t: TypeDefinition): Converter {
  const format = t.format as Exclude<StringFormat, 'timestamp'> | undefined;
  const isValid = format ? FORMAT_CHECKS[format] : undefined;
  const checks = compileStringChecks(t);
  return (value) => {
    let s: string;
    if (typeof value === 'string') s = value;
    // LLMs send 2662 for a string id (MXCP issue #215).
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
      s = String(value);
    else throw new DetailError(`Expected string, got ${jsonTypeOf(value)}`);
    // Dates, times and date-times stay ISO strings: DuckDB casts them when binding.
    if (isValid && !isValid(s)) throw formatError(format!);
    checks?.(s);
    return s;
  };
}

/** MXCP's `timestamp`: epoch seconds become an ISO date-time (UTC); an ISO date-time is kept. */
function compileTimestamp(t: TypeDefinition): Converter {
  const checks = compileStringChecks(t);
  return (value) => {
    let iso: string | undefined;
    if (typeof value === 'number') iso = Number.isFinite(value) ? epochSecondsToIso(value) : undefined;
    else if (typeof value === 'string') {
      if (isNumericString(value)) iso = epochSecondsToIso(Number(value));
      else if (isDateTime(value)) iso = value;
    } else throw new DetailError(`Expected timestamp, got ${jsonTypeOf(value)}`);
    if (iso === undefined) throw formatError('timestamp');
    checks?.(iso);
    return iso;
  };
}

function compileNumber(t: TypeDefinition, integer: boolean): Converter {
  const kind = integer ? 'integer' : 'number';
  const bounds = compileNumberBounds(t);
  return (value) => {
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string' && isNumericString(value)) n = Number(value);
    else if (typeof value === 'bigint') n = Number(value);
    else if (typeof value === 'string') throw new DetailError(`Expected ${kind}, got a non-numeric string`);
    // Booleans are not numbers here, although Python's float(True) is 1.0.
    else throw new DetailError(`Expected ${kind}, got ${jsonTypeOf(value)}`);
    if (!Number.isFinite(n)) throw new DetailError(`Expected a finite ${kind}`);
    if (integer) {
      // 3.0 and "3" are integers; 3.5 is refused rather than truncated (MXCP PR #85).
      if (!Number.isInteger(n))
        throw new DetailError('Expected integer, got a number with a fractional part');
      // Beyond 2^53 a JS number no longer holds the exact integer the client meant.
      if (!Number.isSafeInteger(n))
        throw new DetailError('Integer is out of range (beyond ±9007199254740991)');
    }
    bounds?.(n);
    return n;
  };
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    // MXCP maps every string other than "true" to false; only the two words are accepted here.
    const word = value.trim().toLowerCase();
    if (word === 'true') return true;
    if (word === 'false') return false;
    throw new DetailError('Expected boolean, got a string other than "true" or "false"');
  }
  throw new DetailError(`Expected boolean, got ${jsonTypeOf(value)}`);
}

/** Clients that cannot send structured arguments send JSON text; accept it for arrays and objects. */
function parseJsonText(value: string, kind: 'array' | 'object'): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new DetailError(`Expected ${kind}, got a string that is not valid JSON`);
  }
}

function compileArray(t: TypeDefinition, label: string): Converter {
  const counts = compileArrayChecks(t);
  const unique = compileUniqueness(t);
  const convertItem = t.items ? compileConverter(t.items, `${label} item`) : undefined;
  return (value) => {
    const list = typeof value === 'string' ? parseJsonText(value, 'array') : value;
    if (!Array.isArray(list)) throw new DetailError(`Expected array, got ${jsonTypeOf(list)}`);
    counts?.(list);
    const out = new Array<unknown>(list.length);
    for (let i = 0; i < list.length; i++) {
      try {
        out[i] = convertItem ? convertItem(list[i]) : list[i];
      } catch (error) {
        throw withContext(error, `Array item ${i}: `);
      }
    }
    // After conversion, so "1" and 1 count as the same integer.
    unique?.(out);
    return out;
  };
}

function compileObject(t: TypeDefinition): Converter {
  const required = t.required ?? [];
  const closed = t.additionalProperties === false;
  const properties = new Map<string, Converter>(
    Object.entries(t.properties ?? {}).map(([key, type]) => [key, compileConverter(type, key)]),
  );
  return (value) => {
    const object = typeof value === 'string' ? parseJsonText(value, 'object') : value;
    if (!isPlainObject(object)) throw new DetailError(`Expected object, got ${jsonTypeOf(object)}`);
    if (required.length > 0) {
      const missing = required.filter((key) => !Object.hasOwn(object, key));
      if (missing.length > 0) throw new DetailError(`Missing required properties: ${missing.join(', ')}`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      const convert = properties.get(key);
      if (!convert && closed) throw new DetailError(`Unexpected property: ${key}`);
      const field = object[key];
      try {
        setOwn(out, key, convert && field !== undefined ? convert(field) : field);
      } catch (error) {
        throw withContext(error, `Property '${key}': `);
      }
    }
    return out;
  };
}
