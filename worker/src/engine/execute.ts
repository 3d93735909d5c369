// One call through the pipeline of MXCP-SPEC §0: input validation and coercion,
// SQL execution with bound parameters, reshaping by return type, output
// validation. Policies and audit wrap this in a later layer.
import type { Database } from '../db/index.js';
import { reshapeResult } from '../types/index.js';
import type { RequestContext } from './context.js';
import type { CompiledSqlEndpoint } from './compile.js';
import { EndpointError, type RunOptions } from './types.js';

export async function executeSqlEndpoint(
  endpoint: CompiledSqlEndpoint,
  args: Record<string, unknown>,
  ctx: RequestContext,
  db: Database,
  options: RunOptions = {},
): Promise<unknown> {
  try {
    const params = endpoint.validator.validate(args);
    const rows = await db.query(endpoint.sql, params, ctx);
    const value = reshapeResult(rows, endpoint.returnType);
    if (!options.skipOutputValidation) endpoint.validateOutput?.(value);
    return value;
  } catch (error) {
    throw asEndpointError(error);
  }
}

/** MXCP's message for the caller; the typed error (SqlError, ValidationError, …) stays as the cause. */
export function asEndpointError(error: unknown): EndpointError {
  if (error instanceof EndpointError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EndpointError(message, { cause: error });
}
