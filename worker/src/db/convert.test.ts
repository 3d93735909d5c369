import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from './database.js';

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxcp-db-convert-'));
  db = await Database.open({ path: join(dir, 'convert.duckdb'), readonly: false, poolSize: 2 });
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function one(expr: string): Promise<unknown> {
  const rows = await db.query(`SELECT ${expr} AS v`, {});
  return rows[0].v;
}

describe('DuckDB → JSON conversion', () => {
  it('returns BIGINT within ±(2^53−1) as a number and beyond as a decimal string', async () => {
    expect(await one('42::BIGINT')).toBe(42);
    expect((await db.query('SELECT count(*) AS n FROM range(3)', {}))[0].n).toBe(3);
    expect(await one('9007199254740991::BIGINT')).toBe(9007199254740991);
    expect(await one('-9007199254740991::BIGINT')).toBe(-9007199254740991);
    expect(await one('9007199254740992::BIGINT')).toBe('9007199254740992');
    expect(await one("'-9223372036854775808'::BIGINT")).toBe('-9223372036854775808');
  });

  it('returns HUGEINT and UBIGINT by the same rule', async () => {
    expect(await one('7::HUGEINT')).toBe(7);
    expect(await one('170141183460469231731687303715884105727::HUGEINT')).toBe(
      '170141183460469231731687303715884105727',
    );
    expect(await one('18446744073709551615::UBIGINT')).toBe('18446744073709551615');
    expect(await one('5::UBIGINT')).toBe(5);
  });

  it('returns small integers and floats as numbers', async () => {
    expect(await one('1::TINYINT')).toBe(1);
    expect(await one('-3::SMALLINT')).toBe(-3);
    expect(await one('2147483647::INTEGER')).toBe(2147483647);
    expect(await one('4294967295::UINTEGER')).toBe(4294967295);
    expect(await one('1.5::FLOAT')).toBe(1.5);
    expect(await one('0.1::DOUBLE')).toBe(0.1);
  });

  it('returns DOUBLE NaN and infinities as null', async () => {
    expect(await one("'nan'::DOUBLE")).toBeNull();
    expect(await one("'inf'::DOUBLE")).toBeNull();
    expect(await one("'-inf'::FLOAT")).toBeNull();
  });

  it('returns DECIMAL as a number up to 15 significant digits, else as an exact string', async () => {
    expect(await one('1.50::DECIMAL(10,2)')).toBe(1.5);
    expect(await one('-0.05::DECIMAL(4,2)')).toBe(-0.05);
    expect(await one('123456789012.345::DECIMAL(18,3)')).toBe(123456789012.345);
    expect(await one('1234567890123.456::DECIMAL(18,3)')).toBe('1234567890123.456');
    expect(await one("'12345678901234567890.123456789'::DECIMAL(38,9)")).toBe(
      '12345678901234567890.123456789',
    );
    expect(
      (await db.query('SELECT sum(x) AS s FROM (VALUES (1.25::DECIMAL(10,2)), (2.50)) t(x)', {}))[0].s,
    ).toBe(3.75);
  });

  it('returns DATE as YYYY-MM-DD', async () => {
    expect(await one("DATE '2024-02-29'")).toBe('2024-02-29');
    expect(await one("DATE '1969-12-31'")).toBe('1969-12-31');
    expect(await one("DATE '0001-01-01'")).toBe('0001-01-01');
    expect(await one("'infinity'::DATE")).toBe('infinity');
  });

  it('returns TIME as HH:MM:SS with microseconds only when present', async () => {
    expect(await one("TIME '01:02:03'")).toBe('01:02:03');
    expect(await one("TIME '23:59:59.5'")).toBe('23:59:59.500000');
    expect(await one("TIME '00:00:00.000001'")).toBe('00:00:00.000001');
    expect(await one("TIMETZ '10:11:12+02:00'")).toBe('10:11:12+02:00');
  });

  it('returns TIMESTAMP as ISO without a zone', async () => {
    expect(await one("TIMESTAMP '2024-01-02 03:04:05'")).toBe('2024-01-02T03:04:05');
    expect(await one("TIMESTAMP '2024-01-02 03:04:05.123456'")).toBe('2024-01-02T03:04:05.123456');
    expect(await one("TIMESTAMP '1960-06-15 12:00:00.25'")).toBe('1960-06-15T12:00:00.250000');
    expect(await one("TIMESTAMP_S '2024-01-02 03:04:05'")).toBe('2024-01-02T03:04:05');
    expect(await one("TIMESTAMP_MS '2024-01-02 03:04:05.123'")).toBe('2024-01-02T03:04:05.123000');
    expect(await one("TIMESTAMP_NS '2024-01-02 03:04:05.123456789'")).toBe('2024-01-02T03:04:05.123456789');
  });

  it('returns TIMESTAMPTZ as the UTC instant with Z, whatever the session time zone', async () => {
    expect(await one("TIMESTAMPTZ '2024-01-02 03:04:05+02'")).toBe('2024-01-02T01:04:05Z');
    expect(await one("TIMESTAMPTZ '2024-01-02 00:30:00.5-01:30'")).toBe('2024-01-02T02:00:00.500000Z');
  });

  it('returns INTERVAL as an ISO 8601 duration', async () => {
    expect(await one("INTERVAL '1 month 2 days 3 hours'")).toBe('P1M2DT3H');
    expect(await one("INTERVAL '14 months'")).toBe('P1Y2M');
    expect(await one("INTERVAL '90 minutes 1.5 seconds'")).toBe('PT1H30M1.5S');
    expect(await one("INTERVAL '0 seconds'")).toBe('PT0S');
    expect(await one("INTERVAL '-1 day'")).toBe('P-1D');
  });

  it('returns BLOB as base64, UUID as text, ENUM and VARCHAR as strings, BOOLEAN as boolean', async () => {
    expect(await one("'\\x00\\xFFab'::BLOB")).toBe(Buffer.from([0, 255, 97, 98]).toString('base64'));
    expect(await one("'3f2504e0-4f89-11d3-9a0c-0305e82c3301'::UUID")).toBe(
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    );
    await db.exec("CREATE TYPE IF NOT EXISTS mood AS ENUM ('sad', 'happy')");
    expect(await one("'happy'::mood")).toBe('happy');
    expect(await one("'héllo'")).toBe('héllo');
    expect(await one('true')).toBe(true);
    expect(await one('NULL')).toBeNull();
    expect(await one('NULL::INTEGER')).toBeNull();
  });

  it('converts LIST and ARRAY items recursively', async () => {
    expect(await one('[1, 2, NULL]')).toEqual([1, 2, null]);
    expect(await one('[9007199254740993::BIGINT]')).toEqual(['9007199254740993']);
    expect(await one("[DATE '2024-01-01']")).toEqual(['2024-01-01']);
    expect(await one('[1.5, 2]::DOUBLE[2]')).toEqual([1.5, 2]);
    expect(await one('[[1], []]')).toEqual([[1], []]);
  });

  it('converts STRUCT to an object with converted fields', async () => {
    expect(await one("{'a': 1::BIGINT, 'd': DATE '2024-03-04', 'n': {'x': 'y'}}")).toEqual({
      a: 1,
      d: '2024-03-04',
      n: { x: 'y' },
    });
  });

  it('converts MAP with string keys to an object and other MAPs to key/value pairs', async () => {
    expect(await one("MAP {'k': 1, 'j': 2}")).toEqual({ k: 1, j: 2 });
    expect(await one("MAP {1: 'a', 2: 'b'}")).toEqual([
      { key: 1, value: 'a' },
      { key: 2, value: 'b' },
    ]);
  });

  it('gives duplicate column names distinct keys instead of dropping values', async () => {
    const rows = await db.query('SELECT 1 AS a, 2 AS a', {});
    expect(Object.values(rows[0])).toEqual([1, 2]);
  });

  it('produces rows that survive JSON.stringify unchanged', async () => {
    const rows = await db.query(
      "SELECT 12::BIGINT AS b, 1.5::DECIMAL(5,2) AS d, DATE '2024-01-01' AS dt, [1] AS l, INTERVAL '1 day' AS i",
      {},
    );
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
  });
});
