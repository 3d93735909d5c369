// Static checks on `parameters:` beyond the schema: unique names, and defaults
// that agree with the parameter's own declaration (type, enum, bounds). A
// default that its own parameter would reject is a mistake in the file, not a
// run-time surprise.
import type { ConfigError } from '../config/errors.js';
import { describeValue } from '../config/schema-check.js';
import type { PathSegment, YamlSource } from '../config/yaml-source.js';
import type { Parameter, TypeDefinition } from './schema.js';

export function checkParameters(
  parameters: readonly Parameter[] | undefined,
  source: YamlSource,
  base: readonly PathSegment[],
): ConfigError[] {
  const errors: ConfigError[] = [];
  const seen = new Map<string, number>();
  (parameters ?? []).forEach((parameter, i) => {
    const at = [...base, i];
    const first = seen.get(parameter.name);
    if (first !== undefined) {
      errors.push(
        source.errorAt(
          [...at, 'name'],
          `duplicate parameter name '${parameter.name}' (also parameters[${first}])`,
        ),
      );
    } else {
      seen.set(parameter.name, i);
    }
    if ('default' in parameter) {
      const problem = defaultProblem(parameter, parameter.default);
      if (problem) errors.push(source.errorAt([...at, 'default'], problem));
    }
  });
  return errors;
}

/** Why `value` does not satisfy `type`, or undefined when it does. `null` fits any type, as in MXCP. */
function defaultProblem(type: TypeDefinition, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const typeProblem = typeMismatch(type, value);
  if (typeProblem) return typeProblem;
  if (type.enum && !type.enum.some((allowed) => sameValue(allowed, value))) {
    return `default ${describeValue(value)} is not one of the enum values: ${type.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (typeof value === 'string') {
    if (type.minLength !== undefined && value.length < type.minLength) {
      return `default ${describeValue(value)} is shorter than minLength ${type.minLength}`;
    }
    if (type.maxLength !== undefined && value.length > type.maxLength) {
      return `default ${describeValue(value)} is longer than maxLength ${type.maxLength}`;
    }
  }
  if (typeof value === 'number') {
    if (type.minimum !== undefined && value < type.minimum)
      return `default ${value} is below minimum ${type.minimum}`;
    if (type.maximum !== undefined && value > type.maximum)
      return `default ${value} is above maximum ${type.maximum}`;
    if (type.exclusiveMinimum !== undefined && value <= type.exclusiveMinimum) {
      return `default ${value} is not above exclusiveMinimum ${type.exclusiveMinimum}`;
    }
    if (type.exclusiveMaximum !== undefined && value >= type.exclusiveMaximum) {
      return `default ${value} is not below exclusiveMaximum ${type.exclusiveMaximum}`;
    }
  }
  if (Array.isArray(value)) {
    if (type.minItems !== undefined && value.length < type.minItems) {
      return `default has ${value.length} item(s), fewer than minItems ${type.minItems}`;
    }
    if (type.maxItems !== undefined && value.length > type.maxItems) {
      return `default has ${value.length} item(s), more than maxItems ${type.maxItems}`;
    }
  }
  return undefined;
}

function typeMismatch(type: TypeDefinition, value: unknown): string | undefined {
  const ok = (() => {
    switch (type.type) {
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number';
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'array':
        return Array.isArray(value);
      case 'object':
        return typeof value === 'object' && !Array.isArray(value);
    }
  })();
  if (ok) return undefined;
  return `default ${describeValue(value)} does not match the parameter type '${type.type}'`;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
