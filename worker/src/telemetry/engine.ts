// The telemetry layer around an Engine (MXCP-SPEC §11): one `mxcp.endpoint.execute` root span per
// call, made the ACTIVE span so the execution span, DuckDB spans and the audit layer (which reads
// trace.getActiveSpan()) hang under it; request, error, concurrency and duration metrics; and the
// policy metrics, read from `ctx.trail.policy` after the call.
//
// Never on a span or a label: parameter values, SQL text, results, error messages (DuckDB and
// validation messages can quote values). Only names, counts, types and decisions.
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { compileUriTemplate, type UriMatcher } from '../endpoints/uri-template.js';
import type { CallTrail, PolicyOutcome, RequestContext } from '../engine/context.js';
import type { Engine, ToolInfo } from '../engine/types.js';
import type { EndpointType, MxcpMetrics } from './metrics.js';

const tracer = trace.getTracer('mxcp');

/** The metric label of a call to a name the engine does not know: keeps label sets bounded. */
export const UNKNOWN_ENDPOINT = 'unknown';

/** What the layer knows of an endpoint before calling it. */
interface Described {
  /** Metric label and span attribute: the tool/prompt name or the resource's URI template. */
  label: string;
  hasInputSchema: boolean;
  hasOutputSchema: boolean;
}

/** Wraps `engine` so every call is traced and counted; `metrics` is optional (traces only). */
export function withTelemetry(engine: Engine, metrics?: MxcpMetrics): Engine {
  const tools = new Map<string, ToolInfo>(engine.listTools().map((t) => [t.name, t]));
  const prompts = new Set(engine.listPrompts().map((p) => p.name));
  const resources: Array<{ uri: string; matcher: UriMatcher | null }> = engine
    .listResources()
    .map((r) => ({ uri: r.uri, matcher: r.isTemplate ? compileUriTemplate(r.uri) : null }));

  const describeTool = (name: string): Described => {
    const info = tools.get(name);
    if (!info) return { label: UNKNOWN_ENDPOINT, hasInputSchema: false, hasOutputSchema: false };
    const properties = (info.inputSchema.properties ?? {}) as Record<string, unknown>;
    return {
      label: name,
      hasInputSchema: Object.keys(properties).length > 0,
      hasOutputSchema: info.outputSchema !== undefined,
    };
  };
  const describeResource = (uri: string): Described => {
    const hit =
      resources.find((r) => r.matcher === null && r.uri === uri) ??
      resources.find((r) => r.matcher?.match(uri));
    return {
      label: hit?.uri ?? UNKNOWN_ENDPOINT,
      hasInputSchema: Boolean(hit?.matcher),
      hasOutputSchema: false,
    };
  };
  const describePrompt = (name: string): Described => ({
    label: prompts.has(name) ? name : UNKNOWN_ENDPOINT,
    hasInputSchema: false,
    hasOutputSchema: false,
  });

  const observe = <T>(
    type: EndpointType,
    described: Described,
    args: Record<string, unknown>,
    ctx: RequestContext,
    call: () => Promise<T>,
    resultCount: (value: T) => number,
  ): Promise<T> => observeCall({ type, described, args, ctx, call, resultCount, metrics });

  return {
    listTools: () => engine.listTools(),
    listResources: () => engine.listResources(),
    listPrompts: () => engine.listPrompts(),
    complete: (ref, argument, value) => engine.complete(ref, argument, value),
    callTool: (name, args, ctx) =>
      observe(
        'tool',
        describeTool(name),
        args ?? {},
        ctx,
        () => engine.callTool(name, args, ctx),
        (r) => countOf(r.value),
      ),
    readResource: (uri, ctx) => {
      const described = describeResource(uri);
      // The placeholder values are the parameters; only their number is recorded.
      const params = resources.find((r) => r.uri === described.label)?.matcher?.match(uri) ?? {};
      return observe(
        'resource',
        described,
        params,
        ctx,
        () => engine.readResource(uri, ctx),
        () => 1,
      );
    },
    getPrompt: (name, args, ctx) =>
      observe(
        'prompt',
        describePrompt(name),
        args ?? {},
        ctx,
        () => engine.getPrompt(name, args, ctx),
        (r) => r.messages.length,
      ),
    run: (kind, name, args, ctx, options) => {
      const described =
        kind === 'tool'
          ? describeTool(name)
          : kind === 'resource'
            ? describeResource(name)
            : describePrompt(name);
      // `run` names resources by template, so the name itself is the label when known.
      if (kind === 'resource' && resources.some((r) => r.uri === name)) described.label = name;
      return observe(
        kind,
        described,
        args ?? {},
        ctx,
        () => engine.run(kind, name, args, ctx, options),
        countOf,
      );
    },
    close: () => engine.close(),
  };
}

interface ObservedCall<T> {
  type: EndpointType;
  described: Described;
  args: Record<string, unknown>;
  ctx: RequestContext;
  call: () => Promise<T>;
  resultCount: (value: T) => number;
  metrics: MxcpMetrics | undefined;
}

async function observeCall<T>(o: ObservedCall<T>): Promise<T> {
  const { type, described, ctx, metrics } = o;
  const endpoint = described.label;
  const caller = ctx.caller;
  ctx.trail ??= {};
  const trail: CallTrail = ctx.trail;

  metrics?.endpointConcurrent.inc({ endpoint, type });
  const stopTimer = metrics?.endpointDuration.startTimer({ endpoint, type });
  const rootAttributes = {
    'mxcp.endpoint.name': endpoint,
    'mxcp.endpoint.type': type,
    'mxcp.auth.authenticated': ctx.user !== null,
    ...(ctx.user ? { 'mxcp.auth.provider': ctx.user.provider } : {}),
    ...(ctx.sessionId ? { 'mxcp.session.id': ctx.sessionId } : {}),
  };
  return tracer.startActiveSpan('mxcp.endpoint.execute', { attributes: rootAttributes }, async (root) => {
    let status: 'success' | 'error' = 'success';
    try {
      return await (type === 'prompt' ? o.call() : executionSpan(o));
    } catch (error) {
      status = 'error';
      const errorType = errorTypeOf(error);
      failSpan(root, errorType);
      metrics?.endpointErrors.inc({ endpoint, type, caller, error_type: errorType });
      throw error;
    } finally {
      const policy = trail.policy;
      const decision = policy?.decision ?? 'none';
      root.setAttribute('mxcp.policy.decision', decision);
      root.setAttribute('mxcp.policy.rules_evaluated', policy?.evaluated.length ?? 0);
      root.end();
      if (metrics) {
        metrics.endpointConcurrent.dec({ endpoint, type });
        stopTimer?.({ status });
        metrics.endpointRequests.inc({ endpoint, type, status, caller, policy_decision: decision });
        if (policy) recordPolicyOutcome(metrics, policy);
      }
    }
  });
}

/** `mxcp.execution_engine.execute`: the execution under the root span, parent of the DuckDB spans. */
function executionSpan<T>(o: ObservedCall<T>): Promise<T> {
  // Every endpoint the engine runs today is SQL (built-in SQL tools included).
  const language = 'sql';
  const attributes = {
    'mxcp.execution.language': language,
    'mxcp.params.count': Object.keys(o.args).length,
    'mxcp.has_input_schema': o.described.hasInputSchema,
    'mxcp.has_output_schema': o.described.hasOutputSchema,
  };
  o.metrics?.executionConcurrent.inc({ language });
  return tracer.startActiveSpan('mxcp.execution_engine.execute', { attributes }, async (span) => {
    try {
      const value = await o.call();
      span.setAttribute('mxcp.result.count', o.resultCount(value));
      o.metrics?.executions.inc({ language, status: 'success', error: '' });
      return value;
    } catch (error) {
      const errorType = errorTypeOf(error);
      failSpan(span, errorType);
      o.metrics?.executions.inc({ language, status: 'error', error: errorType });
      throw error;
    } finally {
      o.metrics?.executionConcurrent.dec({ language });
      span.end();
    }
  });
}

/**
 * Policy metrics from the decision the policy layer left in the trail: one evaluation per phase
 * that ran (from the `input[i]:`/`output[i]:` entries), a denial for the phase that denied.
 */
export function recordPolicyOutcome(metrics: MxcpMetrics, policy: PolicyOutcome): void {
  const phases = [
    ...new Set(policy.evaluated.map((e) => (e.startsWith('output') ? 'output' : 'input'))),
  ] as Array<'input' | 'output'>;
  if (phases.length === 0) return;
  const last = phases[phases.length - 1];
  for (const phase of phases) {
    // Only the last phase can have denied or warned: a denial stops the call.
    const decision = phase === last ? (policy.decision ?? 'allow') : 'allow';
    metrics.recordPolicyEvaluation(phase, decision);
  }
  if (policy.decision === 'deny') metrics.recordPolicyDenial(last, policy.reason ?? 'denied');
}

/** The error's class name; for a generic EndpointError, the class of the error it wraps. */
export function errorTypeOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  if (error.name === 'EndpointError' && error.cause instanceof Error) return error.cause.name;
  return error.name;
}

function failSpan(span: Span, errorType: string): void {
  // The type only: messages can quote parameter values.
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
}

/** `mxcp.result.count`: rows of an array result, 1 for any other value, 0 for none. */
function countOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return value === null || value === undefined ? 0 : 1;
}
