import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { SqlError } from './errors.js';

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-db-bind-'));
  db = await Database.open({ path: join(dir, 'bind.duckdb'), readonly: false, poolSize: 2 });
  await db.exec(`
    CREATE TABLE users (id INTEGER, name VARCHAR, born DATE);
    INSERT INTO users VALUES (1, 'alice', DATE '1990-05-01'), (2, 'bob', DATE '2001-01-31');
  `);
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('parameter binding', () => {
  it('binds strings, integers, doubles, booleans and null with their own types', async () => {
    const [row] = await db.query(
      'SELECT typeof($s) AS s, typeof($i) AS i, typeof($big) AS big, typeof($d) AS d, typeof($b) AS b, $n IS NULL AS n',
      { s: 'x', i: 7, big: 2 ** 40, d: 1.5, b: true, n: null },
    );
    expect(row).toEqual({ s: 'VARCHAR', i: 'INTEGER', big: 'BIGINT', d: 'DOUBLE', b: 'BOOLEAN', n: true });
  });

  it('keeps ISO date strings as VARCHAR that DuckDB compares with DATE columns', async () => {
    const [t] = await db.query('SELECT typeof($d) AS t', { d: '2000-01-01' });
    expect(t.t).toBe('VARCHAR');
    const rows = await db.query('SELECT name FROM users WHERE born > $d ORDER BY id', { d: '2000-01-01' });
    expect(rows).toEqual([{ name: 'bob' }]);
  });

  it('binds arrays as LISTs, widening numbers to a common type', async () => {
    const rows = await db.query('SELECT name FROM users WHERE list_contains($ids, id) ORDER BY id', {
      ids: [2, 5],
    });
    expect(rows).toEqual([{ name: 'bob' }]);
    const [row] = await db.query('SELECT $l AS l, typeof($l) AS t', { l: [1, 2.5, null] });
    expect(row).toEqual({ l: [1, 2.5, null], t: 'DOUBLE[]' });
    const [strings] = await db.query('SELECT $l AS l', { l: ['a', "b'c"] });
    expect(strings.l).toEqual(['a', "b'c"]);
  });

  it('binds an empty array as an empty LIST', async () => {
    const rows = await db.query('SELECT name FROM users WHERE list_contains($ids, id)', { ids: [] });
    expect(rows).toEqual([]);
    const [row] = await db.query('SELECT len($l) AS n', { l: [] });
    expect(row.n).toBe(0);
  });

  it('binds plain objects as STRUCTs whose fields SQL can read', async () => {
    const [row] = await db.query(
      'SELECT $f.name AS name, $f.min_id + 1 AS next, $f.tags AS tags, typeof($f) AS t',
      {
        f: { name: 'bob', min_id: 1, tags: ['x'] },
      },
    );
    expect(row).toEqual({
      name: 'bob',
      next: 2,
      tags: ['x'],
      t: 'STRUCT("name" VARCHAR, min_id INTEGER, tags VARCHAR[])',
    });
  });

  it('binds arrays of objects with differing keys as STRUCTs with missing fields NULL', async () => {
    const [row] = await db.query('SELECT $l AS l', { l: [{ a: 1 }, { b: 'x' }] });
    expect(row.l).toEqual([
      { a: 1, b: null },
      { a: null, b: 'x' },
    ]);
  });

  it('rejects an array mixing strings and numbers instead of casting silently', async () => {
    await expect(db.query('SELECT $l AS l', { l: [1, 'a'] })).rejects.toThrow(
      /Failed to execute SQL: Cannot bind parameter \$l: an array mixes/,
    );
  });

  it('reports a parameter the SQL names but the caller did not give', async () => {
    await expect(db.query('SELECT $missing AS m', {})).rejects.toThrow(
      'Failed to execute SQL: No value was provided for parameter $missing',
    );
  });

  it('ignores parameters the SQL does not name', async () => {
    expect(await db.query('SELECT $a AS a', { a: 1, unused: 'x' })).toEqual([{ a: 1 }]);
  });

  describe('injection attempts are compared literally and change nothing', () => {
    const attempts = [
      "'; DROP TABLE users; --",
      '1 OR 1=1',
      '$other',
      "al'ice",
      'back\\slash\\',
      "'' OR ''='",
      '"; DROP TABLE users; --',
    ];
    for (const attempt of attempts) {
      it(`treats ${JSON.stringify(attempt)} as a plain value`, async () => {
        const rows = await db.query(
          'SELECT count(*) AS n FROM users WHERE name = $name OR CAST(id AS VARCHAR) = $name',
          {
            name: attempt,
            other: 'alice',
          },
        );
        expect(rows).toEqual([{ n: 0 }]);
        const [echo] = await db.query('SELECT $v AS v, length($v) AS len', { v: attempt });
        expect(echo).toEqual({ v: attempt, len: [...attempt].length });
        expect(await db.query('SELECT count(*) AS n FROM users', {})).toEqual([{ n: 2 }]);
      });
    }

    it('matches a name containing a quote only when it is exactly that name', async () => {
      await db.query('INSERT INTO users VALUES (3, $name, NULL)', { name: "o'brien\\" });
      expect(await db.query('SELECT id FROM users WHERE name = $name', { name: "o'brien\\" })).toEqual([
        { id: 3 },
      ]);
      await db.query('DELETE FROM users WHERE id = $id', { id: 3 });
    });
  });

  it('raises SqlError for values that cannot be bound', async () => {
    const err = await db.query('SELECT $f AS f', { f: () => 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).message).toMatch(/Cannot bind parameter \$f: values of type function/);
  });
});
