// The `sensitive: true` flag (MXCP-SPEC §4.5): compiled removers and maskers
// guided by the declared types. The policy engine uses the remover for
// `filter_sensitive_fields` (§5); the audit writer uses the maskers so
// sensitive inputs and outputs never reach the audit log (MXCP promises this in
// its docs but does not do it). A type with no sensitive part compiles to the
// identity, so endpoints without the flag pay nothing.
import type { Parameter, TypeDefinition } from '../endpoints/schema.js';
import { isPlainObject, setOwn } from './constraints.js';

export const REDACTED = '[REDACTED]';

type Transform = (value: unknown) => unknown;
const identity: Transform = (value) => value;

/** What a sensitive value becomes: "[REDACTED]" by default, or an audit redaction strategy. */
export type Redactor = (value: unknown) => unknown;
const redactFully: Redactor = () => REDACTED;

/** True when the type, or anything nested in it, is marked sensitive. */
export function hasSensitive(t: TypeDefinition): boolean {
  if (t.sensitive === true) return true;
  if (t.items && hasSensitive(t.items)) return true;
  return Object.values(t.properties ?? {}).some(hasSensitive);
}

/**
 * Compiles a transform that replaces each sensitive part of a value. `remove`
 * drops sensitive object properties (filter_sensitive_fields); otherwise each
 * is replaced by `replace(value)`. A sensitive root is always replaced.
 * Values are copied, never mutated; undeclared keys are kept unless the object
 * is closed (`additionalProperties: false`).
 */
function compileTransform(t: TypeDefinition, replace: Redactor, remove: boolean): Transform {
  if (t.sensitive === true) return replace;
  if (!hasSensitive(t)) return identity;
  if (t.type === 'array' && t.items) {
    const item = compileTransform(t.items, replace, remove);
    return (value) => (Array.isArray(value) ? value.map(item) : value);
  }
  if (t.type === 'object') {
    const closed = t.additionalProperties === false;
    const properties = new Map(
      Object.entries(t.properties ?? {}).map(([key, type]) => [
        key,
        remove && type.sensitive === true ? undefined : compileTransform(type, replace, remove),
      ]),
    );
    return (value) => {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const declared = properties.has(key);
        if (!declared && closed) continue;
        const transform = properties.get(key);
        if (declared && !transform) continue; // a removed sensitive property
        setOwn(out, key, transform ? transform(value[key]) : value[key]);
      }
      return out;
    };
  }
  return identity;
}

/** filter_sensitive_fields: sensitive properties removed, a sensitive root becomes null. */
export function compileSensitiveFilter(t: TypeDefinition): Transform {
  return compileTransform(t, () => null, true);
}

/**
 * Sensitive parts replaced by "[REDACTED]" (audit output, and MXCP's mask_sensitive_fields),
 * or by what `redact` makes of each (the audit redaction strategies).
 */
export function compileSensitiveMask(t: TypeDefinition, redact: Redactor = redactFully): Transform {
  return compileTransform(t, redact, false);
}

/** Call arguments with sensitive parameters (and sensitive nested parts) redacted, for the audit log. */
export function compileParameterMask(
  params: readonly Parameter[],
  redact: Redactor = redactFully,
): (args: Readonly<Record<string, unknown>>) => Record<string, unknown> {
  const masks = new Map(params.map((p) => [p.name, compileSensitiveMask(p, redact)]));
  if ([...masks.values()].every((mask) => mask === identity)) return (args) => ({ ...args });
  return (args) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(args)) {
      const mask = masks.get(key);
      setOwn(out, key, mask ? mask(args[key]) : args[key]);
    }
    return out;
  };
}
