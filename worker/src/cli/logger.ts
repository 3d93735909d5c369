// The process logger, made once by the CLI and handed down to the server and
// the database layer. Warnings and up by default, everything with --debug or
// MXCP_DEBUG; JSON lines when stderr is not a terminal (containers, log
// shippers), readable lines on a terminal. Never stdout: it may carry MCP stdio.
//
// Every line logged while a span is active carries its trace_id and span_id, so
// logs, traces and audit records correlate. Two rules hold whatever the caller
// passes: above debug, no SQL text, parameter values or results (fields under
// those names are dropped); at any level, no secrets (fields under secret names
// and bearer tokens in messages are masked).
import type { Writable } from 'node:stream';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import winston from 'winston';

export interface LoggerOptions {
  debug?: boolean;
  /** MXCP logs nothing in stdio mode; we keep warnings and errors, on stderr only. */
  quiet?: boolean;
  /** JSON lines even on a terminal (or readable lines when false); default: JSON unless stderr is a TTY. */
  json?: boolean;
  /** Where lines go; default process.stderr. */
  stream?: Writable;
}

/** Field names whose values are queries, parameter values or results: debug level only. */
const DATA_FIELDS = new Set([
  'sql',
  'query',
  'statement',
  'params',
  'parameters',
  'args',
  'arguments',
  'values',
  'result',
  'results',
  'rows',
  'output',
  'input',
]);

/** Field names whose values are credentials: masked at every level. */
const SECRET_FIELD =
  /^(password|passwd|client_secret|secret_value|token|access_token|refresh_token|id_token|external_token|authorization|cookie|set-cookie|api_key|apikey|private_key)$/i;

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const REDACTED = '[redacted]';

/** The field rules above, as a winston format (exported for tests and other transports). */
export const scrubFormat = winston.format((info) => {
  const dataAllowed = info.level === 'debug';
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    if (!dataAllowed && DATA_FIELDS.has(key.toLowerCase())) delete info[key];
    else info[key] = scrubValue(key, info[key], 0);
  }
  if (typeof info.message === 'string') info.message = info.message.replace(BEARER, `$1 ${REDACTED}`);
  return info;
});

function scrubValue(key: string, value: unknown, depth: number): unknown {
  if (SECRET_FIELD.test(key)) return REDACTED;
  if (typeof value === 'string') return value.replace(BEARER, `$1 ${REDACTED}`);
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (value instanceof Error)
    return { name: value.name, message: scrubValue('message', value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => scrubValue('', v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(k, v, depth + 1);
  return out;
}

/** trace_id/span_id of the active span, when there is one. */
export const traceContextFormat = winston.format((info) => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    info.trace_id = spanContext.traceId;
    info.span_id = spanContext.spanId;
  }
  return info;
});

export function createLogger(opts: LoggerOptions = {}): winston.Logger {
  const debug = opts.debug || Boolean(process.env.MXCP_DEBUG);
  const level = debug ? 'debug' : opts.quiet ? 'error' : 'warn';
  const stream = opts.stream ?? process.stderr;
  const json = opts.json ?? !(stream as { isTTY?: boolean }).isTTY;
  const common = [winston.format.timestamp(), traceContextFormat(), scrubFormat()];
  const format = json
    ? winston.format.combine(...common, winston.format.json())
    : winston.format.combine(
        ...common,
        winston.format.printf(({ level: lvl, message, timestamp, ...fields }) => {
          const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
          return `${String(timestamp)} ${lvl.toUpperCase()} ${String(message)}${extra}`;
        }),
      );
  return winston.createLogger({ level, format, transports: [new winston.transports.Stream({ stream })] });
}
