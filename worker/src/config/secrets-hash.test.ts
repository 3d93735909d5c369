import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecretEntries, hashSecretsDir } from './secrets-hash.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-secrets-hash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('hashSecretEntries', () => {
  it('is SHA-256 over name NUL content NUL for each entry sorted by name', () => {
    const expected = createHash('sha256').update('a\0one\0b\0two\0').digest('hex');
    expect(
      hashSecretEntries([
        ['b', 'two'],
        ['a', 'one'],
      ]),
    ).toBe(expected);
  });

  it('distinguishes moving bytes between name and content', () => {
    expect(hashSecretEntries([['ab', 'c']])).not.toBe(hashSecretEntries([['a', 'bc']]));
  });

  it('hashes no entries as SHA-256 of nothing', () => {
    expect(hashSecretEntries([])).toBe(createHash('sha256').digest('hex'));
  });
});

describe('hashSecretsDir', () => {
  it('matches the hash of the same data given as entries', () => {
    writeFileSync(join(dir, 'password'), 'hunter2\n');
    writeFileSync(join(dir, 'api-key'), 'k');
    expect(hashSecretsDir(dir)).toBe(
      hashSecretEntries([
        ['password', 'hunter2\n'],
        ['api-key', 'k'],
      ]),
    );
  });

  it('reads a Kubernetes Secret volume through its symlinks and skips the ..data copies', () => {
    const stamped = join(dir, '..2024_01_01_00_00_00.000000001');
    mkdirSync(stamped);
    writeFileSync(join(stamped, 'token'), 'abc');
    symlinkSync('..2024_01_01_00_00_00.000000001', join(dir, '..data'));
    symlinkSync('..data/token', join(dir, 'token'));
    expect(hashSecretsDir(dir)).toBe(hashSecretEntries([['token', 'abc']]));
  });

  it('names files in subdirectories by their relative path', () => {
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'db', 'password'), 'p');
    expect(hashSecretsDir(dir)).toBe(hashSecretEntries([['db/password', 'p']]));
  });

  it('changes when a file changes', () => {
    writeFileSync(join(dir, 'token'), 'one');
    const before = hashSecretsDir(dir);
    writeFileSync(join(dir, 'token'), 'two');
    expect(hashSecretsDir(dir)).not.toBe(before);
  });

  it('throws when the directory is missing', () => {
    expect(() => hashSecretsDir(join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});
