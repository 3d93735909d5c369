// `mxcp lint`: metadata-quality rules over one endpoint definition (MXCP-SPEC §1,
// lint rules table). These are advice for LLM-facing quality (descriptions,
// examples, tests), not validity checks: `mxcp validate` owns those.
import type { EndpointDefinition, EndpointKind, Parameter, TypeDefinition } from '../endpoints/schema.js';

export type LintSeverity = 'error' | 'warning' | 'info';

export interface LintIssue {
  severity: LintSeverity;
  /** The endpoint file. */
  path: string;
  /** Where in the definition, e.g. `tool.parameters[0].description`. */
  location: string;
  message: string;
  suggestion: string;
}

export interface LintableEndpoint {
  kind: EndpointKind;
  path: string;
  definition: EndpointDefinition;
}

/** All issues of one endpoint, in definition order. */
export function lintEndpoint(endpoint: LintableEndpoint): LintIssue[] {
  const { kind, path, definition } = endpoint;
  const issues: LintIssue[] = [];
  const add = (severity: LintSeverity, location: string, message: string, suggestion: string) =>
    issues.push({ severity, path, location, message, suggestion });
  const noun = kind.charAt(0).toUpperCase() + kind.slice(1);

  if (!definition.description) {
    add(
      'warning',
      `${kind}.description`,
      `${noun} has no description`,
      `Add a description so LLMs know what this ${kind} does and when to use it`,
    );
  }
  if (!definition.tags || definition.tags.length === 0) {
    add(
      'info',
      `${kind}.tags`,
      `${noun} has no tags`,
      'Add tags to help categorise and discover this endpoint',
    );
  }
  if (kind === 'tool' && !('annotations' in definition && definition.annotations)) {
    add(
      'info',
      'tool.annotations',
      'Tool has no annotations',
      'Add annotations such as readOnlyHint, destructiveHint or idempotentHint to describe its behaviour to clients',
    );
  }

  (definition.parameters ?? []).forEach((param, i) => lintParameter(param, `${kind}.parameters[${i}]`, add));

  if (definition.return) {
    const location = `${kind}.return`;
    if (!definition.return.description) {
      add(
        'warning',
        `${location}.description`,
        'Return type has no description',
        'Describe what the endpoint returns',
      );
    }
    lintNestedTypes(definition.return, location, add);
  }

  // Prompts are exempt: they are templates, and a test of them says little.
  if ((kind === 'tool' || kind === 'resource') && (!definition.tests || definition.tests.length === 0)) {
    add(
      'warning',
      `${kind}.tests`,
      `${noun} has no tests`,
      `Add tests to check this ${kind} works as expected (run them with 'mxcp test')`,
    );
  }
  (definition.tests ?? []).forEach((test, i) => {
    if (!test.description) {
      add(
        'info',
        `${kind}.tests[${i}].description`,
        `Test '${test.name}' has no description`,
        'Describe what the test checks',
      );
    }
  });
  return issues;
}

type AddIssue = (severity: LintSeverity, location: string, message: string, suggestion: string) => void;

function lintParameter(param: Parameter, location: string, add: AddIssue): void {
  if (!param.description) {
    add(
      'error',
      `${location}.description`,
      `Parameter '${param.name}' has no description`,
      'Add a description explaining what this parameter is for and what values it takes',
    );
  }
  if (!param.examples || param.examples.length === 0) {
    add(
      'info',
      `${location}.examples`,
      `Parameter '${param.name}' has no examples`,
      'Add examples to show LLMs valid values',
    );
  }
  if (!('default' in param)) {
    add(
      'info',
      `${location}.default`,
      `Parameter '${param.name}' has no default value`,
      'Consider a default value if the parameter can be optional',
    );
  }
  lintNestedTypes(param, location, add);
}

/** Array items and object properties, at any depth, need descriptions too. */
function lintNestedTypes(type: TypeDefinition | Parameter, location: string, add: AddIssue): void {
  if (type.items) {
    const itemsLocation = `${location}.items`;
    if (!type.items.description) {
      add(
        'warning',
        `${itemsLocation}.description`,
        'Array items have no description',
        'Describe what each item of the array is',
      );
    }
    lintNestedTypes(type.items, itemsLocation, add);
  }
  for (const [name, property] of Object.entries(type.properties ?? {})) {
    const propertyLocation = `${location}.properties.${name}`;
    if (!property.description) {
      add(
        'warning',
        `${propertyLocation}.description`,
        `Property '${name}' has no description`,
        'Describe what this property holds',
      );
    }
    lintNestedTypes(property, propertyLocation, add);
  }
}

export type SeverityFilter = 'all' | 'warning' | 'info';

/**
 * `--severity` as a minimum level. Departs from MXCP, whose `warning` keeps only
 * warnings and `info` only infos, silently dropping errors (MXCP-SPEC §15 #10):
 * here errors are never dropped, `warning` keeps errors and warnings, and
 * `info` (like `all`) keeps everything.
 */
export function filterBySeverity(issues: LintIssue[], level: SeverityFilter): LintIssue[] {
  if (level === 'warning') return issues.filter((i) => i.severity === 'error' || i.severity === 'warning');
  return issues;
}
