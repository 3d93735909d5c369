// One call of a Python endpoint through the same pipeline as SQL (MXCP-SPEC §0, §9): input
// validation and coercion, input policies, the function in the Python host, reshaping of list
// results by return type, output validation, output policies.
import { reshapeResult } from '../../types/index.js';
import type { TypeDefinition } from '../../endpoints/schema.js';
import type { RequestContext } from '../context.js';
import type { CompiledSqlEndpoint } from '../compile.js';
import { asEndpointError, beginPolicyReport, withPolicies } from '../execute.js';
import { EndpointError, type RunOptions } from '../types.js';
import { PythonCallError } from './process.js';
import type { PythonRuntime } from './runtime.js';

export async function executePythonEndpoint(
  endpoint: CompiledSqlEndpoint,
  args: Record<string, unknown>,
  ctx: RequestContext,
  runtime: PythonRuntime | undefined,
  options: RunOptions = {},
): Promise<unknown> {
  const report = beginPolicyReport(ctx);
  try {
    const target = endpoint.python;
    if (!target || !runtime) throw new EndpointError('Python runtime is not available');
    const params = endpoint.validator.validate(args);
    return await withPolicies(endpoint.policies, params, ctx, report, async () => {
      let raw: unknown;
      try {
        raw = await runtime.call(target.file, target.function, params, ctx);
      } catch (error) {
        // The exception's own text, as MXCP passes it on; the traceback stays on the cause.
        if (error instanceof PythonCallError) throw new EndpointError(error.message, { cause: error });
        throw error;
      }
      const value = reshapePythonResult(raw, endpoint.returnType);
      if (!options.skipOutputValidation) endpoint.validateOutput?.(value);
      return value;
    });
  } catch (error) {
    throw asEndpointError(error);
  }
}

/**
 * MXCP reshapes Python results only when they are lists: an `object` return takes the single
 * element, a scalar return the single value of a single row. Anything else is returned as is.
 */
export function reshapePythonResult(value: unknown, ret: TypeDefinition | undefined): unknown {
  if (!ret || ret.type === 'array' || !Array.isArray(value)) return value;
  if (ret.type === 'object') return reshapeResult(value as Record<string, unknown>[], ret);
  const rows = value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
  return rows ? reshapeResult(value as Record<string, unknown>[], ret) : value;
}
