import { describe, expect, it } from 'vitest';
import type { TypeDefinition } from '../endpoints/schema.js';
import {
  REDACTED,
  compileParameterMask,
  compileSensitiveFilter,
  compileSensitiveMask,
  hasSensitive,
} from './sensitive.js';

const user: TypeDefinition = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    ssn: { type: 'string', sensitive: true },
    accounts: {
      type: 'array',
      items: {
        type: 'object',
        properties: { iban: { type: 'string', sensitive: true }, bank: { type: 'string' } },
      },
    },
  },
};

describe('sensitive types', () => {
  it('finds sensitive parts at any depth', () => {
    expect(hasSensitive(user)).toBe(true);
    expect(
      hasSensitive({ type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } }),
    ).toBe(false);
  });

  it('filter_sensitive_fields removes sensitive properties recursively and keeps undeclared keys', () => {
    const value = { name: 'ann', ssn: '1', extra: 'kept', accounts: [{ iban: 'X', bank: 'B' }] };
    expect(compileSensitiveFilter(user)(value)).toEqual({
      name: 'ann',
      extra: 'kept',
      accounts: [{ bank: 'B' }],
    });
    expect(value.ssn).toBe('1');
  });

  it('filter_sensitive_fields drops undeclared keys of a closed object and nulls a sensitive root', () => {
    expect(compileSensitiveFilter({ ...user, additionalProperties: false })({ name: 'a', extra: 1 })).toEqual(
      {
        name: 'a',
      },
    );
    expect(compileSensitiveFilter({ type: 'string', sensitive: true })('secret')).toBeNull();
    expect(
      compileSensitiveFilter({ type: 'array', items: { type: 'string', sensitive: true } })(['a', 'b']),
    ).toEqual([null, null]);
  });

  it('masks sensitive parts with [REDACTED] and leaves the rest', () => {
    expect(
      compileSensitiveMask(user)({ name: 'ann', ssn: '1', accounts: [{ iban: 'X', bank: 'B' }] }),
    ).toEqual({
      name: 'ann',
      ssn: REDACTED,
      accounts: [{ iban: REDACTED, bank: 'B' }],
    });
  });

  it('returns values untouched (same reference) for types without sensitive parts', () => {
    const value = { a: 1 };
    expect(compileSensitiveMask({ type: 'object' })(value)).toBe(value);
  });

  it('masks sensitive parameters for the audit log', () => {
    const mask = compileParameterMask([
      { name: 'user', type: 'string' },
      { name: 'password', type: 'string', sensitive: true },
      { name: 'profile', type: 'object', properties: { token: { type: 'string', sensitive: true } } },
    ]);
    expect(mask({ user: 'a', password: 'p', profile: { token: 't', x: 1 } })).toEqual({
      user: 'a',
      password: REDACTED,
      profile: { token: REDACTED, x: 1 },
    });
    const plain = compileParameterMask([{ name: 'user', type: 'string' }]);
    expect(plain({ user: 'a' })).toEqual({ user: 'a' });
  });
});
