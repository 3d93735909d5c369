import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RequestContext, anonymousContext, userContextFromJson } from '../engine/context.js';
import { Database } from './database.js';

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-db-helpers-'));
  db = await Database.open({ path: join(dir, 'helpers.duckdb'), readonly: false, poolSize: 4 });
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function contextFor(username: string, headers: Record<string, string> = {}): RequestContext {
  return {
    user: {
      ...userContextFromJson(
        { username, email: `${username}@example.com`, external_token: `tok-${username}` },
        'test',
      ),
      provider: 'github',
    },
    headers,
    sessionId: null,
    caller: 'http',
  };
}

const HELPERS_SQL = `SELECT get_username() AS username, get_user_email() AS email, get_user_provider() AS provider,
  get_user_external_token() AS token, get_request_header('x-tenant') AS tenant, get_request_headers_json() AS headers`;

describe('SQL helper functions', () => {
  it('return the user and headers of the request', async () => {
    const [row] = await db.query(HELPERS_SQL, {}, contextFor('alice', { 'x-tenant': 'acme' }));
    expect(row).toEqual({
      username: 'alice',
      email: 'alice@example.com',
      provider: 'github',
      token: 'tok-alice',
      tenant: 'acme',
      headers: JSON.stringify({ 'x-tenant': 'acme' }),
    });
  });

  it('return NULL when there is no user, no header or no context at all', async () => {
    const nulls = { username: null, email: null, provider: null, token: null, tenant: null, headers: null };
    expect(await db.query(HELPERS_SQL, {}, anonymousContext('http'))).toEqual([nulls]);
    expect(await db.query(HELPERS_SQL, {})).toEqual([nulls]);
    const [row] = await db.query(
      "SELECT get_request_header('x-other') AS h, get_request_header(NULL) AS n",
      {},
      contextFor('a', { 'x-tenant': 't' }),
    );
    expect(row).toEqual({ h: null, n: null });
  });

  it('looks request headers up case-insensitively', async () => {
    const ctx = anonymousContext('http', { Authorization: 'Bearer abc', 'X-Tenant': 'acme' });
    const [row] = await db.query(
      "SELECT get_request_header('Authorization') AS a, get_request_header('authorization') AS b, get_request_header('X-TENANT') AS t",
      {},
      ctx,
    );
    expect(row).toEqual({ a: 'Bearer abc', b: 'Bearer abc', t: 'acme' });
  });

  it('see the current caller even through a cached prepared statement', async () => {
    const sql = 'SELECT get_username() AS u FROM range(3)';
    const first = await db.query(sql, {}, contextFor('carol'));
    const second = await db.query(sql, {}, contextFor('dave'));
    const third = await db.query(sql, {});
    expect(first.map((r) => r.u)).toEqual(['carol', 'carol', 'carol']);
    expect(second.map((r) => r.u)).toEqual(['dave', 'dave', 'dave']);
    expect(third.map((r) => r.u)).toEqual([null, null, null]);
  });

  it('never mix up the users of concurrent queries', async () => {
    await db.exec('CREATE OR REPLACE TABLE big AS SELECT range AS i FROM range(200000)');
    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'];
    const results = await Promise.all(
      users.map((u) =>
        db.query(
          'SELECT list_distinct(list(get_username())) AS seen, count(*) AS n FROM big WHERE i % 7 = $m',
          { m: Number(u.slice(1)) % 7 },
          contextFor(u),
        ),
      ),
    );
    results.forEach((rows, i) => {
      expect(rows[0].seen).toEqual([users[i]]);
      expect(typeof rows[0].n).toBe('number');
    });
  });

  it('are usable in views, evaluated for the caller at query time', async () => {
    await db.exec(
      "CREATE OR REPLACE TABLE docs (owner VARCHAR, title VARCHAR); INSERT INTO docs VALUES ('alice', 'a1'), ('bob', 'b1')",
    );
    await db.exec('CREATE OR REPLACE VIEW my_docs AS SELECT title FROM docs WHERE owner = get_username()');
    expect(await db.query('SELECT title FROM my_docs', {}, contextFor('bob'))).toEqual([{ title: 'b1' }]);
    expect(await db.query('SELECT title FROM my_docs', {}, contextFor('alice'))).toEqual([{ title: 'a1' }]);
  });
});
