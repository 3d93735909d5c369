// DuckDB result values → JSON-safe JavaScript values. Every tool result passes through here, so the
// rules are deliberate and the same everywhere (MCP structuredContent, audit, `mxcp query` output).
//
// Conversion is driven by the column's logical type (recursing into child types), never by
// JSON.stringify guesses:
//
//   BOOLEAN                          → boolean
//   TINYINT … UINTEGER, FLOAT        → number
//   DOUBLE, FLOAT NaN / ±Infinity    → null (JSON has no such numbers)
//   BIGINT, UBIGINT, HUGEINT,
//   UHUGEINT, BIGNUM                 → number when within ±(2^53−1), else a decimal string (exact)
//   DECIMAL                          → number when it has at most 15 significant digits (every such
//                                      decimal survives the trip through a double), else its exact
//                                      decimal string. So a DECIMAL(38,10) column can mix numbers and
//                                      strings; precision is never lost silently.
//   VARCHAR, ENUM, JSON              → string
//   DATE                             → 'YYYY-MM-DD' ('infinity' / '-infinity' as DuckDB prints them;
//                                      years outside 0000–9999 as ISO 8601 expanded '+YYYYYY' / '-YYYYYY')
//   TIME / TIME_NS                   → 'HH:MM:SS' plus '.ffffff' (µs) or '.fffffffff' (ns) when non-zero
//   TIME WITH TIME ZONE              → the same plus the offset, '+HH:MM'
//   TIMESTAMP (_S, _MS, _NS)         → 'YYYY-MM-DDTHH:MM:SS[.ffffff]' with no zone (it has none)
//   TIMESTAMP WITH TIME ZONE         → the UTC instant, 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'. DuckDB stores
//                                      UTC; the session TimeZone setting is ignored on purpose so the
//                                      output does not depend on the server's zone.
//   INTERVAL                         → ISO 8601 duration, e.g. 'P1Y2M3DT4H5M6.5S', 'PT0S' for zero;
//                                      DuckDB's parts can have different signs, so each part keeps its
//                                      own sign ('P-1DT2H').
//   BLOB, GEOMETRY (WKB)             → base64 string
//   BIT                              → string of '0'/'1'
//   UUID                             → canonical string
//   LIST, ARRAY                      → array, items converted recursively
//   STRUCT                           → object
//   MAP                              → object when the key type is VARCHAR or ENUM, else [{key, value}]
//   UNION                            → the converted value of the active member (the tag is dropped)
//   VARIANT                          → the converted inner value
//   NULL                             → null

import type {
  DuckDBBitValue,
  DuckDBResultReader,
  DuckDBType,
  DuckDBUUIDValue,
  DuckDBValue,
} from '@duckdb/node-api';
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBGeometryValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimeNSValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBUnionValue,
  DuckDBVariantValue,
} from '@duckdb/node-api';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
/** DuckDB's encoding of ±infinity for DATE (days) and the TIMESTAMP family (ticks). */
const DATE_INFINITY = 2147483647;
const TIMESTAMP_INFINITY = 9223372036854775807n;

/** Rows of a result as plain objects; duplicate column names get DuckDB's `_1`, `_2` suffixes. */
export function convertRows(reader: DuckDBResultReader): Record<string, JsonValue>[] {
  const names = reader.deduplicatedColumnNames();
  const types = reader.columnTypes();
  return reader.getRows().map((row) => {
    const out: Record<string, JsonValue> = {};
    for (let i = 0; i < names.length; i++) out[names[i]] = convertValue(row[i], types[i]);
    return out;
  });
}

/** One DuckDB value of the given logical type as a JSON-safe value (rules in the header). */
export function convertValue(value: DuckDBValue, type: DuckDBType): JsonValue {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return Boolean(value);
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return finiteOrNull(Number(value));
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return bigIntToJson(typeof value === 'bigint' ? value : BigInt(value as number));
    case DuckDBTypeId.DECIMAL:
      return decimalToJson(value as DuckDBDecimalValue);
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
      return String(value);
    case DuckDBTypeId.DATE:
      return formatDate((value as DuckDBDateValue).days);
    case DuckDBTypeId.TIME:
      return formatTimeOfDay((value as DuckDBTimeValue).micros, 6);
    case DuckDBTypeId.TIME_NS:
      return formatTimeOfDay((value as DuckDBTimeNSValue).nanos, 9);
    case DuckDBTypeId.TIME_TZ:
      return formatTimeTz(value as DuckDBTimeTZValue);
    case DuckDBTypeId.TIMESTAMP:
      return formatTimestamp(ticksOf(value), 1_000_000n, '');
    case DuckDBTypeId.TIMESTAMP_S:
      return formatTimestamp(ticksOf(value), 1n, '');
    case DuckDBTypeId.TIMESTAMP_MS:
      return formatTimestamp(ticksOf(value), 1_000n, '');
    case DuckDBTypeId.TIMESTAMP_NS:
      return formatTimestamp(ticksOf(value), 1_000_000_000n, '');
    case DuckDBTypeId.TIMESTAMP_TZ:
      return formatTimestamp(ticksOf(value), 1_000_000n, 'Z');
    case DuckDBTypeId.INTERVAL:
      return formatInterval(value as DuckDBIntervalValue);
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case DuckDBTypeId.GEOMETRY:
      return Buffer.from((value as DuckDBGeometryValue).bytes).toString('base64');
    case DuckDBTypeId.BIT:
      return (value as DuckDBBitValue).toString();
    case DuckDBTypeId.UUID:
      return (value as DuckDBUUIDValue).toString();
    case DuckDBTypeId.LIST:
      return (value as DuckDBListValue).items.map((item) => convertValue(item, type.valueType));
    case DuckDBTypeId.ARRAY:
      return (value as DuckDBArrayValue).items.map((item) => convertValue(item, type.valueType));
    case DuckDBTypeId.STRUCT: {
      const entries = (value as DuckDBStructValue).entries;
      const out: Record<string, JsonValue> = {};
      type.entryNames.forEach((name, i) => {
        out[name] = convertValue(entries[name] ?? null, type.entryTypes[i]);
      });
      return out;
    }
    case DuckDBTypeId.MAP: {
      const entries = (value as DuckDBMapValue).entries;
      const keyId = type.keyType.typeId;
      if (keyId === DuckDBTypeId.VARCHAR || keyId === DuckDBTypeId.ENUM) {
        const out: Record<string, JsonValue> = {};
        for (const e of entries) out[String(e.key)] = convertValue(e.value, type.valueType);
        return out;
      }
      return entries.map((e) => ({
        key: convertValue(e.key, type.keyType),
        value: convertValue(e.value, type.valueType),
      }));
    }
    case DuckDBTypeId.UNION: {
      const u = value as DuckDBUnionValue;
      return convertValue(u.value, type.memberTypeForTag(u.tag));
    }
    case DuckDBTypeId.VARIANT: {
      const v = value instanceof DuckDBVariantValue ? value : new DuckDBVariantValue(value);
      return convertUntyped(v.value, v.type);
    }
    case DuckDBTypeId.SQLNULL:
      return null;
    default:
      return convertUntyped(value, undefined);
  }
}

/** Values whose type is not given by the column (VARIANT contents): infer it from the value. */
function convertUntyped(value: DuckDBValue, type: DuckDBType | undefined): JsonValue {
  if (value === null) return null;
  if (type) return convertValue(value, type);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return finiteOrNull(value);
  if (typeof value === 'bigint') return bigIntToJson(value);
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    return value.items.map((item) => convertUntyped(item, undefined));
  }
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = convertUntyped(v, undefined);
    return out;
  }
  if (value instanceof DuckDBMapValue) {
    return value.entries.map((e) => ({
      key: convertUntyped(e.key, undefined),
      value: convertUntyped(e.value, undefined),
    }));
  }
  if (value instanceof DuckDBVariantValue) return convertUntyped(value.value, value.type);
  if (value instanceof DuckDBDecimalValue) return decimalToJson(value);
  if (value instanceof DuckDBDateValue) return formatDate(value.days);
  if (value instanceof DuckDBTimeValue) return formatTimeOfDay(value.micros, 6);
  if (value instanceof DuckDBTimeNSValue) return formatTimeOfDay(value.nanos, 9);
  if (value instanceof DuckDBTimeTZValue) return formatTimeTz(value);
  if (value instanceof DuckDBTimestampTZValue) return formatTimestamp(value.micros, 1_000_000n, 'Z');
  if (value instanceof DuckDBTimestampValue) return formatTimestamp(value.micros, 1_000_000n, '');
  if (value instanceof DuckDBTimestampSecondsValue) return formatTimestamp(value.seconds, 1n, '');
  if (value instanceof DuckDBTimestampMillisecondsValue) return formatTimestamp(value.millis, 1_000n, '');
  if (value instanceof DuckDBTimestampNanosecondsValue)
    return formatTimestamp(value.nanos, 1_000_000_000n, '');
  if (value instanceof DuckDBIntervalValue) return formatInterval(value);
  if (value instanceof DuckDBBlobValue || value instanceof DuckDBGeometryValue) {
    return Buffer.from(value.bytes).toString('base64');
  }
  if (value instanceof DuckDBUnionValue) return convertUntyped(value.value, undefined);
  return String(value);
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

export function bigIntToJson(n: bigint): number | string {
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n.toString();
}

export function decimalToJson(d: DuckDBDecimalValue): number | string {
  const text = decimalString(d.value, d.scale);
  const digits = (d.value < 0n ? -d.value : d.value).toString().replace(/0+$/, '');
  return digits.length <= 15 ? Number(text) : text;
}

/** The exact decimal text of value / 10^scale, e.g. (-5n, 2) → '-0.05'. */
function decimalString(value: bigint, scale: number): string {
  const negative = value < 0n;
  const abs = (negative ? -value : value).toString();
  if (scale === 0) return (negative ? '-' : '') + abs;
  const padded = abs.padStart(scale + 1, '0');
  const intPart = padded.slice(0, padded.length - scale);
  const fracPart = padded.slice(padded.length - scale).replace(/0+$/, '');
  return (negative ? '-' : '') + intPart + (fracPart ? `.${fracPart}` : '');
}

function ticksOf(value: DuckDBValue): bigint {
  const v = value as unknown as { micros?: bigint; millis?: bigint; seconds?: bigint; nanos?: bigint };
  return v.micros ?? v.millis ?? v.seconds ?? v.nanos ?? 0n;
}

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

/** Civil date from days since 1970-01-01 (H. Hinnant's algorithm; exact for every DuckDB date). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
}

export function formatDate(days: number): string {
  if (days === DATE_INFINITY) return 'infinity';
  if (days === -DATE_INFINITY) return '-infinity';
  const { year, month, day } = civilFromDays(days);
  return `${formatYear(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `ticks` since midnight, `digits` = 6 for microseconds, 9 for nanoseconds. */
function formatTimeOfDay(ticks: bigint, digits: 6 | 9): string {
  const perSecond = digits === 6 ? 1_000_000n : 1_000_000_000n;
  const seconds = ticks / perSecond;
  const frac = ticks % perSecond;
  const h = seconds / 3600n;
  const m = (seconds % 3600n) / 60n;
  const s = seconds % 60n;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${frac === 0n ? '' : `.${pad(frac, digits)}`}`;
}

function formatTimeTz(value: DuckDBTimeTZValue): string {
  const offset = value.offset;
  const abs = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor((abs % 3600) / 60), 2);
  const ss = abs % 60;
  return `${formatTimeOfDay(value.micros, 6)}${sign}${hh}:${mm}${ss ? `:${pad(ss, 2)}` : ''}`;
}

/** `ticks` since the epoch at `perSecond` resolution; `zone` is '' (naive) or 'Z' (UTC). */
function formatTimestamp(ticks: bigint, perSecond: bigint, zone: '' | 'Z'): string {
  if (ticks === TIMESTAMP_INFINITY) return 'infinity';
  if (ticks === -TIMESTAMP_INFINITY) return '-infinity';
  const perDay = 86_400n * perSecond;
  let days = ticks / perDay;
  let rest = ticks % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  const seconds = rest / perSecond;
  const frac = rest % perSecond;
  const fracDigits = perSecond === 1_000_000_000n ? 9 : 6;
  // Sub-second part always printed at µs (or ns) resolution, as Python's isoformat does.
  const fracText = frac === 0n ? '' : `.${pad(perSecond === 1_000n ? frac * 1_000n : frac, fracDigits)}`;
  const h = seconds / 3600n;
  const m = (seconds % 3600n) / 60n;
  const s = seconds % 60n;
  return `${formatDate(Number(days))}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${fracText}${zone}`;
}

export function formatInterval(value: DuckDBIntervalValue): string {
  const years = Math.trunc(value.months / 12);
  const months = value.months % 12;
  let out = 'P';
  if (years) out += `${years}Y`;
  if (months) out += `${months}M`;
  if (value.days) out += `${value.days}D`;
  const micros = value.micros;
  if (micros !== 0n) {
    const sign = micros < 0n ? '-' : '';
    const abs = micros < 0n ? -micros : micros;
    const hours = abs / 3_600_000_000n;
    const minutes = (abs % 3_600_000_000n) / 60_000_000n;
    const secMicros = abs % 60_000_000n;
    out += 'T';
    if (hours) out += `${sign}${hours}H`;
    if (minutes) out += `${sign}${minutes}M`;
    if (secMicros) {
      const whole = secMicros / 1_000_000n;
      const frac = (secMicros % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
      out += `${sign}${whole}${frac ? `.${frac}` : ''}S`;
    }
  }
  return out === 'P' ? 'PT0S' : out;
}
