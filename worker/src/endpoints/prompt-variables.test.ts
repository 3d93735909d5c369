import { describe, expect, it } from 'vitest';
import { TemplateSyntaxError, templateVariables } from './prompt-variables.js';

describe('templateVariables', () => {
  it('returns the base name of attribute and item lookups', () => {
    expect(templateVariables('{{ user.name }} {{ order["id"] }} {{ a.b.c }}')).toEqual([
      'a',
      'order',
      'user',
    ]);
  });

  it('does not count filter names, test names or keyword argument names', () => {
    expect(
      templateVariables('{{ x | default(y) | upper }} {% if z is defined %}{% endif %} {{ f(k=v) }}'),
    ).toEqual(['f', 'v', 'x', 'y', 'z']);
  });

  it('treats loop variables, loop and set targets as defined', () => {
    expect(
      templateVariables(
        '{% set total = 0 %}{% for k, v in pairs %}{{ k }}={{ v }} {{ loop.index }} {{ total }}{% endfor %}',
      ),
    ).toEqual(['pairs']);
  });

  it('does not let a loop variable leak out of its loop', () => {
    expect(templateVariables('{% for it in items %}{{ it }}{% endfor %}{{ it }}')).toEqual(['it', 'items']);
  });

  it('treats macro arguments as defined inside the macro only', () => {
    expect(
      templateVariables('{% macro row(a, b=fallback) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ row(1) }}'),
    ).toEqual(['c', 'fallback']);
  });

  it('ignores Jinja globals such as range', () => {
    expect(templateVariables('{% for i in range(n) %}{{ i }}{% endfor %}')).toEqual(['n']);
  });

  it('throws a TemplateSyntaxError for a template that does not parse', () => {
    expect(() => templateVariables('{{ unclosed ')).toThrow(TemplateSyntaxError);
  });
});
