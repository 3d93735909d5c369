// Errors a user can fix by editing a file: they carry where (file, line,
// column, field path) and what was expected. Every loader in the worker throws
// or collects these; the CLI and the operator print them as they are.

export interface SourceLocation {
  /** Path of the file, relative to the project root when known. */
  file: string;
  /** 1-based line, when the problem can be pinned to a place in the file. */
  line?: number;
  /** 1-based column. */
  column?: number;
}

export class ConfigError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Field path inside the document, e.g. `tool.parameters[0].type`. */
  readonly path?: string;
  readonly hint?: string;

  constructor(message: string, where: SourceLocation & { path?: string; hint?: string }) {
    super(message);
    this.name = 'ConfigError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.path = where.path;
    this.hint = where.hint;
  }

  /** `file:line:column: path: message (hint)`, the form shown to users. */
  format(): string {
    const place = [this.file, this.line, this.line !== undefined ? this.column : undefined]
      .filter((part) => part !== undefined)
      .join(':');
    const field = this.path ? ` ${this.path}:` : '';
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${place}:${field} ${this.message}${hint}`;
  }
}

/** Several problems found in one pass (a loader reports all of them, not just the first). */
export class ConfigErrors extends Error {
  readonly errors: ConfigError[];

  constructor(errors: ConfigError[]) {
    super(errors.map((e) => e.format()).join('\n'));
    this.name = 'ConfigErrors';
    this.errors = errors;
  }
}
