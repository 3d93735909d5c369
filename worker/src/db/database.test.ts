import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { DatabaseOpenError, SqlError } from './errors.js';
import type { DbLogger } from './log.js';

const run = promisify(execFile);

let dir: string;
const opened: Database[] = [];

async function open(
  opts: Partial<Parameters<typeof Database.open>[0]> & { file?: string } = {},
): Promise<Database> {
  const { file = 'test.duckdb', ...rest } = opts;
  const db = await Database.open({ path: join(dir, file), readonly: false, ...rest });
  opened.push(db);
  return db;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-db-'));
});

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function captureLogger(): DbLogger & {
  lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
} {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  return {
    lines,
    debug: (message, fields) => lines.push({ level: 'debug', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
  };
}

describe('Database.open', () => {
  it('creates a missing database file and reports its mode', async () => {
    const db = await open({ file: 'nested/dir/new.duckdb' });
    expect(existsSync(join(dir, 'nested/dir/new.duckdb'))).toBe(true);
    expect(db.readonly).toBe(false);
  });

  it("pools MXCP's max(10, 2 × CPUs) connections by default, all usable at once", async () => {
    const db = await open();
    const expected = Math.max(10, 2 * availableParallelism());
    expect(db.stats().max).toBe(expected);
    // As many queries as connections run side by side: none waits for another to finish.
    await Promise.all(Array.from({ length: expected }, (_, i) => db.query('SELECT $i AS i', { i })));
    expect(db.stats().size).toBe(expected);
    expect(db.stats().waiting).toBe(0);
  });

  it('creates a missing file even for a read-only open, then opens it read-only', async () => {
    const db = await open({ file: 'ro-new.duckdb', readonly: true });
    expect(existsSync(join(dir, 'ro-new.duckdb'))).toBe(true);
    expect(db.readonly).toBe(true);
    expect(await db.query('SELECT 1 AS one', {})).toEqual([{ one: 1 }]);
  });

  it('shares one DuckDB instance between databases opened on the same path', async () => {
    const a = await open();
    const b = await open();
    await a.exec('CREATE TABLE shared_t AS SELECT 42 AS x');
    expect(await b.query('SELECT x FROM shared_t', {})).toEqual([{ x: 42 }]);
    await a.close();
    expect(await b.query('SELECT x FROM shared_t', {})).toEqual([{ x: 42 }]);
  });

  it('refuses to open a path read-only while this process holds it read-write', async () => {
    await open();
    await expect(open({ readonly: true })).rejects.toThrow(/already open read-write in this process/);
  });
});

describe('read-only mode', () => {
  it("rejects writes with DuckDB's message while another read-only process reads the same file", async () => {
    const writer = await Database.open({ path: join(dir, 'ro.duckdb'), readonly: false });
    await writer.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)');
    await writer.close();

    const db = await open({ file: 'ro.duckdb', readonly: true });
    const err = await db.query('INSERT INTO t VALUES (4)', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).message).toMatch(/^Failed to execute SQL: .*read-only/);
    await expect(db.exec('CREATE TABLE u (y INTEGER)')).rejects.toThrow(/read-only/);

    const script = `
      const { DuckDBInstance } = require('@duckdb/node-api');
      (async () => {
        const instance = await DuckDBInstance.create(process.argv[1], { access_mode: 'READ_ONLY' });
        const conn = await instance.connect();
        const reader = await conn.runAndReadAll('SELECT sum(x)::INTEGER AS s FROM t');
        process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));
        conn.closeSync();
        instance.closeSync();
      })().catch((e) => { console.error(e.message); process.exit(1); });`;
    const child = await run(process.execPath, ['-e', script, join(dir, 'ro.duckdb')], { cwd: process.cwd() });
    expect(JSON.parse(child.stdout)).toEqual([{ s: 6 }]);
    expect(await db.query('SELECT count(*) AS n FROM t', {})).toEqual([{ n: 3 }]);
  });
});

describe('connection pool', () => {
  it('runs more concurrent queries than connections, never opening more than the bound', async () => {
    const db = await open({ poolSize: 2 });
    await db.exec('CREATE TABLE nums AS SELECT range AS i FROM range(100000)');
    const pending = Array.from({ length: 12 }, (_, k) =>
      db.query('SELECT sum(i) AS s, $k AS k FROM nums', { k }),
    );
    expect(db.stats().waiting).toBeGreaterThan(0);
    expect(db.stats().size).toBeLessThanOrEqual(2);
    const results = await Promise.all(pending);
    results.forEach((rows, k) => expect(rows).toEqual([{ s: 4999950000, k }]));
    expect(db.stats()).toMatchObject({ size: 2, max: 2, waiting: 0, idle: 2 });
  });

  it('serves waiting queries first come, first served', async () => {
    const db = await open({ poolSize: 1 });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, k) => db.query('SELECT $k AS k', { k }).then(() => order.push(k))),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('lets running queries finish on close, then refuses new ones', async () => {
    const db = await Database.open({ path: join(dir, 'close.duckdb'), readonly: false, poolSize: 1 });
    const running = db.query('SELECT count(*) AS n FROM range(3000000) a', {});
    const queued = db.query('SELECT 2 AS two', {});
    const closed = db.close();
    await expect(queued).rejects.toThrow('The database is closed');
    expect(await running).toEqual([{ n: 3000000 }]);
    await closed;
    await expect(db.query('SELECT 1', {})).rejects.toThrow('The database is closed');
  });
});

describe('prepared statement cache', () => {
  it('reuses the prepared statement of a repeated SQL text', async () => {
    const db = await open({ poolSize: 1 });
    const before = db.stats();
    for (const k of [1, 2, 3]) expect(await db.query('SELECT $k * 10 AS v', { k })).toEqual([{ v: k * 10 }]);
    const after = db.stats();
    expect(after.statementCacheMisses - before.statementCacheMisses).toBe(1);
    expect(after.statementCacheHits - before.statementCacheHits).toBe(2);
  });

  it('evicts the least recently used statement beyond its capacity', async () => {
    const db = await open({ poolSize: 1, statementCacheSize: 2 });
    const before = db.stats();
    for (const sql of ['SELECT 1 AS a', 'SELECT 2 AS a', 'SELECT 1 AS a', 'SELECT 3 AS a', 'SELECT 2 AS a']) {
      await db.query(sql, {});
    }
    const after = db.stats();
    // 1 miss, 2 miss, 1 hit, 3 miss (evicts 2), 2 miss
    expect(after.statementCacheMisses - before.statementCacheMisses).toBe(4);
    expect(after.statementCacheHits - before.statementCacheHits).toBe(1);
  });

  it('sees schema changes made after a statement was cached', async () => {
    const db = await open({ poolSize: 1 });
    await db.exec('CREATE TABLE evolving (a INTEGER); INSERT INTO evolving VALUES (1)');
    expect(await db.query('SELECT * FROM evolving', {})).toEqual([{ a: 1 }]);
    await db.exec("ALTER TABLE evolving ADD COLUMN b VARCHAR DEFAULT 'x'");
    expect(await db.query('SELECT * FROM evolving', {})).toEqual([{ a: 1, b: 'x' }]);
    await db.exec('DROP TABLE evolving; CREATE TABLE evolving (c DOUBLE); INSERT INTO evolving VALUES (2.5)');
    expect(await db.query('SELECT * FROM evolving', {})).toEqual([{ c: 2.5 }]);
  });
});

describe('query errors and multi-statement SQL', () => {
  it('a failure mid-transaction does not poison the connection for the next caller', async () => {
    const db = await open({ poolSize: 1 });
    await db.query('CREATE TABLE t (id INTEGER PRIMARY KEY)', {});
    const insert = 'BEGIN TRANSACTION; INSERT INTO t VALUES ($x); COMMIT;';
    await db.query(insert, { x: 1 });
    await expect(db.query(insert, { x: 1 })).rejects.toThrow(/Failed to execute SQL: Constraint Error/);
    // The one pooled connection was left inside an aborted transaction; it was replaced.
    await expect(db.query('SELECT 42 AS n', {})).resolves.toEqual([{ n: 42 }]);
    await db.query(insert, { x: 2 });
    await expect(db.query('SELECT count(*) AS n FROM t', {})).resolves.toEqual([{ n: 2 }]);
  });

  it('raises SqlError "Failed to execute SQL: <DuckDB message>"', async () => {
    const db = await open();
    const err = await db.query('SELECT * FROM missing_table', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).message).toMatch(
      /^Failed to execute SQL: Catalog Error: Table with name missing_table does not exist/,
    );
    expect((err as SqlError).duckdbMessage).toMatch(/^Catalog Error/);
    await expect(db.query('SELEC 1', {})).rejects.toThrow(
      /^Failed to execute SQL: Parser Error: syntax error/,
    );
    await expect(db.query("SELECT 'abc'::INTEGER", {})).rejects.toThrow(
      /^Failed to execute SQL: Conversion Error/,
    );
    await expect(db.query('   ', {})).rejects.toThrow('Failed to execute SQL: no SQL statement given');
  });

  it('runs every statement in order and returns the rows of the last', async () => {
    const db = await open();
    const rows = await db.query(
      'CREATE TABLE m (x INTEGER); INSERT INTO m VALUES ($a), ($b); SELECT sum(x) AS s FROM m',
      { a: 1, b: 2 },
    );
    expect(rows).toEqual([{ s: 3 }]);
    expect(await db.query('SELECT x FROM m WHERE x > $min; SELECT count(*) AS n FROM m', { min: 1 })).toEqual(
      [{ n: 2 }],
    );
  });

  it('stops at the first failing statement, keeping the effects of those before', async () => {
    const db = await open();
    await expect(
      db.query('CREATE TABLE partial (x INTEGER); SELECT * FROM nope; CREATE TABLE never (y INTEGER)', {}),
    ).rejects.toThrow(/Failed to execute SQL: Catalog Error: Table with name nope/);
    expect(
      await db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('partial', 'never')",
        {},
      ),
    ).toEqual([{ table_name: 'partial' }]);
  });
});

describe('validateSql', () => {
  it('returns the named parameters of the first statement only', async () => {
    const db = await open();
    await db.exec('CREATE TABLE v (id INTEGER, name VARCHAR)');
    expect(await db.validateSql('SELECT * FROM v WHERE id = $id AND name = $name')).toEqual({
      parameters: ['id', 'name'],
    });
    expect(await db.validateSql('SELECT $a AS a; SELECT $b AS b')).toEqual({ parameters: ['a'] });
    expect(await db.validateSql('SELECT get_username() AS u')).toEqual({ parameters: [] });
  });

  it("rejects a missing table and a syntax error with DuckDB's message", async () => {
    const db = await open();
    const missing = await db.validateSql('SELECT * FROM no_such_table WHERE x = $x').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SqlError);
    expect((missing as SqlError).duckdbMessage).toMatch(
      /^Catalog Error: Table with name no_such_table does not exist/,
    );
    await expect(db.validateSql('SELECT FROM WHERE')).rejects.toThrow(/Parser Error/);
    await expect(db.validateSql('SELECT no_such_function(1)')).rejects.toThrow(
      /Scalar Function with name no_such_function does not exist/,
    );
  });

  it('does not run the SQL', async () => {
    const db = await open();
    await db.validateSql('CREATE TABLE not_created (x INTEGER)');
    expect(
      await db.query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'not_created'",
        {},
      ),
    ).toEqual([{ n: 0 }]);
  });
});

describe('extensions', () => {
  it('loads extensions built into DuckDB without contacting a repository', async () => {
    const db = await open({ extensions: ['json', { name: 'parquet' }] });
    expect(await db.query(`SELECT json_extract('{"a": 1}', '$.a')::INTEGER AS a`, {})).toEqual([{ a: 1 }]);
  });

  it("fails open() with the extension name and DuckDB's message for an extension that cannot exist", async () => {
    const err = await open({ extensions: ['json', 'mxcp_no_such_extension_zz'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseOpenError);
    expect((err as Error).message).toMatch(
      /^Failed to load DuckDB extension 'mxcp_no_such_extension_zz': .+/,
    );
    // The instance was released: the file can be opened again.
    const db = await open();
    expect(await db.query('SELECT 1 AS x', {})).toEqual([{ x: 1 }]);
  });

  it('refuses an extension name that is not an identifier instead of splicing it into SQL', async () => {
    await expect(open({ extensions: ['json; DROP TABLE x'] })).rejects.toThrow(
      /Failed to load DuckDB extension 'json; DROP TABLE x': an extension name is letters, digits and underscores/,
    );
  });
});

describe('secrets', () => {
  it('creates DuckDB secrets with values containing quotes escaped as literals', async () => {
    const db = await open({
      secrets: [
        {
          name: 'api',
          type: 'http',
          parameters: {
            BEARER_TOKEN: "to'ken",
            HTTP_PROXY: "http://proxy'); DROP TABLE keep; --",
            EXTRA_HTTP_HEADERS: { 'X-Key': "it's" },
          },
        },
        { name: 'python_only', type: 'custom', parameters: {} },
      ],
    });
    await db.exec('CREATE TABLE IF NOT EXISTS keep (x INTEGER)');
    const rows = await db.query(
      "SELECT name, type, secret_string FROM duckdb_secrets() WHERE name = 'api'",
      {},
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'api', type: 'http' });
    expect(rows[0].secret_string).toContain("http://proxy'); DROP TABLE keep; --");
    expect(rows[0].secret_string).not.toContain("to'ken"); // DuckDB redacts the token itself
    expect(
      await db.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'keep'", {}),
    ).toEqual([{ n: 1 }]);
  });

  it('skips secrets DuckDB does not accept without failing and without logging their values', async () => {
    const logger = captureLogger();
    const db = await open({
      logger,
      secrets: [
        { name: 'vault', type: 'custom_vault', parameters: { password: "p@ss'w0rd-unknown-type" } },
        { name: 'bad_http', type: 'http', parameters: { NOT_AN_OPTION: "s3cr3t'value" } },
        // DuckDB echoes this value in its cast error: the log must not.
        { name: 'bad_map', type: 'http', parameters: { EXTRA_HTTP_HEADERS: "hidd3n'header" } },
      ],
    });
    expect(await db.query('SELECT 1 AS ok', {})).toEqual([{ ok: 1 }]);
    const logged = JSON.stringify(logger.lines);
    expect(logger.lines.some((l) => l.level === 'debug' && l.fields?.secret === 'vault')).toBe(true);
    expect(logger.lines.some((l) => l.level === 'warn' && l.fields?.secret === 'bad_http')).toBe(true);
    expect(logged).not.toContain('p@ss');
    expect(logged).not.toContain('s3cr3t');
    const badMap = logger.lines.find((l) => l.fields?.secret === 'bad_map');
    expect(badMap?.fields?.reason).toMatch(/Failed to cast option 'extra_http_headers'.*\*\*\*/);
    expect(logged).not.toContain('hidd3n');
  });
});
