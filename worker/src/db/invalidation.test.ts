// A database DuckDB invalidated after a fatal error (regression found by test/reliability's
// faults suite): a checkpoint that cannot write kills the instance for good, so the instance
// is retired and reported, and the next open of the file (what a reload does) gets a fresh,
// working instance instead of sharing the dead one. The fault is made real with `chattr +i`
// on the folder (immutable even for root, which the test runs as).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { invalidatedDatabases } from './instances.js';

const quiet = { debug: () => {}, warn: () => {} };
let dir: string | undefined;
const opened: Database[] = [];

afterEach(async () => {
  if (dir) execFileSync('chattr', ['-i', dir]);
  await Promise.allSettled(opened.splice(0).map((db) => db.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function open(path: string): Promise<Database> {
  const db = await Database.open({ path, readonly: false, poolSize: 2, logger: quiet });
  opened.push(db);
  return db;
}

describe('a database DuckDB invalidated', () => {
  it('is retired and reported, and reopening the file gives a working instance with the data', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mxcp-invalidated-'));
    const path = join(dir, 'data.duckdb');
    const first = await open(path);
    await first.exec('CREATE TABLE t(x INTEGER); CHECKPOINT; INSERT INTO t VALUES (1)');
    execFileSync('chattr', ['+i', dir]);

    await expect(first.exec('CHECKPOINT')).rejects.toThrow(/FATAL/);
    await expect(first.query('SELECT count(*) AS n FROM t')).rejects.toThrow(/invalidated/);
    expect([...invalidatedDatabases().keys()]).toEqual([path]);

    execFileSync('chattr', ['-i', dir]);
    const second = await open(path);
    expect(invalidatedDatabases().size).toBe(0);
    expect(await second.query('SELECT count(*)::INTEGER AS n FROM t')).toEqual([{ n: 1 }]);
    await second.exec('INSERT INTO t VALUES (2)');

    // Closing the dead one must not unregister its successor: a third open shares the live instance.
    await first.close();
    const third = await open(path);
    expect(await third.query('SELECT count(*)::INTEGER AS n FROM t')).toEqual([{ n: 2 }]);
  });
});
