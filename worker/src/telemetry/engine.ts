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

const UNKNOWN: Described = { label: UNKNOWN_ENDPOINT, hasInputSchema: false, hasOutputSchema: false };

/** Wraps `engine` so every call is traced and counted; `metrics` is optional (traces only). */
export function withTelemetry(engine: Engine, metrics?: MxcpMetrics): Engine {
  // Everything a call's labels and attributes need is worked out once here, not per call.
  const tools = new Map<string, Described>(engine.listTools().map((t) => [t.name, describeToolInfo(t)]));
  const prompts = new Map<string, Described>(
    engine
      .listPrompts()
      .map((p) => [p.name, { label: p.name, hasInputSchema: false, hasOutputSchema: false }]),
  );
  const resourceUris = new Set<string>();
  const staticResources = new Map<string, Described>();
  const templates: Array<{ described: Described; matcher: UriMatcher }> = [];
  for (const r of engine.listResources()) {
    resourceUris.add(r.uri);
    if (r.isTemplate)
      templates.push({
        described: { label: r.uri, hasInputSchema: true, hasOutputSchema: false },
        matcher: compileUriTemplate(r.uri),
      });
    else if (!staticResources.has(r.uri))
      staticResources.set(r.uri, { label: r.uri, hasInputSchema: false, hasOutputSchema: false });
  }

  const describeTool = (name: string): Described => tools.get(name) ?? UNKNOWN;
  const describePrompt = (name: string): Described => prompts.get(name) ?? UNKNOWN;
  /** A static resource by exact URI first, else the first template that matches, with its placeholder values. */
  const resolveResource = (uri: string): { described: Described; params: Record<string, unknown> } => {
    const exact = staticResources.get(uri);
    if (exact) return { described: exact, params: {} };
    for (const t of templates) {
      const params = t.matcher.match(uri);
      if (params) return { described: t.described, params };
    }
    return { described: UNKNOWN, params: {} };
  };

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
      // The placeholder values are the parameters; only their number is recorded.
      const { described, params } = resolveResource(uri);
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
      let described =
        kind === 'tool'
          ? describeTool(name)
          : kind === 'resource'
            ? resolveResource(name).described
            : describePrompt(name);
      // `run` names resources by template, so the name itself is the label when known.
      if (kind === 'resource' && resourceUris.has(name) && described.label !== name)
        described = { ...described, label: name };
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

function describeToolInfo(info: ToolInfo): Described {
  const properties = (info.inputSchema.properties ?? {}) as Record<string, unknown>;
  return {
    label: info.name,
    hasInputSchema: Object.keys(properties).length > 0,
    hasOutputSchema: info.outputSchema !== undefined,
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
