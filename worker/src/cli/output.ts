// How the `mxcp` CLI talks to people and to scripts (MXCP-SPEC §1, output
// conventions): the `--json-output` envelope, tables and values for humans, and
// the colour rule. Colour only on a TTY without NO_COLOR; when it is off, no
// function here emits an ANSI escape code.
import Table from 'cli-table3';
import pc from 'picocolors';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import type { EndpointFailure } from '../endpoints/index.js';

export type Colors = ReturnType<typeof pc.createColors>;

export interface RenderOptions {
  color: boolean;
}

export interface TableOptions extends RenderOptions {
  /** Rows shown before the "use --json-output" hint; MXCP's `query` shows 100. */
  maxRows?: number;
  /** Longer cells are cut and end in "…". */
  maxCellWidth?: number;
}

export const DEFAULT_MAX_ROWS = 100;
export const DEFAULT_MAX_CELL_WIDTH = 60;
export const EXPORT_HINT = '💡 Use --json-output to export all results';

/** `{"status":"ok","result":…}` with indent 2, as every command's `--json-output` prints on success. */
export function jsonOk(result: unknown): string {
  return JSON.stringify({ status: 'ok', result }, jsonReplacer, 2);
}

/** `{"status":"error","error":msg}`; with `--debug` also `traceback` and `type`. */
export function jsonError(err: unknown, debug = false): string {
  const body: Record<string, unknown> = { status: 'error', error: errorMessage(err) };
  if (debug) {
    body.traceback = err instanceof Error ? (err.stack ?? err.message) : errorMessage(err);
    body.type = err instanceof Error ? err.name : typeof err;
  }
  return JSON.stringify(body, jsonReplacer, 2);
}

/** Colour on a TTY only, and never when NO_COLOR is set to a non-empty value (no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** picocolors formatters that are the identity when `enabled` is false. */
export function colors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/** The stderr line for a failed command: "Error: …". */
export function errorLine(message: string, opts: RenderOptions = { color: false }): string {
  return colors(opts.color).red(`Error: ${message}`);
}

/** Rows (objects) as a table with one column per key; long results are cut at `maxRows` with a hint. */
export function renderTable(rows: Record<string, unknown>[], opts: TableOptions): string {
  if (rows.length === 0) return 'No results';
  const c = colors(opts.color);
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const width = opts.maxCellWidth ?? DEFAULT_MAX_CELL_WIDTH;
  const shown = rows.slice(0, maxRows);

  const columns: string[] = [];
  for (const row of shown) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);

  const table = newTable(columns.map((col) => c.bold(c.cyan(truncate(col, width)))));
  // A key a row lacks shows as an empty cell, unlike a null value.
  for (const row of shown)
    table.push(columns.map((col) => (col in row ? truncate(cellText(row[col]), width) : '')));

  const lines = [table.toString()];
  if (rows.length > maxRows) {
    lines.push(c.dim(`Showing first ${maxRows} of ${rows.length} rows`));
    lines.push(c.yellow(EXPORT_HINT));
  }
  return lines.join('\n');
}

/**
 * Any endpoint result for humans: scalars as they are, a list of objects as a
 * table, a flat object as a key/value table, anything else as pretty JSON.
 */
export function renderValue(value: unknown, opts: TableOptions): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isPlainObject)) return renderTable(value, opts);
    return JSON.stringify(value, jsonReplacer, 2);
  }
  if (isPlainObject(value) && Object.values(value).every((v) => v === null || typeof v !== 'object')) {
    return renderKeyValue(value, opts);
  }
  return JSON.stringify(value, jsonReplacer, 2);
}

function renderKeyValue(value: Record<string, unknown>, opts: TableOptions): string {
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const c = colors(opts.color);
  const width = opts.maxCellWidth ?? DEFAULT_MAX_CELL_WIDTH;
  const table = newTable([c.bold(c.cyan('Key')), c.bold(c.cyan('Value'))]);
  for (const [key, v] of entries) table.push([truncate(key, width), truncate(cellText(v), width)]);
  return table.toString();
}

function newTable(head: string[]): Table.Table {
  // cli-table3 would colour headers and borders itself (and decide about
  // colour support on its own); styling is ours, through picocolors. Compact:
  // no rule between rows, so 100 rows take 100 lines.
  return new Table({ head, style: { head: [], border: [], compact: true } });
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value, jsonReplacer);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function truncate(text: string, width: number): string {
  const oneLine = text.replace(/\r?\n/g, '⏎');
  return oneLine.length > width ? `${oneLine.slice(0, Math.max(0, width - 1))}…` : oneLine;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** DuckDB hands back BIGINT/HUGEINT as bigint, which JSON.stringify rejects. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}

/** The message a user sees; configuration errors carry their file, line and field path. */
export function errorMessage(err: unknown): string {
  if (err instanceof ConfigError) return err.format();
  if (err instanceof ConfigErrors) return err.errors.map((e) => e.format()).join('\n');
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : String(err);
}

/** One line for an endpoint file that failed to load: each problem as `file:line:col: path: message`. */
export function failureMessage(failure: EndpointFailure): string {
  return failure.errors.map((e) => e.format()).join('; ');
}
