// String formats of MXCP types (MXCP-SPEC §4.4): the checks behind `format:`.
// email, uri and duration use ajv-formats' own "full" definitions, so a value
// we accept is also accepted by an MCP client that validates with ajv-formats
// (the MCP TypeScript SDK does). date, time and date-time follow MXCP's
// (Python) parsing rules, which are looser than JSON Schema's on time zones.
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { Format } from 'ajv';

export type StringFormat = 'email' | 'uri' | 'date' | 'time' | 'date-time' | 'duration' | 'timestamp';

function checkerOf(format: Format): (value: string) => boolean {
  if (format instanceof RegExp) return (value) => format.test(value);
  if (typeof format === 'function') return (value) => format(value) === true;
  if (typeof format === 'object' && 'validate' in format) {
    const inner = format.validate;
    if (inner instanceof RegExp) return (value) => inner.test(value);
    if (typeof inner === 'function') return (value) => inner(value as never) === true;
  }
  throw new Error('unsupported ajv-formats definition');
}

export const isEmail = checkerOf(fullFormats.email);
export const isUri = checkerOf(fullFormats.uri);
export const isDuration = checkerOf(fullFormats.duration);
/** `YYYY-MM-DD`, a real calendar day (leap years included). */
export const isDate = checkerOf(fullFormats.date);

const TIME = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
/** `HH:MM:SS`, as MXCP's `%H:%M:%S`: no fraction, no offset. */
export const isTime = (value: string): boolean => TIME.test(value);

// What Python's datetime.fromisoformat accepts in practice: a date, optionally
// followed by `T` or a space and HH:MM[:SS[.fraction]], optionally followed by
// `Z` or an offset. Naive values stay naive (DuckDB binds them as TIMESTAMP).
const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ]([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:[Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?)?$/;
export function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  return match !== null && isDate(match[1]);
}

const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
/** A decimal number written as a string (no hex, no "inf", no empty string). */
export const isNumericString = (value: string): boolean => NUMERIC.test(value);

/**
 * Unix epoch seconds (MXCP's `timestamp` format) → ISO 8601 in UTC. MXCP uses
 * the server's local time zone here; UTC is the unambiguous choice.
 * Returns undefined when the instant is outside what a Date can represent.
 */
export function epochSecondsToIso(seconds: number): string | undefined {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A description of each format for error messages: what was expected. */
export const FORMAT_EXPECTATION: Record<StringFormat, string> = {
  email: 'an email address',
  uri: 'an absolute URI',
  date: 'YYYY-MM-DD',
  time: 'HH:MM:SS',
  'date-time': 'ISO 8601, e.g. 2024-01-31T12:00:00Z',
  duration: 'ISO 8601 duration, e.g. P1DT2H',
  timestamp: 'Unix epoch seconds or an ISO 8601 date-time',
};
