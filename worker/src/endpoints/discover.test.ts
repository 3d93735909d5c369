import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../config/site.js';
import { tempFiles } from '../config/testdata/temp-files.js';
import { discoverEndpoints } from './discover.js';
import type { DiscoveryResult } from './loaded.js';

const SITE = 'mxcp: 1\nproject: demo\nprofile: dev\n';

/** Writes a project holding `files` (plus a minimal mxcp-site.yml) and discovers its endpoints. */
function discover(files: Record<string, string>): DiscoveryResult & { root: string } {
  const root = tempFiles({ 'mxcp-site.yml': SITE, ...files }, 'mxcp-endpoints-');
  const site = loadSiteConfig(root, { env: {} });
  return { ...discoverEndpoints({ repoRoot: root, site }), root };
}

/** `file:line:col: path: message` of every error, in order. */
function failuresOf(result: DiscoveryResult): string[] {
  return result.failures.flatMap((f) => f.errors.map((e) => e.format()));
}

const lines = (...text: string[]) => `${text.join('\n')}\n`;

describe('discoverEndpoints: finding files', () => {
  it('finds .yml and .yaml files recursively, in a stable sorted order, with their kinds', () => {
    const result = discover({
      'tools/b.yml': lines('tool:', '  name: b', '  source: {code: "SELECT 1"}'),
      'tools/nested/a.yaml': lines('tool:', '  name: a', '  source: {code: "SELECT 1"}'),
      'resources/r.yml': lines('resource:', '  uri: data://all', '  source: {code: "SELECT 1"}'),
      'prompts/p.yml': lines('prompt:', '  name: p', '  messages:', '    - prompt: Hello'),
      'tools/notes.txt': 'not an endpoint',
    });
    expect(result.failures).toEqual([]);
    expect(result.endpoints.map((e) => [e.kind, e.name, e.path])).toEqual([
      ['prompt', 'p', 'prompts/p.yml'],
      ['resource', 'data://all', 'resources/r.yml'],
      ['tool', 'b', 'tools/b.yml'],
      ['tool', 'a', 'tools/nested/a.yaml'],
    ]);
  });

  it('reads SQL from a file next to the YAML, or from the repo root with a leading slash', () => {
    const result = discover({
      'tools/one.yml': lines('tool:', '  name: one', '  source: {file: ../sql/one.sql}'),
      'tools/two.yml': lines('tool:', '  name: two', '  source: {file: /sql/two.sql}'),
      'sql/one.sql': 'SELECT 1 AS one',
      'sql/two.sql': 'SELECT 2 AS two',
    });
    expect(result.failures).toEqual([]);
    const [one, two] = result.endpoints;
    expect(one.source).toEqual({
      kind: 'sql',
      sql: 'SELECT 1 AS one',
      file: join(result.root, 'sql', 'one.sql'),
    });
    expect(two.source).toEqual({
      kind: 'sql',
      sql: 'SELECT 2 AS two',
      file: join(result.root, 'sql', 'two.sql'),
    });
  });

  it('resolves a Python source file and infers the language from a .py file', () => {
    const result = discover({
      'tools/py.yml': lines('tool:', '  name: py', '  language: python', '  source: {file: ../python/py.py}'),
      'tools/inferred.yml': lines('tool:', '  name: inferred', '  source: {file: ../python/py.py}'),
      'python/py.py': 'def py():\n    return 1\n',
    });
    expect(result.failures).toEqual([]);
    expect(result.endpoints.map((e) => e.source)).toEqual([
      { kind: 'python', file: join(result.root, 'python', 'py.py') },
      { kind: 'python', file: join(result.root, 'python', 'py.py') },
    ]);
  });

  it('accepts a file whose kind does not match its folder, by its top-level key', () => {
    const result = discover({
      'tools/res.yml': lines('resource:', '  uri: x://y', '  source: {code: "SELECT 1"}'),
    });
    expect(result.failures).toEqual([]);
    expect(result.endpoints.map((e) => [e.kind, e.name])).toEqual([['resource', 'x://y']]);
  });

  it('keeps enabled: false endpoints apart, without checking their sources', () => {
    const result = discover({
      'tools/off.yml': lines('tool:', '  name: off', '  enabled: false', '  source: {file: missing.sql}'),
      'tools/on.yml': lines('tool:', '  name: off', '  source: {code: "SELECT 1"}'),
    });
    expect(result.failures).toEqual([]);
    expect(result.disabled.map((e) => e.path)).toEqual(['tools/off.yml']);
    expect(result.endpoints.map((e) => e.path)).toEqual(['tools/on.yml']);
  });

  it('locates fields of a loaded endpoint for later stages', () => {
    const result = discover({
      'tools/t.yml': lines(
        'tool:',
        '  name: t',
        '  parameters:',
        '    - name: a',
        '      type: string',
        '  source: {code: "SELECT $a"}',
      ),
    });
    expect(result.endpoints[0].locate(['tool', 'parameters', 0, 'type'])).toEqual({ line: 5, column: 13 });
  });
});

describe('discoverEndpoints: file-level errors', () => {
  it('reports malformed YAML with its line and column', () => {
    const result = discover({
      'tools/bad.yml': lines('tool:', '  name: bad', '  tags: [a, b', '  source: {code: x}'),
    });
    expect(result.failures).toHaveLength(1);
    expect(failuresOf(result)).toEqual([
      'tools/bad.yml:4:3: Invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('requires exactly one of tool, resource and prompt', () => {
    const result = discover({
      'tools/none.yml': lines('mxcp: 1', 'metadata: {}'),
      'tools/two.yml': lines(
        'tool:',
        '  name: t',
        '  source: {code: "SELECT 1"}',
        'prompt:',
        '  name: p',
        '  messages: [{prompt: hi}]',
      ),
    });
    expect(failuresOf(result)).toEqual([
      'tools/none.yml:1:1: Endpoint definition must include a tool, resource, or prompt definition',
      'tools/two.yml:4:1: prompt: Endpoint definition must contain exactly one endpoint type (found: tool, prompt)',
    ]);
  });

  it('reports unknown keys at several depths with path and line', () => {
    const result = discover({
      'tools/t.yml': lines(
        'tool:',
        '  name: t',
        '  descripton: typo',
        '  parameters:',
        '    - name: a',
        '      type: array',
        '      items:',
        '        type: string',
        '        maxLen: 3',
        '  source: {code: "SELECT 1", dialect: duckdb}',
        'extra: true',
      ),
    });
    expect(result.failures[0].errors.map((e) => [e.path, e.line])).toEqual([
      ['tool.descripton', 3],
      ['tool.parameters[0].items.maxLen', 9],
      ['tool.source.dialect', 10],
      ['extra', 11],
    ]);
    expect(result.failures[0].errors[0].message).toMatch(
      /^unknown key 'descripton' \(expected one of: name, annotations, description, /,
    );
  });

  it('reports wrong types and an invalid type name in one readable message each', () => {
    const result = discover({
      'tools/t.yml': lines(
        'tool:',
        '  name: t',
        '  tags: web',
        '  parameters:',
        '    - name: a',
        '      type: strng',
        '      minLength: "2"',
        '  source: {code: "SELECT 1"}',
      ),
    });
    expect(failuresOf(result)).toEqual([
      'tools/t.yml:3:9: tool.tags: expected array, got string',
      "tools/t.yml:6:13: tool.parameters[0].type: expected one of string, number, integer, boolean, array, object, got 'strng'",
      'tools/t.yml:7:18: tool.parameters[0].minLength: expected integer, got string',
    ]);
  });

  it('rejects parameter names that are not identifiers, and duplicate parameter names', () => {
    const result = discover({
      'tools/t.yml': lines(
        'tool:',
        '  name: t',
        '  parameters:',
        '    - {name: 1st, type: string}',
        '    - {name: user-id, type: string}',
        '  source: {code: "SELECT 1"}',
      ),
      'tools/u.yml': lines(
        'tool:',
        '  name: u',
        '  parameters:',
        '    - {name: a, type: string}',
        '    - {name: a, type: integer}',
        '  source: {code: "SELECT 1"}',
      ),
    });
    expect(failuresOf(result)).toEqual([
      "tools/t.yml:4:14: tool.parameters[0].name: invalid name '1st': must start with a letter or '_' and contain only letters, digits and '_'",
      "tools/t.yml:5:14: tool.parameters[1].name: invalid name 'user-id': must start with a letter or '_' and contain only letters, digits and '_'",
      "tools/u.yml:5:14: tool.parameters[1].name: duplicate parameter name 'a' (also parameters[0])",
    ]);
  });

  it('rejects a default that its own parameter would refuse', () => {
    const result = discover({
      'tools/t.yml': lines(
        'tool:',
        '  name: t',
        '  parameters:',
        '    - {name: colour, type: string, enum: [red, green], default: blue}',
        '    - {name: n, type: integer, default: "ten"}',
        '    - {name: m, type: number, minimum: 0, default: -1}',
        '    - {name: ok, type: string, default: null}',
        '  source: {code: "SELECT 1"}',
      ),
    });
    expect(result.failures[0].errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      `tool.parameters[0].default: default 'blue' is not one of the enum values: "red", "green"`,
      "tool.parameters[1].default: default 'ten' does not match the parameter type 'integer'",
      'tool.parameters[2].default: default -1 is below minimum 0',
    ]);
  });
});

describe('discoverEndpoints: sources', () => {
  it('reports a missing source file at tool.source.file', () => {
    const result = discover({
      'tools/t.yml': lines('tool:', '  name: t', '  source:', '    file: ../sql/missing.sql'),
    });
    expect(failuresOf(result)).toEqual([
      "tools/t.yml:4:11: tool.source.file: Source file not found: ../sql/missing.sql (looked for sql/missing.sql; a relative path is resolved from the YAML file's folder, a leading '/' from the project root)",
    ]);
  });

  it('requires exactly one of code and file', () => {
    const result = discover({
      'tools/both.yml': lines('tool:', '  name: both', '  source: {code: "SELECT 1", file: x.sql}'),
      'tools/neither.yml': lines('tool:', '  name: neither', '  source: {}'),
    });
    expect(result.failures.map((f) => f.errors[0].message)).toEqual([
      "Source must provide exactly one of 'code' or 'file'",
      "Source must provide exactly one of 'code' or 'file'",
    ]);
    expect(result.failures[0].errors[0].path).toBe('tool.source');
  });

  it('requires a file for Python endpoints', () => {
    const result = discover({
      'tools/t.yml': lines('tool:', '  name: t', '  language: python', '  source: {code: "def t(): pass"}'),
    });
    expect(failuresOf(result)).toEqual([
      'tools/t.yml:4:18: tool.source.code: Python endpoints must specify source.file',
    ]);
  });
});

describe('discoverEndpoints: duplicates', () => {
  it('fails every file that defines the same name, across kinds and folders', () => {
    const result = discover({
      'tools/a.yml': lines('tool:', '  name: report', '  source: {code: "SELECT 1"}'),
      'tools/sub/b.yml': lines('tool:', '  name: report', '  source: {code: "SELECT 2"}'),
      'prompts/c.yml': lines('prompt:', '  name: report', '  messages: [{prompt: hi}]'),
      'tools/unique.yml': lines('tool:', '  name: unique', '  source: {code: "SELECT 3"}'),
    });
    expect(result.endpoints.map((e) => e.name)).toEqual(['unique']);
    expect(result.failures.map((f) => f.path)).toEqual(['prompts/c.yml', 'tools/a.yml', 'tools/sub/b.yml']);
    expect(failuresOf(result)).toEqual([
      "prompts/c.yml:2:9: prompt.name: Duplicate endpoint name 'report' found in: prompts/c.yml, tools/a.yml, tools/sub/b.yml",
      "tools/a.yml:2:9: tool.name: Duplicate endpoint name 'report' found in: prompts/c.yml, tools/a.yml, tools/sub/b.yml",
      "tools/sub/b.yml:2:9: tool.name: Duplicate endpoint name 'report' found in: prompts/c.yml, tools/a.yml, tools/sub/b.yml",
    ]);
  });

  it('says URI when resources share a URI', () => {
    const result = discover({
      'resources/a.yml': lines('resource:', '  uri: data://x', '  source: {code: "SELECT 1"}'),
      'resources/b.yml': lines('resource:', '  uri: data://x', '  source: {code: "SELECT 1"}'),
    });
    expect(result.failures[0].errors[0].message).toBe(
      "Duplicate endpoint URI 'data://x' found in: resources/a.yml, resources/b.yml",
    );
    expect(result.failures).toHaveLength(2);
  });
});

describe('discoverEndpoints: resources and prompts', () => {
  it('rejects a resource parameter that is not a placeholder in the URI', () => {
    const result = discover({
      'resources/r.yml': lines(
        'resource:',
        '  uri: users://{id}',
        '  parameters:',
        '    - {name: id, type: string}',
        '    - {name: limit, type: integer}',
        '  source: {code: "SELECT $id, $limit"}',
      ),
    });
    expect(failuresOf(result)).toEqual([
      "resources/r.yml:4:5: resource.parameters: Resource parameter(s) ['limit'] are not used in uri 'users://{id}'. Put them in the uri or make a 'tool:' instead.",
    ]);
  });

  it('rejects a URI placeholder with no declared parameter', () => {
    const result = discover({
      'resources/r.yml': lines(
        'resource:',
        '  uri: users://{org}/{id}',
        '  parameters:',
        '    - {name: id, type: string}',
        '  source: {code: "SELECT $id"}',
      ),
    });
    expect(failuresOf(result)).toEqual([
      "resources/r.yml:2:8: resource.uri: URI placeholder(s) ['org'] in uri 'users://{org}/{id}' have no matching parameter. Declare them under 'parameters:'.",
    ]);
  });

  it('rejects RFC 6570 expressions the engine cannot match, like {+path} or {a,b}', () => {
    const result = discover({
      'resources/r.yml': lines(
        'resource:',
        '  uri: files://{+path}/{a,b}',
        '  parameters:',
        '    - {name: path, type: string}',
        '  source: {code: "SELECT $path"}',
      ),
    });
    expect(failuresOf(result)[0]).toBe(
      'resources/r.yml:2:8: resource.uri: URI template expression(s) {+path}, {a,b} not supported: use plain {name} placeholders',
    );
  });

  it('rejects a prompt without messages', () => {
    const result = discover({ 'prompts/p.yml': lines('prompt:', '  name: p', '  messages: []') });
    expect(failuresOf(result)).toEqual([
      'prompts/p.yml:3:13: prompt.messages: Prompt must have at least one message',
    ]);
  });

  it('reports template variables that are not parameters, ignoring loop variables and set targets', () => {
    const result = discover({
      'prompts/p.yml': lines(
        'prompt:',
        '  name: p',
        '  parameters:',
        '    - {name: topic, type: string}',
        '    - {name: items, type: array}',
        '  messages:',
        '    - prompt: "Write about {{ topic | upper }}"',
        '    - prompt: "{% set n = 3 %}{% for it in items %}{{ it.title }} {{ loop.index }} {{ n }}{% endfor %} for {{ user.name }} in {{ tone }}"',
      ),
    });
    expect(failuresOf(result)).toEqual([
      'prompts/p.yml:8:15: prompt.messages[1].prompt: Message 1 uses undefined template variables: tone, user',
    ]);
  });

  it('reports a template that does not parse', () => {
    const result = discover({
      'prompts/p.yml': lines('prompt:', '  name: p', '  messages:', '    - prompt: "Hello {{ name "'),
    });
    expect(result.failures[0].errors[0].message).toMatch(/^Message 0 has invalid template syntax: /);
  });
});
