// Quoting for the few places where the DuckDB layer must write configuration values into SQL text
// (statements that take no bound parameters: INSTALL … FROM, CREATE SECRET). Request values are
// never quoted here: they are always bound (see bind.ts).

/** A single-quoted SQL string literal; quotes are doubled, nothing else is special in DuckDB. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const BARE_WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for names DuckDB accepts unquoted where a keyword-like word is expected (TYPE, option keys). */
export function isBareWord(name: string): boolean {
  return BARE_WORD.test(name);
}
