// Validation of a call's arguments against an endpoint's `parameters:` list
// (MXCP-SPEC §4.4): defaults, required and unknown parameters, then per-type
// coercion. compileParameters runs once per endpoint at registry build; the
// returned validate() runs on every call.
import type { Parameter } from '../endpoints/schema.js';
import { compileConverter, type Converter } from './coerce.js';
import { setOwn } from './constraints.js';
import { DetailError, ValidationError } from './errors.js';

export interface ParameterValidator {
  /** The declared parameter names, in declaration order. */
  readonly names: readonly string[];
  /**
   * Returns the coerced arguments, one key per declared parameter (defaults
   * filled in; an explicit null stays null). Throws ValidationError with MXCP's
   * message. Keys whose value is undefined count as absent.
   */
  validate(args: Readonly<Record<string, unknown>> | undefined): Record<string, unknown>;
}

interface CompiledParameter {
  name: string;
  convert: Converter;
  hasDefault: boolean;
  /** The default, already converted when it converts cleanly (so calls skip that work). */
  defaultValue: unknown;
  defaultConverted: boolean;
  /** Object and array defaults are copied per call so no call can alter another's. */
  defaultIsStructured: boolean;
}

function compileParameter(param: Parameter): CompiledParameter {
  const convert = compileConverter(param, param.name);
  const hasDefault = Object.hasOwn(param, 'default');
  let defaultValue = param.default;
  let defaultConverted = false;
  if (hasDefault && defaultValue !== undefined) {
    // A default that does not fit its own type fails each call (as in MXCP), not the whole server.
    try {
      defaultValue = defaultValue === null ? null : convert(defaultValue);
      defaultConverted = true;
    } catch (error) {
      if (!(error instanceof DetailError)) throw error;
    }
  }
  return {
    name: param.name,
    convert,
    hasDefault,
    defaultValue,
    defaultConverted,
    defaultIsStructured: typeof defaultValue === 'object' && defaultValue !== null,
  };
}

/** Deep copy of a YAML/JSON value; much cheaper than structuredClone for the small defaults seen here. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) setOwn(out, key, copyJson(field));
    return out;
  }
  return value;
}

function fail(param: CompiledParameter, error: unknown): never {
  if (error instanceof DetailError) {
    throw new ValidationError(`Error validating parameter '${param.name}': ${error.message}`, param.name);
  }
  throw error;
}

export function compileParameters(params: readonly Parameter[]): ParameterValidator {
  const compiled = params.map(compileParameter);
  const names = compiled.map((p) => p.name);
  const known = new Set(names);

  return {
    names,
    validate(args) {
      const given = args ?? {};
      // Own properties only: a parameter may legally be called `constructor` or `__proto__`.
      const valueOf = (name: string) => (Object.hasOwn(given, name) ? given[name] : undefined);
      for (const param of compiled) {
        if (!param.hasDefault && valueOf(param.name) === undefined) {
          throw new ValidationError(`Required parameter missing: ${param.name}`, param.name);
        }
      }
      for (const key of Object.keys(given)) {
        if (!known.has(key) && given[key] !== undefined)
          throw new ValidationError(`Unknown parameter: ${key}`);
      }

      const out: Record<string, unknown> = {};
      for (const param of compiled) {
        const value = valueOf(param.name);
        if (value !== undefined) {
          try {
            setOwn(out, param.name, value === null ? null : param.convert(value));
          } catch (error) {
            fail(param, error);
          }
          continue;
        }
        // Absent: a default is there, or the required check above would have thrown.
        const fallback = param.defaultIsStructured ? copyJson(param.defaultValue) : param.defaultValue;
        if (param.defaultConverted || fallback === null || fallback === undefined) {
          setOwn(out, param.name, fallback ?? null);
        } else {
          try {
            setOwn(out, param.name, param.convert(fallback));
          } catch (error) {
            fail(param, error);
          }
        }
      }
      return out;
    },
  };
}
