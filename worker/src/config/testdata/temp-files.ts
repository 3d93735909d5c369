// Test helpers for the loaders: throwaway folders holding exactly the files a
// test writes (so each test shows its input), removed after each test, and the
// ConfigErrors a call throws.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { ConfigError, ConfigErrors } from '../errors.js';

const created: string[] = [];
afterEach(() => created.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temp folder holding exactly `files` (path → content); removed after the test. */
export function tempFiles(files: Record<string, string>, prefix = 'mxcp-test-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  created.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The ConfigErrors `fn` throws (one or several); fails the test if it throws nothing or something else. */
export function errorsOf(fn: () => unknown): ConfigError[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors;
    if (err instanceof ConfigError) return [err];
    throw err;
  }
  throw new Error('expected a config error');
}
