// The constraint keywords of an MXCP type (bounds, lengths, pattern, item
// counts, uniqueness, enum), compiled once into closures that both input
// coercion (coerce.ts) and output validation (result.ts) run. A check throws a
// DetailError with MXCP's wording ("Value must be >= 1"); callers add context.
import type { TypeDefinition } from '../endpoints/schema.js';
import { DetailError } from './errors.js';

export type Check<T> = (value: T) => void;

/** Runs checks in order; undefined when there is nothing to check (the common case). */
function sequence<T>(checks: Check<T>[]): Check<T> | undefined {
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (value) => {
    for (const check of checks) check(value);
  };
}

/** JSON Schema's name for the kind of a JSON value, for "Expected X, got Y". */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'bigint') return 'number';
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property even for the key `__proto__` (which plain assignment would not). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Key-order-independent JSON, so {a,b} and {b,a} compare equal (uniqueItems, enum). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Python's repr of a JSON value: MXCP prints enum lists this way (`['a', 'b']`). */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') {
    return value.includes("'") && !value.includes('"')
      ? `"${value}"`
      : `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

export interface EnumCheck {
  has(value: unknown): boolean;
  /** The allowed values as MXCP prints them. */
  readonly listing: string;
}

export function compileEnum(t: TypeDefinition): EnumCheck | undefined {
  if (!t.enum) return undefined;
  const scalars = new Set<unknown>();
  const structured = new Set<string>();
  for (const allowed of t.enum) {
    if (typeof allowed === 'object' && allowed !== null) structured.add(canonicalJson(allowed));
    else scalars.add(allowed);
  }
  return {
    has: (value) =>
      typeof value === 'object' && value !== null ? structured.has(canonicalJson(value)) : scalars.has(value),
    listing: pythonRepr(t.enum),
  };
}

/** multipleOf with a tolerance: 0.3 is a multiple of 0.1 although 0.3 / 0.1 is 2.9999999999999996. */
function isMultipleOf(value: number, step: number): boolean {
  const quotient = value / step;
  return Math.abs(quotient - Math.round(quotient)) <= 1e-9 * Math.max(1, Math.abs(quotient));
}

export function compileNumberBounds(t: TypeDefinition): Check<number> | undefined {
  const checks: Check<number>[] = [];
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = t;
  if (minimum !== undefined) {
    checks.push((n) => {
      if (n < minimum) throw new DetailError(`Value must be >= ${minimum}`);
    });
  }
  if (maximum !== undefined) {
    checks.push((n) => {
      if (n > maximum) throw new DetailError(`Value must be <= ${maximum}`);
    });
  }
  if (exclusiveMinimum !== undefined) {
    checks.push((n) => {
      if (n <= exclusiveMinimum) throw new DetailError(`Value must be > ${exclusiveMinimum}`);
    });
  }
  if (exclusiveMaximum !== undefined) {
    checks.push((n) => {
      if (n >= exclusiveMaximum) throw new DetailError(`Value must be < ${exclusiveMaximum}`);
    });
  }
  if (multipleOf !== undefined) {
    checks.push((n) => {
      if (!isMultipleOf(n, multipleOf)) throw new DetailError(`Value must be a multiple of ${multipleOf}`);
    });
  }
  return sequence(checks);
}

/** Length in Unicode code points, as JSON Schema and Python count it (an emoji is 1, not 2). */
function codePointLength(s: string): number {
  let length = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

/** Compiles a `pattern:` the way JSON Schema (and ajv) reads it: ECMA-262, unicode, unanchored. */
export function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch (error) {
    throw new Error(`Invalid pattern '${pattern}': ${(error as Error).message}`, { cause: error });
  }
}

export function compileStringChecks(t: TypeDefinition): Check<string> | undefined {
  const checks: Check<string>[] = [];
  const { minLength, maxLength, pattern } = t;
  // Code units bound code points from above, so the full count is only needed near the limits.
  if (minLength !== undefined) {
    checks.push((s) => {
      if (s.length < minLength || (s.length < 2 * minLength && codePointLength(s) < minLength)) {
        throw new DetailError(`String must be at least ${minLength} characters long`);
      }
    });
  }
  if (maxLength !== undefined) {
    checks.push((s) => {
      if (s.length > maxLength && codePointLength(s) > maxLength) {
        throw new DetailError(`String must be at most ${maxLength} characters long`);
      }
    });
  }
  if (pattern !== undefined) {
    const regex = compilePattern(pattern);
    checks.push((s) => {
      if (!regex.test(s)) throw new DetailError(`String must match pattern '${pattern}'`);
    });
  }
  return sequence(checks);
}

export function compileArrayChecks(t: TypeDefinition): Check<unknown[]> | undefined {
  const checks: Check<unknown[]>[] = [];
  const { minItems, maxItems } = t;
  if (minItems !== undefined) {
    checks.push((items) => {
      if (items.length < minItems) throw new DetailError(`Array must have at least ${minItems} items`);
    });
  }
  if (maxItems !== undefined) {
    checks.push((items) => {
      if (items.length > maxItems) throw new DetailError(`Array must have at most ${maxItems} items`);
    });
  }
  return sequence(checks);
}

/** uniqueItems, compared on canonical JSON so equal objects with reordered keys count as duplicates. */
export function compileUniqueness(t: TypeDefinition): Check<unknown[]> | undefined {
  if (t.uniqueItems !== true) return undefined;
  return (items) => {
    const seen = new Set<string>();
    for (const item of items) {
      const key = canonicalJson(item);
      if (seen.has(key)) throw new DetailError('Array items must be unique');
      seen.add(key);
    }
  };
}

/** Prepends where a nested failure happened ("Array item 2: ", "Property 'k': "). */
export function withContext(error: unknown, context: string): unknown {
  return error instanceof DetailError ? new DetailError(context + error.message) : error;
}
