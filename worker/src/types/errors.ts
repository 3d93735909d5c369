// The error every check in the type system throws. Its message is the text a
// client sees (MXCP wording, e.g. "Error validating parameter 'x': Value must be
// >= 1", "Output validation failed: ...", "No results returned"); callers add
// their own prefix ("Error executing tool <name>: ") and never rewrite it.
//
// Messages never echo the offending value: parameters may be sensitive and the
// message ends up in audit records.

export class ValidationError extends Error {
  /** The top-level parameter the error is about, when there is one. */
  readonly parameter?: string;

  constructor(message: string, parameter?: string) {
    super(message);
    this.name = 'ValidationError';
    this.parameter = parameter;
  }
}

/**
 * A failure inside a nested value. Converters throw it with the innermost
 * detail; each enclosing array/object prepends its context ("Array item 2: ",
 * "Property 'k': ") and the entry point wraps it into a ValidationError.
 */
export class DetailError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'DetailError';
  }
}
