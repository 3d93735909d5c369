// One call through the pipeline of MXCP-SPEC §0: input validation and coercion,
// input policies, SQL execution with bound parameters, reshaping by return
// type, output validation, output policies. The policy decision is recorded in
// `ctx.trail.policy` for the audit and telemetry layers, denials included.
//
// Input policies see the validated parameters (coerced, defaults filled in),
// not the raw arguments MXCP hands them: a condition then compares the same
// typed values whether the call came from `mxcp run` (strings) or a client.
import type { Database } from '../db/index.js';
import type { PolicyDenial, PolicySet } from '../policy/index.js';
import { reshapeResult } from '../types/index.js';
import type { PolicyOutcome, RequestContext } from './context.js';
import type { CompiledPromptEndpoint, CompiledSqlEndpoint } from './compile.js';
import type { RenderedPromptMessage } from './prompts.js';
import { EndpointError, type RunOptions } from './types.js';

/**
 * A call refused by a policy rule: "Policy enforcement failed: <reason>" (input)
 * or "Output policy enforcement failed: <reason>" (output), as MXCP words them.
 */
export class PolicyDeniedError extends EndpointError {
  readonly phase: 'input' | 'output';
  readonly reason: string;
  /** Index of the deciding rule in its phase's list. */
  readonly ruleIndex: number;
  /** Set when the rule's condition failed to evaluate (the call is denied: fail closed). */
  readonly evaluationError?: string;

  constructor(denial: PolicyDenial) {
    super(
      denial.phase === 'input'
        ? `Policy enforcement failed: ${denial.reason}`
        : `Output policy enforcement failed: ${denial.reason}`,
    );
    this.name = 'PolicyDeniedError';
    this.phase = denial.phase;
    this.reason = denial.reason;
    this.ruleIndex = denial.index;
    this.evaluationError = denial.error;
  }
}

export async function executeSqlEndpoint(
  endpoint: CompiledSqlEndpoint,
  args: Record<string, unknown>,
  ctx: RequestContext,
  db: Database,
  options: RunOptions = {},
): Promise<unknown> {
  const report = beginPolicyReport(ctx);
  try {
    const params = endpoint.validator.validate(args);
    return await withPolicies(endpoint.policies, params, ctx, report, async () => {
      const rows = await db.query(endpoint.sql, params, ctx);
      const value = reshapeResult(rows, endpoint.returnType);
      if (!options.skipOutputValidation) endpoint.validateOutput?.(value);
      return value;
    });
  } catch (error) {
    throw asEndpointError(error);
  }
}

/** A prompt: parameters validated, input policies, messages rendered, output policies on the messages. */
export async function executePrompt(
  prompt: CompiledPromptEndpoint,
  args: Record<string, unknown>,
  ctx: RequestContext,
): Promise<RenderedPromptMessage[]> {
  const report = beginPolicyReport(ctx);
  try {
    const params = prompt.validator.validate(args);
    return (await withPolicies(prompt.policies, params, ctx, report, async () =>
      prompt.template.render(params),
    )) as RenderedPromptMessage[];
  } catch (error) {
    throw asEndpointError(error);
  }
}

/**
 * Input rules on `params`, then `body`, then output rules on its result. Denials
 * throw PolicyDeniedError; the decision lands in `report` either way.
 */
export async function withPolicies(
  policies: PolicySet,
  params: Record<string, unknown>,
  ctx: RequestContext,
  report: PolicyOutcome,
  body: () => Promise<unknown>,
): Promise<unknown> {
  const denied = policies.enforceInput(params, ctx.user, report);
  if (denied) throw new PolicyDeniedError(denied);
  const value = await body();
  const output = policies.enforceOutput(value, ctx.user, report);
  if (output.denial) throw new PolicyDeniedError(output.denial);
  return output.value;
}

/** A fresh "no policy ran" outcome, already attached to the call's trail when there is one. */
export function beginPolicyReport(ctx: RequestContext): PolicyOutcome {
  const report: PolicyOutcome = { decision: null, reason: null, evaluated: [] };
  if (ctx.trail) ctx.trail.policy = report;
  return report;
}

/** MXCP's message for the caller; the typed error (SqlError, ValidationError, …) stays as the cause. */
export function asEndpointError(error: unknown): EndpointError {
  if (error instanceof EndpointError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EndpointError(message, { cause: error });
}
