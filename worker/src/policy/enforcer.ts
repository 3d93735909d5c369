// An endpoint's `policies:` block (MXCP-SPEC §4.8, §5), compiled once and
// enforced per call. Input rules see every parameter plus `user` and can only
// deny; output rules see `user` and `response` and deny or reshape the result,
// each rule feeding the next. Unlike MXCP, a condition that fails to evaluate
// denies (fail closed), is logged, and is reported in the decision so the audit
// record shows it. Spans and their attributes follow MXCP-SPEC §11 and never
// carry parameter values or results.
import { trace, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { PolicyRule, TypeDefinition } from '../endpoints/schema.js';
import { filterFields, filterSensitive, maskFields, type Transform } from './actions.js';
import { CelSyntaxError, compileCondition, type CompiledCondition } from './cel.js';
import { policyUser, type PolicyUserSource } from './user.js';

export type PolicyPhase = 'input' | 'output';
export type PolicyAction = PolicyRule['action'];

/** The `policies:` block as written (endpoint YAML, or `sql_tools.policies` in the site file). */
export interface PolicyBlock {
  input?: PolicyRule[] | null;
  output?: PolicyRule[] | null;
}

/** MXCP's decision reporting; the engine's PolicyOutcome has this shape and is filled in place. */
export interface PolicyReport {
  decision: 'allow' | 'deny' | 'warn' | null;
  reason: string | null;
  /** `"input[i]: <cond>"` / `"output[i]: <cond>"`, in evaluation order. */
  evaluated: string[];
}

export interface PolicyDenial {
  phase: PolicyPhase;
  /** What the caller is told (after "Policy enforcement failed: "). */
  reason: string;
  /** Index of the deciding rule in its phase's list. */
  index: number;
  /** The evaluation error, when the condition failed rather than held. */
  error?: string;
}

export type OutputResult = { denial: PolicyDenial } | { denial: null; value: unknown };

export interface PolicyLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** A rule that cannot be compiled; `path` is relative to the policies block, e.g. `['input', 0, 'condition']`. */
export class PolicyConfigError extends Error {
  constructor(
    message: string,
    readonly path: (string | number)[],
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'PolicyConfigError';
  }
}

export interface CompilePolicyOptions {
  /** The endpoint's `return:` type, which `filter_sensitive_fields` follows. */
  returnType?: TypeDefinition;
  /** Declared parameter names: bound to null when a call leaves one out, so conditions can test it. */
  parameters?: readonly string[];
  /** Where evaluation errors and the `user` name collision are reported. */
  logger?: PolicyLogger;
  /** Names the endpoint in log lines. */
  endpoint?: string;
}

export interface PolicySet {
  /** True when any rule is declared: the decision is then reported as allow/deny/warn, else null. */
  readonly active: boolean;
  readonly inputCount: number;
  readonly outputCount: number;
  /** Runs the input rules on the call's parameters; records into `report`; returns the denial, if any. */
  enforceInput(
    params: Readonly<Record<string, unknown>>,
    user: PolicyUserSource | null | undefined,
    report: PolicyReport,
  ): PolicyDenial | null;
  /** Runs the output rules on the result; returns the (possibly reshaped) result or the denial. */
  enforceOutput(
    response: unknown,
    user: PolicyUserSource | null | undefined,
    report: PolicyReport,
  ): OutputResult;
}

interface CompiledRule {
  index: number;
  label: string;
  /** `"<label>: <condition>"`, the rule's entry in the report's `evaluated` list. */
  entry: string;
  /** The rule's evaluation span name and fixed attributes. */
  spanName: string;
  spanAttributes: Record<string, string>;
  action: PolicyAction;
  reason?: string;
  fields: string[];
  condition: CompiledCondition;
  /** Output rules that reshape the result. */
  transform?: Transform;
}

const DEFAULT_INPUT_REASON = 'Access denied by policy';
const DEFAULT_OUTPUT_REASON = 'Output blocked by policy';

const stderrLogger: PolicyLogger = {
  warn: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', component: 'policy', message, ...fields })}\n`);
  },
};

const tracer = () => trace.getTracer('mxcp');

export function compilePolicies(
  block: PolicyBlock | null | undefined,
  options: CompilePolicyOptions = {},
): PolicySet {
  const input = (block?.input ?? []).map((rule, i) => compileRule('input', rule, i, options));
  const output = (block?.output ?? []).map((rule, i) => compileRule('output', rule, i, options));
  const logger = options.logger ?? stderrLogger;
  const declared = options.parameters ?? [];
  if (input.length > 0 && declared.includes('user')) {
    logger.warn("a parameter named 'user' is hidden from input policies by the caller's `user`", {
      endpoint: options.endpoint,
    });
  }
  // Input rules with another action are accepted and ignored, as MXCP does; they are never evaluated.
  const inputDenies = input.filter((rule) => rule.action === 'deny');
  const active = input.length + output.length > 0;

  return {
    active,
    inputCount: input.length,
    outputCount: output.length,
    enforceInput(params, user, report) {
      if (!active) return null;
      return tracer().startActiveSpan('mxcp.policy.enforce_input', (span) => {
        const bindings: Record<string, unknown> = {};
        for (const name of declared) bindings[name] = null;
        Object.assign(bindings, params);
        bindings.user = policyUser(user);
        let denial: PolicyDenial | null = null;
        for (const rule of inputDenies) {
          report.evaluated.push(rule.entry);
          const held = evaluate(rule, bindings, logger, options.endpoint);
          if (held === true)
            denial = { phase: 'input', reason: rule.reason ?? DEFAULT_INPUT_REASON, index: rule.index };
          else if (held instanceof Error) denial = evaluationDenial('input', rule, held);
          if (denial) break;
        }
        record(report, denial);
        endEnforceSpan(span, input.length, user, report, denial, null);
        return denial;
      });
    },
    enforceOutput(response, user, report) {
      if (output.length === 0) return { denial: null, value: response };
      return tracer().startActiveSpan('mxcp.policy.enforce_output', (span) => {
        const celUser = policyUser(user);
        let value = response;
        let denial: PolicyDenial | null = null;
        let applied: PolicyAction | null = null;
        for (const rule of output) {
          report.evaluated.push(rule.entry);
          const held = evaluate(rule, { user: celUser, response: value }, logger, options.endpoint);
          if (held instanceof Error) denial = evaluationDenial('output', rule, held);
          else if (held && rule.action === 'deny')
            denial = { phase: 'output', reason: rule.reason ?? DEFAULT_OUTPUT_REASON, index: rule.index };
          else if (held && rule.transform) {
            value = rule.transform(value);
            applied = rule.action;
          }
          if (denial) break;
        }
        if (denial) record(report, denial);
        else if (applied) {
          report.decision = 'warn';
          report.reason = `Output modified by ${applied}`;
        } else if (report.decision === null) report.decision = 'allow';
        endEnforceSpan(span, output.length, user, report, denial, applied);
        return denial ? { denial } : { denial: null, value };
      });
    },
  };
}

/** A set with no rules: decisions stay null, results pass through. */
export const NO_POLICIES: PolicySet = compilePolicies(null);

function compileRule(
  phase: PolicyPhase,
  rule: PolicyRule,
  index: number,
  options: CompilePolicyOptions,
): CompiledRule {
  let condition: CompiledCondition;
  try {
    condition = compileCondition(rule.condition);
  } catch (error) {
    if (!(error instanceof CelSyntaxError)) throw error;
    const at =
      error.column === undefined
        ? ''
        : ` at ${error.line !== undefined && error.line > 1 ? `line ${error.line}, ` : ''}column ${error.column} of the condition`;
    throw new PolicyConfigError(`Invalid CEL in ${phase}[${index}] condition${at}: ${error.message}`, [
      phase,
      index,
      'condition',
    ]);
  }
  const fields = rule.fields ?? [];
  if ((rule.action === 'filter_fields' || rule.action === 'mask_fields') && fields.length === 0) {
    throw new PolicyConfigError(`${rule.action} requires a non-empty 'fields' list`, [
      phase,
      index,
      'action',
    ]);
  }
  const label = `${phase}[${index}]`;
  const compiled: CompiledRule = {
    index,
    label,
    entry: `${label}: ${condition.source}`,
    spanName: `mxcp.policy.evaluate_${label}`,
    spanAttributes: { 'mxcp.policy.condition': condition.source, 'mxcp.policy.action': rule.action },
    action: rule.action,
    reason: rule.reason,
    fields,
    condition,
  };
  if (phase === 'output') {
    if (rule.action === 'filter_fields') compiled.transform = filterFields(fields);
    else if (rule.action === 'mask_fields') compiled.transform = maskFields(fields);
    else if (rule.action === 'filter_sensitive_fields')
      compiled.transform = filterSensitive(options.returnType);
  }
  return compiled;
}

/** true/false, or the evaluation error (logged); one child span per rule. */
function evaluate(
  rule: CompiledRule,
  bindings: Record<string, unknown>,
  logger: PolicyLogger,
  endpoint: string | undefined,
): boolean | Error {
  const span = tracer().startSpan(rule.spanName, { attributes: rule.spanAttributes });
  try {
    const held = rule.condition.evaluate(bindings);
    span.setAttribute('mxcp.policy.condition_result', held);
    if (held && rule.action === 'deny') {
      span.setAttribute('mxcp.policy.denied', true);
      if (rule.reason) span.setAttribute('mxcp.policy.reason', rule.reason);
    }
    if (held && rule.action === 'filter_fields')
      span.setAttribute('mxcp.policy.fields_filtered', rule.fields);
    if (held && rule.action === 'mask_fields') span.setAttribute('mxcp.policy.fields_masked', rule.fields);
    return held;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.warn('policy condition failed to evaluate; denying the call', {
      endpoint,
      rule: rule.label,
      condition: rule.condition.source,
      error: message,
    });
    span.setAttributes({ 'mxcp.policy.error': message, 'mxcp.policy.denied': true });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    return error instanceof Error ? error : new Error(message);
  } finally {
    span.end();
  }
}

function evaluationDenial(phase: PolicyPhase, rule: CompiledRule, error: Error): PolicyDenial {
  return {
    phase,
    reason: `Policy condition ${rule.label} could not be evaluated`,
    index: rule.index,
    error: error.message,
  };
}

function record(report: PolicyReport, denial: PolicyDenial | null): void {
  if (!denial) {
    report.decision = 'allow';
    report.reason = null;
    return;
  }
  report.decision = 'deny';
  // The audit record gets the evaluation error too; the caller only learns that the rule failed.
  report.reason = denial.error ? `${denial.reason}: ${denial.error}` : denial.reason;
}

function endEnforceSpan(
  span: Span,
  count: number,
  user: PolicyUserSource | null | undefined,
  report: PolicyReport,
  denial: PolicyDenial | null,
  applied: PolicyAction | null,
): void {
  span.setAttributes({
    'mxcp.policy.count': count,
    'mxcp.policy.has_user': Boolean(user),
    'mxcp.policy.decision': report.decision ?? 'none',
    'mxcp.policy.evaluated_count': report.evaluated.length,
  });
  if (denial) span.setAttribute('mxcp.policy.denied_at', `${denial.phase}[${denial.index}]`);
  if (applied) span.setAttribute('mxcp.policy.action_applied', applied);
  span.end();
}
