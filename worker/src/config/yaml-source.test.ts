import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { checkSchema } from './schema-check.js';
import { formatPath, parseYaml } from './yaml-source.js';

describe('parseYaml', () => {
  it('reports a YAML syntax error with file, line and column', () => {
    const text = ['tool:', '  name: x', '  description: [unclosed', '  other: 1', ''].join('\n');
    let error: unknown;
    try {
      parseYaml(text, 'tools/x.yml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.file).toBe('tools/x.yml');
    expect(configError.line).toBeGreaterThanOrEqual(3);
    expect(configError.column).toBeGreaterThan(0);
    expect(configError.message).toMatch(/^Invalid YAML: /);
  });

  it('reports a duplicate key as a syntax error on the repeated key', () => {
    expect(() => parseYaml('a: 1\nb: 2\na: 3\n', 'f.yml')).toThrow(
      expect.objectContaining({ line: 3, column: 1 }),
    );
  });

  it('locates values, keys and the closest existing parent of a missing path', () => {
    const source = parseYaml(
      ['tool:', '  name: x', '  parameters:', '    - name: a', '      type: strng', ''].join('\n'),
      'f.yml',
    );
    expect(source.locate(['tool', 'parameters', 0, 'type'])).toEqual({ line: 5, column: 13 });
    expect(source.locateKey(['tool', 'parameters', 0, 'type'])).toEqual({ line: 5, column: 7 });
    expect(source.locate(['tool', 'parameters', 0, 'missing'])).toEqual({ line: 4, column: 7 });
    expect(source.locate(['tool', 'nothing', 'deeper'])).toEqual({ line: 2, column: 3 });
  });
});

describe('formatPath', () => {
  it('renders keys with dots and indexes with brackets', () => {
    expect(formatPath(['tool', 'parameters', 0, 'items', 'type'])).toBe('tool.parameters[0].items.type');
    expect(formatPath([])).toBe('');
  });
});

describe('checkSchema', () => {
  const Schema = Type.Object(
    {
      kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
      count: Type.Integer({ default: 1 }),
      nested: Type.Object({ flag: Type.Boolean() }, { additionalProperties: false }),
      either: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    },
    { additionalProperties: false },
  );

  it('collapses a union of literals into one message listing the choices', () => {
    const source = parseYaml('kind: c\nnested: {flag: true}\n', 'f.yml');
    const { errors } = checkSchema(Schema, source);
    expect(errors.map((e) => e.format())).toEqual(["f.yml:1:7: kind: expected one of a, b, got 'c'"]);
  });

  it('names an unknown key with the keys allowed at that place', () => {
    const source = parseYaml('kind: a\nnested:\n  flag: true\n  extra: 1\n', 'f.yml');
    const { errors } = checkSchema(Schema, source);
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe('nested.extra');
    expect(errors[0].line).toBe(4);
    expect(errors[0].message).toBe("unknown key 'extra' (expected one of: flag)");
  });

  it('says what type was expected and what was found', () => {
    const source = parseYaml('kind: a\ncount: "many"\nnested: {flag: 1}\neither: 3\n', 'f.yml');
    const messages = checkSchema(Schema, source).errors.map((e) => `${e.path}: ${e.message}`);
    expect(messages).toEqual([
      'count: expected integer, got string',
      'nested.flag: expected boolean, got integer',
      'either: expected string or null, got integer',
    ]);
  });

  it('reports a missing required key at the map that should hold it', () => {
    const source = parseYaml('kind: a\nnested: {}\n', 'f.yml');
    const [error] = checkSchema(Schema, source).errors;
    expect(error.path).toBe('nested.flag');
    expect(error.message).toBe("missing required key 'flag'");
    expect(error.line).toBe(2);
  });

  it('fills in schema defaults when the value conforms', () => {
    const source = parseYaml('kind: b\nnested: {flag: false}\n', 'f.yml');
    const { value, errors } = checkSchema(Schema, source);
    expect(errors).toEqual([]);
    expect(value.count).toBe(1);
  });
});
