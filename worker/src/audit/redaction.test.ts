import { describe, expect, it } from 'vitest';
import type { TypeDefinition } from '../endpoints/schema.js';
import { compileParameterMask, compileSensitiveMask } from '../types/sensitive.js';
import { applyFieldRedactions, compileRedactor } from './redaction.js';

describe('redaction strategies', () => {
  it('full replaces any value with [REDACTED]', () => {
    const full = compileRedactor({ strategy: 'full' });
    expect(full('secret')).toBe('[REDACTED]');
    expect(full({ a: 1 })).toBe('[REDACTED]');
    expect(compileRedactor()(42)).toBe('[REDACTED]');
  });

  it('partial keeps the ends of long values and fully redacts short ones', () => {
    const partial = compileRedactor({ strategy: 'partial' });
    expect(partial('abcdefgh')).toBe('ab***gh');
    expect(partial('abcdefg')).toBe('[REDACTED]');
    const custom = compileRedactor({
      strategy: 'partial',
      options: { show_first: 4, show_last: 0, min_length: 4 },
    });
    expect(custom('4111111111111111')).toBe('4111***');
  });

  it('hash gives a stable digest with its algorithm as prefix', () => {
    expect(compileRedactor({ strategy: 'hash' })('hello')).toBe(
      'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
    expect(compileRedactor({ strategy: 'hash', options: { algorithm: 'sha1' } })('hello')).toBe(
      'sha1:aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d',
    );
  });

  it('truncate cuts long values and leaves short ones', () => {
    const truncate = compileRedactor({ strategy: 'truncate' });
    expect(truncate('0123456789abc')).toBe('0123456789...');
    expect(truncate('short')).toBe('short');
    expect(compileRedactor({ strategy: 'truncate', options: { length: 3, suffix: '…' } })('abcdef')).toBe(
      'abc…',
    );
  });

  it('email keeps the first letter and the domain', () => {
    const email = compileRedactor({ strategy: 'email' });
    expect(email('user@example.com')).toBe('u***@example.com');
    expect(email('not an email')).toBe('[REDACTED]');
    expect(compileRedactor({ strategy: 'email', options: { preserve_domain: false } })('ann@x.org')).toBe(
      'a***@***',
    );
  });

  it('preserve_type keeps the JSON type with an empty value', () => {
    const keep = compileRedactor({ strategy: 'preserve_type' });
    expect([keep('s'), keep(7), keep(1.5), keep(true), keep([1]), keep({ a: 1 }), keep(null)]).toEqual([
      '[REDACTED]',
      0,
      0,
      false,
      [],
      {},
      null,
    ]);
  });

  it('applies a strategy to nested sensitive fields of parameters and return types', () => {
    const email = compileRedactor({ strategy: 'email' });
    const mask = compileParameterMask(
      [
        { name: 'contact', type: 'string', sensitive: true },
        {
          name: 'people',
          type: 'array',
          items: {
            type: 'object',
            properties: { mail: { type: 'string', sensitive: true }, id: { type: 'integer' } },
          },
        },
      ],
      email,
    );
    expect(mask({ contact: 'bob@corp.io', people: [{ mail: 'eve@corp.io', id: 1 }], other: 'x' })).toEqual({
      contact: 'b***@corp.io',
      people: [{ mail: 'e***@corp.io', id: 1 }],
      other: 'x',
    });
    const returned: TypeDefinition = {
      type: 'object',
      properties: { card: { type: 'object', sensitive: true }, name: { type: 'string' } },
    };
    expect(
      compileSensitiveMask(
        returned,
        compileRedactor({ strategy: 'preserve_type' }),
      )({ card: { n: 1 }, name: 'a' }),
    ).toEqual({
      card: {},
      name: 'a',
    });
  });

  it('field_redactions follow dot paths into objects and arrays without touching the original', () => {
    const record = { input_data: { token: 'abc', rows: [{ ssn: '1' }, { ssn: '2' }] }, other: 1 };
    const out = applyFieldRedactions(record, [
      { field_path: 'input_data.token', strategy: 'full' },
      { field_path: 'input_data.rows.ssn', strategy: 'hash' },
      { field_path: 'input_data.missing.x', strategy: 'full' },
    ]);
    expect(out.input_data.token).toBe('[REDACTED]');
    expect(out.input_data.rows.map((r) => r.ssn.slice(0, 7))).toEqual(['sha256:', 'sha256:']);
    expect(record.input_data.token).toBe('abc');
    expect(out.other).toBe(1);
  });
});
