// What output rules do to a result once their condition holds (MXCP-SPEC §5,
// actions): drop or mask top-level fields of an object (or of each object in a
// list), or remove everything the return type marks `sensitive`, at any depth.
// Results are copied, never mutated: the engine may hold on to the original.
import type { TypeDefinition } from '../endpoints/schema.js';
import { compileSensitiveFilter } from '../types/sensitive.js';

export const MASK = '****';

export type Transform = (value: unknown) => unknown;

/** filter_fields: the named top-level keys removed. Scalars and non-object items are untouched. */
export function filterFields(fields: readonly string[]): Transform {
  const drop = new Set(fields);
  return topLevel((object) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) if (!drop.has(key)) copy(out, key, object[key]);
    return out;
  });
}

/** mask_fields: the named top-level keys that exist get the value "****". */
export function maskFields(fields: readonly string[]): Transform {
  const mask = new Set(fields);
  return topLevel((object) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) copy(out, key, mask.has(key) ? MASK : object[key]);
    return out;
  });
}

/**
 * filter_sensitive_fields: sensitive properties removed wherever the return
 * type puts them (objects in arrays in objects, …), a sensitive root becomes
 * null. Without a return type nothing is known to be sensitive.
 */
export function filterSensitive(returnType: TypeDefinition | undefined): Transform {
  return returnType ? compileSensitiveFilter(returnType) : (value) => value;
}

function topLevel(apply: (object: Record<string, unknown>) => Record<string, unknown>): Transform {
  const one = (value: unknown) => (isObject(value) ? apply(value) : value);
  return (value) => (Array.isArray(value) ? value.map(one) : one(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** An own property even for `__proto__`. */
function copy(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
