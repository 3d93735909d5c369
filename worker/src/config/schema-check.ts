// Checks a parsed YAML value against a TypeBox schema with ajv and turns ajv's
// errors into ConfigErrors a person can act on: one message per place, naming
// the field path, its line and column, what was expected and what was found.
// Defaults declared in the schemas are filled in during the same pass
// (ajv `useDefaults`), so a schema is the single source of keys and defaults.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Static, TSchema } from '@sinclair/typebox';
import { ConfigError, ConfigErrors } from './errors.js';
import { formatPath, type PathSegment, type YamlSource } from './yaml-source.js';

function createAjv(coerceTypes: boolean) {
  const instance = new Ajv2020.default({
    allErrors: true,
    verbose: true,
    useDefaults: true,
    coerceTypes,
    strict: false,
  });
  return { instance, compiled: new WeakMap<TSchema, ValidateFunction>() };
}
const exact = createAjv(false);
// For interpolated values: `port: ${PORT}` yields the string "8000", which the
// schema wants as an integer (MXCP's pydantic models coerce the same way).
const coercing = createAjv(true);
const ajv = exact.instance;

function validatorFor(schema: TSchema, coerce = false, references: TSchema[] = []): ValidateFunction {
  const { instance, compiled } = coerce ? coercing : exact;
  let validate = compiled.get(schema);
  if (!validate) {
    // Schemas the checked one names through `Type.Ref` (by their $id), added once.
    for (const ref of references) if (ref.$id && !instance.getSchema(ref.$id)) instance.addSchema(ref);
    validate = instance.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Validates `source.value` (or `value` when given, e.g. after normalisation)
 * against `schema`, filling in schema defaults in place. Returns every problem
 * found; an empty list means the value now conforms to `Static<schema>`.
 */
export function checkSchema<S extends TSchema>(
  schema: S,
  source: YamlSource,
  value: unknown = source.value,
  options: {
    coerceTypes?: boolean;
    references?: TSchema[];
    /** How to name the value at a path instead of printing it (e.g. a resolved secret). */
    hideValue?: ValueHider;
  } = {},
): { value: Static<S>; errors: ConfigError[] } {
  const validate = validatorFor(schema, options.coerceTypes, options.references);
  if (validate(value)) return { value: value as Static<S>, errors: [] };
  return {
    value: value as Static<S>,
    errors: explainErrors(validate.errors ?? [], source, options.hideValue),
  };
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

/** Turns ajv's flat error list into one ConfigError per place. */
/** Returns a description to print instead of the value at `path`, or undefined to print it. */
export type ValueHider = (path: PathSegment[]) => string | undefined;

function explainErrors(errors: ErrorObject[], source: YamlSource, hide?: ValueHider): ConfigError[] {
  const claimed = new Set<number>();
  const out: { index: number; error: ConfigError }[] = [];

  // ajv reports the errors of every branch of a union right before the union's
  // own `anyOf` error; fold them into one message about the union. Unions nested
  // inside a branch come earlier in the list and have already been explained.
  errors.forEach((error, index) => {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') return;
    const branchErrors: BranchError[] = [];
    for (let i = index - 1; i >= 0; i--) {
      const candidate = errors[i];
      if (
        !candidate.schemaPath.startsWith(`${error.schemaPath}/`) ||
        !isWithin(candidate.instancePath, error.instancePath)
      )
        break;
      branchErrors.unshift({ error: candidate, reported: claimed.has(i) });
      claimed.add(i);
    }
    claimed.add(index);
    out.push(...explainUnion(error, branchErrors, source, hide).map((e) => ({ index, error: e })));
  });
  errors.forEach((error, index) => {
    if (!claimed.has(index)) out.push({ index, error: explainOne(error, source, hide) });
  });

  // Report in document order, and once per place and message.
  const seen = new Set<string>();
  return out
    .sort(
      (a, b) =>
        (a.error.line ?? 0) - (b.error.line ?? 0) ||
        (a.error.column ?? 0) - (b.error.column ?? 0) ||
        a.index - b.index,
    )
    .map((entry) => entry.error)
    .filter((error) => {
      const key = `${error.path}\u0000${error.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

interface BranchError {
  error: ErrorObject;
  /** Already explained by a union nested inside this branch. */
  reported: boolean;
}

function explainUnion(
  error: ErrorObject,
  branchErrors: BranchError[],
  source: YamlSource,
  hide?: ValueHider,
): ConfigError[] {
  const path = pointerToPath(error.instancePath);
  const branches = (Array.isArray(error.schema) ? error.schema : []) as Record<string, unknown>[];
  const value = error.data;
  const shown = hide?.(path) ?? describeValue(value);

  if (branches.length > 0 && branches.every((branch) => 'const' in branch)) {
    const allowed = branches.map((branch) => String(branch.const)).join(', ');
    return [source.errorAt(path, `expected one of ${allowed}, got ${shown}`)];
  }

  // When exactly one branch has the value's type, its own errors say what is wrong.
  const found = jsonType(value);
  const matching = branches
    .map((branch, i) => ({ branch, i }))
    .filter(({ branch }) => typeMatches(branch, found));
  if (matching.length === 1) {
    const prefix = `${error.schemaPath}/${matching[0].i}`;
    const inner = branchErrors.filter((e) => isWithin(e.error.schemaPath, prefix));
    if (inner.length > 0) {
      return explainErrors(
        inner.filter((e) => !e.reported).map((e) => e.error),
        source,
        hide,
      );
    }
  }

  const expected = branches.map(describeSchema).join(' or ');
  return [source.errorAt(path, `expected ${expected}, got ${found}`)];
}

function explainOne(error: ErrorObject, source: YamlSource, hide?: ValueHider): ConfigError {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  const shown = hide?.(path) ?? describeValue(value);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)
        ?.properties;
      const allowed = properties ? Object.keys(properties) : [];
      const hint = allowed.length > 0 ? ` (expected one of: ${allowed.join(', ')})` : '';
      return source.errorAt([...path, key], `unknown key '${key}'${hint}`, { atKey: true });
    }
    case 'required': {
      const key = String(params.missingProperty);
      // The key is absent, so point at the map that should hold it.
      return new ConfigError(`missing required key '${key}'`, {
        file: source.file,
        ...source.locate(path),
        path: formatPath([...path, key]),
      });
    }
    case 'type':
      return source.errorAt(path, `expected ${String(params.type)}, got ${jsonType(value)}`);
    case 'const':
      return source.errorAt(path, `expected ${describeValue(params.allowedValue)}, got ${shown}`);
    case 'enum':
      return source.errorAt(
        path,
        `expected one of ${(params.allowedValues as unknown[]).map(String).join(', ')}, got ${shown}`,
      );
    case 'pattern':
      // A schema can say in words what its pattern means: `patternMessage`, with {value}.
      if (typeof error.parentSchema?.patternMessage === 'string') {
        return source.errorAt(path, error.parentSchema.patternMessage.replace('{value}', shown));
      }
      return source.errorAt(path, `expected a string matching /${String(params.pattern)}/, got ${shown}`);
    case 'minLength':
      return source.errorAt(
        path,
        params.limit === 1
          ? 'expected a non-empty string'
          : `expected at least ${String(params.limit)} characters`,
      );
    case 'minItems':
      return source.errorAt(
        path,
        `expected at least ${String(params.limit)} item(s), got ${(value as unknown[]).length}`,
      );
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return source.errorAt(
        path,
        `expected a number ${String(params.comparison)} ${String(params.limit)}, got ${shown}`,
      );
    default:
      return source.errorAt(path, `${error.message ?? 'is invalid'}`);
  }
}

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

function jsonType(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as JsonType;
  return 'object';
}

function typeMatches(schema: Record<string, unknown>, found: JsonType): boolean {
  if ('const' in schema) return jsonType(schema.const) === found;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  return types.includes(found) || (found === 'integer' && types.includes('number'));
}

function describeSchema(schema: Record<string, unknown>): string {
  if ('const' in schema) return describeValue(schema.const);
  if (typeof schema.type === 'string') {
    if (schema.type === 'string' && typeof schema.pattern === 'string' && schema.pattern === '^[0-9]+$')
      return 'numeric string';
    return schema.type;
  }
  if (Array.isArray(schema.anyOf))
    return (schema.anyOf as Record<string, unknown>[]).map(describeSchema).join(' or ');
  return 'a valid value';
}

/** A short rendering of a found value for messages: strings quoted and truncated. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * Throws what a check found: the ConfigError itself when there is one problem,
 * a ConfigErrors listing all of them when there are several.
 */
export function throwIfAny(errors: readonly ConfigError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ConfigErrors([...errors]);
}

/** The schema's defaults filled into `value` (an empty object by default); the result must conform. */
export function withDefaults<S extends TSchema>(schema: S, value: unknown = {}): Static<S> {
  const validate = validatorFor(schema);
  if (!validate(value))
    throw new Error(`internal: default value does not conform: ${ajv.errorsText(validate.errors)}`);
  return value as Static<S>;
}
