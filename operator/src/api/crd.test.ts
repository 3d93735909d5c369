// The CRD is generated from the TypeBox schema: the files on disk must be
// current, the schema must be structural (or a real API server rejects it),
// its defaults valid, and it must accept the sample projects and reject
// malformed ones. The CEL rules are compiled and evaluated with a CEL
// implementation against the same cases as render's TypeScript checks.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { toCel } from '../../../worker/src/policy/index.js';
import { validateProject, withDefaults } from '../render/index.js';
import {
  CRD_FILE,
  buildCrd,
  openApiSchema,
  renderCrdMarkdown,
  renderCrdYaml,
  type JsonSchema,
} from './index.js';
import type { MxcpProject } from './index.js';

const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
const REPO_ROOT = join(import.meta.dirname, '../../..');
const TESTDATA = join(import.meta.dirname, '../render/testdata');

function samples(): MxcpProject[] {
  return readdirSync(TESTDATA)
    .filter((f) => f.endsWith('.cr.yaml'))
    .sort()
    .map((f) => parseYaml(readFileSync(join(TESTDATA, f), 'utf8')) as MxcpProject);
}

function crdValidator() {
  // useDefaults: the API server fills defaults before it validates.
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  return ajv.compile(openApiSchema());
}

describe('generated CRD files', () => {
  it(`${CRD_FILE} is current (run the CRD generator to refresh)`, () => {
    expect(readFileSync(join(REPO_ROOT, CRD_FILE), 'utf8')).toBe(renderCrdYaml());
  });

  it('docs/crd.md is current (run the CRD generator to refresh)', () => {
    expect(readFileSync(join(REPO_ROOT, 'docs/crd.md'), 'utf8')).toBe(renderCrdMarkdown());
  });

  it('the YAML file parses back to the CRD object', () => {
    expect(parseYaml(renderCrdYaml())).toEqual(buildCrd());
  });
});

/** Every violation of the structural-schema rules the API server enforces. */
function structuralProblems(node: JsonSchema, path: string): string[] {
  const problems: string[] = [];
  for (const forbidden of [
    'const',
    'oneOf',
    'allOf',
    'not',
    '$ref',
    'patternProperties',
    '$id',
    'definitions',
  ]) {
    if (forbidden in node) problems.push(`${path}: ${forbidden} is not allowed`);
  }
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  if (node.anyOf && !intOrString) problems.push(`${path}: anyOf outside int-or-string`);
  if (!node.type && !intOrString && !node['x-kubernetes-preserve-unknown-fields'])
    problems.push(`${path}: no type`);
  if (node.properties && node.additionalProperties !== undefined) {
    problems.push(`${path}: properties and additionalProperties together`);
  }
  if (node.additionalProperties === false) problems.push(`${path}: additionalProperties: false`);
  if (node['x-kubernetes-list-type'] === 'map') {
    const items = node.items as JsonSchema;
    for (const key of node['x-kubernetes-list-map-keys'] as string[]) {
      if (!(items.required as string[] | undefined)?.includes(key))
        problems.push(`${path}: map key ${key} not required`);
    }
  }
  for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
    problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (node.items) problems.push(...structuralProblems(node.items as JsonSchema, `${path}[]`));
  if (typeof node.additionalProperties === 'object') {
    problems.push(...structuralProblems(node.additionalProperties as JsonSchema, `${path}{}`));
  }
  return problems;
}

function* nodesWithDefaults(node: JsonSchema, path: string): Generator<[string, JsonSchema]> {
  if (node.default !== undefined) yield [path, node];
  for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
    yield* nodesWithDefaults(child, `${path}.${name}`);
  }
  if (node.items) yield* nodesWithDefaults(node.items as JsonSchema, `${path}[]`);
}

describe('CRD schema', () => {
  const crd = buildCrd() as {
    spec: { versions: { schema: { openAPIV3Schema: JsonSchema }; subresources: unknown }[] };
  };
  const schema = crd.spec.versions[0].schema.openAPIV3Schema;

  it('is structural: every node typed, no unions, refs or closed objects', () => {
    expect(structuralProblems(schema, 'root')).toEqual([]);
  });

  it('has a status subresource, the short name mxcp and no categories', () => {
    const spec = buildCrd().spec as { names: Record<string, unknown>; versions: { subresources: unknown }[] };
    expect(spec.versions[0].subresources).toEqual({ status: {} });
    expect(spec.names.shortNames).toEqual(['mxcp']);
    expect(spec.names.categories).toBeUndefined();
  });

  it('every default is valid against the schema it sits in', () => {
    const ajv = new Ajv({ strict: false });
    const defaults = [...nodesWithDefaults(schema, 'root')];
    expect(defaults.length).toBeGreaterThan(10);
    for (const [path, node] of defaults) {
      const { default: value, ...rest } = node;
      expect(ajv.validate(rest, value), `${path}: ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
  });

  it('accepts every sample project', () => {
    const validate = crdValidator();
    for (const project of samples()) {
      expect(validate(project), `${project.metadata.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it.each([
    ['negative replicas', { replicas: -1 }],
    ['an unknown DuckDB mode', { duckdb: { mode: 'shared' } }],
    ['an unknown auth provider', { auth: { provider: 'facebook' } }],
    ['a malformed storage size', { audit: { enabled: true, storage: { size: 'lots' } } }],
    ['a retention of zero days', { audit: { enabled: true, retentionDays: 0 } }],
    [
      'a secret without keys',
      { secrets: [{ name: 'db', type: 'database', secretRef: { name: 'db' }, keys: {} }] },
    ],
    ['replicas as a string', { replicas: '3' }],
    ['a relative baseUrl', { auth: { provider: 'none', baseUrl: 'example.com' } }],
  ])('rejects %s', (_what, change) => {
    const validate = crdValidator();
    const project = { ...samples()[0], spec: { ...samples()[0].spec, ...change } };
    expect(validate(project)).toBe(false);
  });
});

describe('CEL rules', () => {
  const env = celEnv();
  interface Rule {
    rule: string;
    message: string;
  }
  const schema = openApiSchema();
  const spec = (schema.properties as Record<string, JsonSchema>).spec;
  const rulesAt = (node: JsonSchema) => (node['x-kubernetes-validations'] as Rule[] | undefined) ?? [];

  /** Every rule with the path (from spec) of the node it is declared on. */
  function* allRules(node: JsonSchema, path: string[]): Generator<[string[], Rule]> {
    for (const rule of rulesAt(node)) yield [path, rule];
    for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
      yield* allRules(child, [...path, name]);
    }
  }

  /** The messages of the rules a (defaulted) spec breaks, evaluated as the API server would. */
  function celViolations(specValue: Record<string, unknown>): string[] {
    const broken: string[] = [];
    for (const [path, rule] of allRules(spec, [])) {
      let self: unknown = specValue;
      for (const key of path) self = (self as Record<string, unknown> | undefined)?.[key];
      if (self === undefined) continue; // rules on absent objects do not run
      const result = plan(env, parse(rule.rule))({ self: toCel(self) });
      if (isCelError(result)) throw new Error(`${rule.rule}: ${result.message}`);
      if (result !== true) broken.push(rule.message);
    }
    return broken.sort();
  }

  it('every rule parses and plans', () => {
    const rules = [...allRules(spec, [])];
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const [, { rule }] of rules) expect(() => plan(env, parse(rule))).not.toThrow();
    for (const { rule } of rulesAt(schema)) expect(() => plan(env, parse(rule))).not.toThrow();
  });

  const site = { 'mxcp-site.yml': 'mxcp: 1\nproject: p\nprofile: default\n' };
  const cases: [string, Record<string, unknown>][] = [
    ['a minimal project', { files: site }],
    ['no files at all', {}],
    ['both files and a ConfigMap', { files: site, configMapRef: { name: 'x' } }],
    ['files without mxcp-site.yml', { files: { 'tools/a.yml': 'x' } }],
    ['a persistent DuckDB with 2 replicas', { files: site, replicas: 2, duckdb: { mode: 'persistent' } }],
    [
      'a persistent DuckDB with 1 replica',
      { files: site, duckdb: { mode: 'persistent', storage: { size: '1Gi' } } },
    ],
    ['stateful sessions with 3 replicas', { files: site, replicas: 3, transport: { stateless: false } }],
    ['stateful sessions with 1 replica', { files: site, transport: { stateless: false } }],
    [
      'audit on RWO storage with 2 replicas',
      { files: site, replicas: 2, audit: { enabled: true, storage: {} } },
    ],
    ['audit without storage and 2 replicas', { files: site, replicas: 2, audit: { enabled: true } }],
    [
      'audit on RWX storage with 2 replicas',
      { files: site, replicas: 2, audit: { enabled: true, storage: { accessModes: ['ReadWriteMany'] } } },
    ],
    ['a readonly DuckDB shared RWO', { files: site, replicas: 2, duckdb: { mode: 'readonly', storage: {} } }],
    [
      'a readonly DuckDB on an existing claim',
      { files: site, replicas: 2, duckdb: { mode: 'readonly', storage: { existingClaim: 'snap' } } },
    ],
    ['init SQL on a readonly DuckDB', { files: site, duckdb: { mode: 'readonly', initSql: 'select 1' } }],
    ['storage for an ephemeral DuckDB', { files: site, duckdb: { mode: 'ephemeral', storage: {} } }],
    ['github without a client secret', { files: site, auth: { provider: 'github', clientId: 'x' } }],
    [
      'keycloak without a realm',
      {
        files: site,
        auth: { provider: 'keycloak', clientId: 'x', clientSecretRef: { name: 's', key: 'k' } },
      },
    ],
    [
      'oidc without configUrl',
      { files: site, auth: { provider: 'oidc', clientId: 'x', clientSecretRef: { name: 's', key: 'k' } } },
    ],
    [
      'verifier mode with github',
      {
        files: site,
        auth: {
          provider: 'github',
          mode: 'verifier',
          clientId: 'x',
          clientSecretRef: { name: 's', key: 'k' },
        },
      },
    ],
    ['telemetry without an endpoint', { files: site, telemetry: { enabled: true } }],
    ['the admin port on the MCP port', { files: site, admin: { port: 8000 } }],
  ];

  it.each(cases)('CEL and validateProject agree on %s', (_what, specValue) => {
    const project = {
      apiVersion: 'mxcp.dev/v1alpha1',
      kind: 'MxcpProject',
      metadata: { name: 'p' },
      spec: specValue,
    } as MxcpProject;
    const defaulted = withDefaults(project).project.spec as Record<string, unknown>;
    const cel = celViolations(defaulted);
    const ts = validateProject(project)
      .map((p) => p.message)
      .sort();
    expect(ts).toEqual(cel);
  });

  it('the root rules check the name the way validateProject does', () => {
    const root = rulesAt(schema);
    const broken = (name: string) =>
      root.filter(({ rule }) => plan(env, parse(rule))({ self: toCel({ metadata: { name } }) }) !== true)
        .length;
    expect(broken('weather')).toBe(0);
    expect(broken('Weather')).toBe(1);
    expect(broken('w'.repeat(41))).toBe(1);
    expect(broken('1weather')).toBe(1);
  });
});
