// The logger the DuckDB layer writes to. The server passes its structured logger; the default only
// reports warnings on stderr (stdout may carry the MCP stdio protocol). Fields never hold secret
// values, SQL parameter values or results.

export interface DbLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const stderrLogger: DbLogger = {
  debug: () => {},
  warn: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', component: 'duckdb', message, ...fields })}\n`);
  },
};
