// A reload opens a second Database on the same file while the first still drains: both share the
// DuckDB instance, the newest owns the (instance-wide) secrets, and shutdown can interrupt queries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import type { SecretSpec } from './secrets.js';

let dir: string;
const opened: Database[] = [];

async function open(secrets: SecretSpec[], poolSize = 4): Promise<Database> {
  const db = await Database.open({ path: join(dir, 'shared.duckdb'), readonly: false, secrets, poolSize });
  opened.push(db);
  return db;
}

const proxySecret = (name: string, proxy: string): SecretSpec => ({
  name,
  type: 'http',
  parameters: { HTTP_PROXY: proxy },
});

async function secretStrings(db: Database): Promise<Record<string, string>> {
  const rows = await db.query('SELECT name, secret_string FROM duckdb_secrets() ORDER BY name');
  return Object.fromEntries(rows.map((r) => [String(r.name), String(r.secret_string)]));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-reopen-'));
});

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reopening a database file that is still open', () => {
  it('shares data with the draining database and keeps working after the old one closes', async () => {
    const old = await open([]);
    await old.exec('CREATE TABLE t AS SELECT 42 AS answer');
    const fresh = await open([]);
    expect(await fresh.query('SELECT answer FROM t')).toEqual([{ answer: 42 }]);
    await old.close();
    expect(await fresh.query('SELECT answer FROM t')).toEqual([{ answer: 42 }]);
  });

  it('gives the newest configuration the secrets: changed values replace, removed names are dropped', async () => {
    const old = await open([proxySecret('api', 'http://old-proxy'), proxySecret('gone', 'http://gone')]);
    expect(Object.keys(await secretStrings(old))).toEqual(['api', 'gone']);
    const fresh = await open([proxySecret('api', 'http://new-proxy')]);
    const seen = await secretStrings(fresh);
    expect(Object.keys(seen)).toEqual(['api']);
    expect(seen.api).toContain('http://new-proxy');
  });

  it('does not let a late connection of the draining database put the old secret values back', async () => {
    const old = await open([proxySecret('api', 'http://old-proxy')], 4);
    const fresh = await open([proxySecret('api', 'http://new-proxy')]);
    // Several concurrent queries on the old database make its pool open new connections.
    await Promise.all([1, 2, 3, 4].map(() => old.query('SELECT 1 AS one')));
    expect(old.stats().size).toBeGreaterThan(1);
    expect((await secretStrings(fresh)).api).toContain('http://new-proxy');
  });
});

describe('interrupt', () => {
  it('stops a running query, which fails, and leaves the database usable', async () => {
    const db = await open([]);
    const slow = db.query('SELECT count(*) AS n FROM range(100000) a, range(100000) b');
    const outcome = slow.then(
      () => 'finished',
      (err: Error) => err.message,
    );
    // Interrupt once the query holds its connection (retry: it may not have started yet).
    let interrupted = 0;
    for (let i = 0; i < 50 && interrupted === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      interrupted = db.interrupt();
    }
    expect(interrupted).toBe(1);
    expect(await outcome).toMatch(/interrupt/i);
    expect(await db.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('reports nothing to interrupt when no query runs', async () => {
    const db = await open([]);
    expect(db.interrupt()).toBe(0);
  });
});
