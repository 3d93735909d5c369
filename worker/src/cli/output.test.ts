import { describe, expect, it } from 'vitest';
import {
  EXPORT_HINT,
  colors,
  errorLine,
  jsonError,
  jsonOk,
  renderTable,
  renderValue,
  useColor,
} from './output.js';

const ESC = '\u001b[';

describe('JSON envelope', () => {
  it('wraps a result as status ok with indent 2', () => {
    expect(jsonOk({ a: 1 })).toBe('{\n  "status": "ok",\n  "result": {\n    "a": 1\n  }\n}');
  });

  it('turns bigints from DuckDB into numbers, or strings when too large', () => {
    expect(JSON.parse(jsonOk([{ n: 5n, big: 2n ** 70n }]))).toEqual({
      status: 'ok',
      result: [{ n: 5, big: '1180591620717411303424' }],
    });
  });

  it('reports an error message, with traceback and type only in debug', () => {
    const err = new TypeError('bad input');
    expect(JSON.parse(jsonError(err))).toEqual({ status: 'error', error: 'bad input' });
    const debug = JSON.parse(jsonError(err, true)) as Record<string, string>;
    expect(debug.status).toBe('error');
    expect(debug.type).toBe('TypeError');
    expect(debug.traceback).toContain('TypeError: bad input');
    expect(JSON.parse(jsonError('plain text'))).toEqual({ status: 'error', error: 'plain text' });
  });
});

describe('colour rule', () => {
  it('colours a TTY unless NO_COLOR is set', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });

  it('makes the helpers the identity when off', () => {
    expect(colors(false).red('x')).toBe('x');
    expect(colors(true).red('x')).toContain(ESC);
  });

  it('formats error lines', () => {
    expect(errorLine('No mxcp-site.yml found')).toBe('Error: No mxcp-site.yml found');
    expect(errorLine('boom', { color: true })).toContain(ESC);
    expect(errorLine('boom', { color: true })).toContain('Error: boom');
  });
});

describe('renderTable', () => {
  const rows = [
    { id: 1, name: 'Ann', meta: { admin: true } },
    { id: 2, name: 'Bob', note: null },
  ];

  it('has a header per key and one line per row', () => {
    const text = renderTable(rows, { color: false });
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/│ id │ name │ meta\s+│ note │/);
    expect(text).toMatch(/│ 1\s+│ Ann\s+│ {"admin":true} │\s+│/);
    expect(text).toMatch(/│ 2\s+│ Bob\s+│\s+│ null │/);
    expect(lines).toHaveLength(6); // top, head, rule, 2 rows, bottom
  });

  it('truncates long cells', () => {
    const text = renderTable([{ s: 'x'.repeat(200) }], { color: false, maxCellWidth: 20 });
    expect(text).toContain(`${'x'.repeat(19)}…`);
    expect(text).not.toContain('x'.repeat(20));
  });

  it('shows the first 100 rows and the export hint beyond that', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ n: i }));
    const text = renderTable(many, { color: false });
    expect(text).toMatch(/│ 99 +│/);
    expect(text).not.toMatch(/│ 100 +│/);
    expect(text).toContain('Showing first 100 of 150 rows');
    expect(text.endsWith(EXPORT_HINT)).toBe(true);
    expect(renderTable(many.slice(0, 100), { color: false })).not.toContain(EXPORT_HINT);
  });

  it('says there are no results for no rows', () => {
    expect(renderTable([], { color: false })).toBe('No results');
  });

  it('has escape codes only with colour', () => {
    expect(renderTable(rows, { color: false })).not.toContain(ESC);
    expect(renderTable(rows, { color: true })).toContain(ESC);
  });
});

describe('renderValue', () => {
  it('prints scalars plainly', () => {
    expect(renderValue('Hello, Ann!', { color: false })).toBe('Hello, Ann!');
    expect(renderValue(42, { color: false })).toBe('42');
    expect(renderValue(false, { color: false })).toBe('false');
    expect(renderValue(null, { color: false })).toBe('null');
  });

  it('prints a flat object as a key/value table', () => {
    const text = renderValue({ name: 'Ann', age: 30 }, { color: false });
    expect(text).toMatch(/│ Key\s+│ Value │/);
    expect(text).toMatch(/│ name\s+│ Ann\s+│/);
    expect(text).toMatch(/│ age\s+│ 30\s+│/);
  });

  it('prints a list of objects as a table and nested or scalar lists as JSON', () => {
    expect(renderValue([{ a: 1 }], { color: false })).toMatch(/│ a │/);
    expect(renderValue([1, 2], { color: false })).toBe('[\n  1,\n  2\n]');
    expect(renderValue({ a: { b: 1 } }, { color: false })).toBe('{\n  "a": {\n    "b": 1\n  }\n}');
  });

  it('has escape codes only with colour', () => {
    expect(renderValue({ a: 1 }, { color: false })).not.toContain(ESC);
    expect(renderValue({ a: 1 }, { color: true })).toContain(ESC);
  });
});
