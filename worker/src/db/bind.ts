// JS parameter values → typed DuckDB values for `$name` parameters. Values are always bound to a
// prepared statement, never spliced into SQL text, so no value can change a statement's meaning.
//
// Rules:
//   string                → VARCHAR (ISO dates stay VARCHAR: DuckDB casts them when compared with a
//                           DATE/TIMESTAMP column, as MXCP's Python binding does)
//   integer number        → INTEGER when it fits 32 bits, BIGINT when a safe integer, else DOUBLE
//   other number          → DOUBLE
//   bigint                → BIGINT, or HUGEINT beyond 64 bits
//   boolean               → BOOLEAN
//   null / undefined      → NULL (DuckDB infers the type from the context)
//   Date                  → TIMESTAMP WITH TIME ZONE
//   Uint8Array            → BLOB
//   array                 → LIST of the unified item type (INTEGER ⊂ BIGINT ⊂ DOUBLE; STRUCTs take the
//                           union of their keys, missing keys NULL); mixing e.g. strings and numbers
//                           is an error rather than a silent cast
//   plain object          → STRUCT, so SQL can use `$filter.field`. (JSON text was the alternative; a
//                           STRUCT keeps types and still converts with `to_json($filter)`.)

import type { DuckDBPreparedStatement, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DOUBLE,
  DuckDBTypeId,
  HUGEINT,
  INTEGER,
  LIST,
  SQLNULL,
  STRUCT,
  TIMESTAMPTZ,
  VARCHAR,
  blobValue,
  listValue,
  structValue,
  timestampTZValue,
} from '@duckdb/node-api';
import { SqlError } from './errors.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Names of a prepared statement's parameters, in index order (index i+1). */
export function parameterNames(statement: DuckDBPreparedStatement): string[] {
  const names: string[] = [];
  for (let i = 1; i <= statement.parameterCount; i++) names.push(statement.parameterName(i));
  return names;
}

/**
 * Binds every parameter the statement names from `params`. Extra entries in `params` are ignored
 * (a multi-statement SQL text shares one parameter object); a missing one is an error.
 */
export function bindParameters(statement: DuckDBPreparedStatement, params: Record<string, unknown>): void {
  statement.clearBindings();
  const names = parameterNames(statement);
  names.forEach((name, i) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      const msg = `No value was provided for parameter $${name}`;
      throw new SqlError(`Failed to execute SQL: ${msg}`, msg);
    }
    const raw = params[name];
    if (raw === null || raw === undefined) {
      statement.bindNull(i + 1);
      return;
    }
    let type: DuckDBType;
    try {
      type = inferType(raw) ?? VARCHAR;
      if (type.typeId === DuckDBTypeId.LIST && isUnknown(type.valueType)) {
        // An empty (or all-NULL) list: let the statement's own expectation decide, if it has one.
        const expected = expectedType(statement, i + 1);
        type = expected?.typeId === DuckDBTypeId.LIST ? expected : LIST(VARCHAR);
      }
      type = settle(type);
    } catch (err) {
      const msg = `Cannot bind parameter $${name}: ${(err as Error).message}`;
      throw new SqlError(`Failed to execute SQL: ${msg}`, msg);
    }
    statement.bindValue(i + 1, toDuckDBValue(raw, type), type);
  });
}

/** The type DuckDB inferred for a parameter from its use, when it could infer one. */
function expectedType(statement: DuckDBPreparedStatement, index: number): DuckDBType | undefined {
  try {
    return statement.parameterType(index);
  } catch {
    return undefined; // DuckDB has no type for this parameter: our own default applies.
  }
}

/** Replaces the unknown item type of nested empty lists by VARCHAR: DuckDB cannot bind a NULL type. */
function settle(type: DuckDBType): DuckDBType {
  switch (type.typeId) {
    case DuckDBTypeId.SQLNULL:
      return VARCHAR;
    case DuckDBTypeId.LIST:
      return LIST(settle(type.valueType));
    case DuckDBTypeId.STRUCT: {
      const entries: Record<string, DuckDBType> = {};
      type.entryNames.forEach((n, i) => (entries[n] = settle(type.entryTypes[i])));
      return STRUCT(entries);
    }
    default:
      return type;
  }
}

function isUnknown(type: DuckDBType): boolean {
  return type.typeId === DuckDBTypeId.SQLNULL;
}

/** The DuckDB type a JS value binds as; null when the value is null (type decided by context). */
export function inferType(value: unknown): DuckDBType | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return VARCHAR;
    case 'boolean':
      return BOOLEAN;
    case 'number':
      if (Number.isInteger(value)) {
        if (value >= INT32_MIN && value <= INT32_MAX) return INTEGER;
        if (Number.isSafeInteger(value)) return BIGINT;
      }
      return DOUBLE;
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? BIGINT : HUGEINT;
    case 'object':
      break;
    default:
      throw new Error(`values of type ${typeof value} cannot be bound`);
  }
  if (value instanceof Date) return TIMESTAMPTZ;
  if (value instanceof Uint8Array) return BLOB;
  if (Array.isArray(value)) {
    let item: DuckDBType | null = null;
    for (const v of value) item = unify(item, inferType(v));
    return LIST(item ?? SQLNULL);
  }
  if (isPlainObject(value)) {
    const entries: Record<string, DuckDBType> = {};
    for (const [k, v] of Object.entries(value)) entries[k] = inferType(v) ?? VARCHAR;
    return STRUCT(entries);
  }
  throw new Error(`values of class ${value.constructor?.name ?? 'unknown'} cannot be bound`);
}

const NUMERIC_RANK: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.INTEGER]: 1,
  [DuckDBTypeId.BIGINT]: 2,
  [DuckDBTypeId.HUGEINT]: 3,
  [DuckDBTypeId.DOUBLE]: 4,
};

/** The narrowest type both values fit, for the items of one LIST. */
function unify(a: DuckDBType | null, b: DuckDBType | null): DuckDBType | null {
  if (a === null || a.typeId === DuckDBTypeId.SQLNULL) return b ?? a;
  if (b === null || b.typeId === DuckDBTypeId.SQLNULL) return a;
  const ra = NUMERIC_RANK[a.typeId];
  const rb = NUMERIC_RANK[b.typeId];
  if (ra !== undefined && rb !== undefined) return ra >= rb ? a : b;
  if (a.typeId === DuckDBTypeId.LIST && b.typeId === DuckDBTypeId.LIST) {
    return LIST(unify(a.valueType, b.valueType) ?? SQLNULL);
  }
  if (a.typeId === DuckDBTypeId.STRUCT && b.typeId === DuckDBTypeId.STRUCT) {
    const entries: Record<string, DuckDBType> = {};
    a.entryNames.forEach((n, i) => (entries[n] = a.entryTypes[i]));
    b.entryNames.forEach((n, i) => {
      entries[n] = n in entries ? (unify(entries[n], b.entryTypes[i]) ?? VARCHAR) : b.entryTypes[i];
    });
    return STRUCT(entries);
  }
  if (a.typeId === b.typeId) return a;
  throw new Error(`an array mixes ${a.toString()} and ${b.toString()} values`);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` as a DuckDBValue of exactly `type` (as produced by inferType/unify). */
function toDuckDBValue(value: unknown, type: DuckDBType): DuckDBValue {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
      return typeof value === 'bigint' ? value : BigInt(value as number);
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.DOUBLE:
      return Number(value);
    case DuckDBTypeId.VARCHAR:
      return typeof value === 'string' ? value : JSON.stringify(value);
    case DuckDBTypeId.BOOLEAN:
      return Boolean(value);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampTZValue(BigInt((value as Date).getTime()) * 1000n);
    case DuckDBTypeId.BLOB:
      return blobValue(value as Uint8Array);
    case DuckDBTypeId.LIST:
      return listValue((value as unknown[]).map((v) => toDuckDBValue(v, type.valueType)));
    case DuckDBTypeId.STRUCT: {
      const obj = value as Record<string, unknown>;
      const entries: Record<string, DuckDBValue> = {};
      type.entryNames.forEach((n, i) => (entries[n] = toDuckDBValue(obj[n], type.entryTypes[i])));
      return structValue(entries);
    }
    default:
      throw new Error(`unsupported parameter type ${type.toString()}`);
  }
}
