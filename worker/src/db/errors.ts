// Errors raised by the DuckDB layer. Both carry DuckDB's own message separately so callers
// (validation reports, audit) can show it without our prefix.

/** A statement failed to prepare or run. `message` is what MXCP shows to clients. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  /** DuckDB's message, without our prefix. */
  readonly duckdbMessage: string;

  constructor(message: string, duckdbMessage: string, options?: { cause?: unknown }) {
    super(message, options);
    this.duckdbMessage = duckdbMessage;
  }
}

/** Opening the database failed (file, extension, pool): a startup error the user must fix. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
}

/** DuckDB's message for an unknown thrown value. */
export function duckdbMessageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function executionError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const msg = duckdbMessageOf(err);
  return new SqlError(`Failed to execute SQL: ${msg}`, msg, { cause: err });
}
