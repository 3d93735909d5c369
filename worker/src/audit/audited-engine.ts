// The audit layer as an Engine decorator: one `mxcp.endpoints` record per
// tools/call, resources/read and prompts/get (MXCP-SPEC §6), never for list
// calls and never for `run` (`mxcp run`/`mxcp test` do not audit). Sensitive
// parameters and return fields are redacted before the record leaves the call.
// Auditing never changes a call's outcome: the result or error is passed on
// unchanged, and a failure to build or queue the record is only logged.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { SQL_TOOLS } from '../db/index.js';
import type { LoadedEndpoint } from '../endpoints/index.js';
import { compileUriTemplate, type UriMatcher } from '../endpoints/uri-template.js';
import type { EndpointKind, Parameter, TypeDefinition } from '../endpoints/schema.js';
import type { RequestContext } from '../engine/context.js';
import type { Engine } from '../engine/types.js';
import { compileParameterMask, compileSensitiveMask, REDACTED } from '../types/sensitive.js';
import { buildRecord, type OperationType } from './record.js';
import { compileRedactor, FULL_REDACTION, type RedactionSpec } from './redaction.js';
import type { AuditLogger, AuditWriter } from './writer.js';

export interface AuditOptions {
  /** The project's endpoints (OpenedProject.loaded): their types say what is sensitive. */
  endpoints?: readonly LoadedEndpoint[];
  /** What sensitive values become; default `full` ("[REDACTED]"). */
  sensitiveRedaction?: RedactionSpec;
  logger?: AuditLogger;
}

/** The subset of the writer the layer needs, so anything that queues records can stand behind it. */
export type AuditSink = Pick<AuditWriter, 'record'>;

interface Redaction {
  input(args: Record<string, unknown>): Record<string, unknown>;
  output(value: unknown): unknown;
}

interface AuditedResource extends Redaction {
  matcher: UriMatcher;
  /** Resources return text; it is JSON unless the declared return type is a string. */
  returnsString: boolean;
}

const BUILTIN_INPUT: Record<string, readonly string[]> = {
  execute_sql_query: ['sql'],
  list_tables: [],
  get_table_schema: ['table_name'],
};
const BUILTIN_NAMES = new Set<string>(SQL_TOOLS.map((t) => t.name));

const plain: Redaction = { input: (args) => ({ ...args }), output: (value) => value };

export function withAudit(engine: Engine, writer: AuditSink, options: AuditOptions = {}): Engine {
  const redact = compileRedactor(options.sensitiveRedaction ?? FULL_REDACTION);
  const logger = options.logger ?? { error: (m: string) => process.stderr.write(m + '\n') };
  const tools = new Map<string, Redaction>();
  const prompts = new Map<string, Redaction>();
  const resources: AuditedResource[] = [];
  for (const endpoint of options.endpoints ?? []) {
    const parameters: Parameter[] = endpoint.definition.parameters ?? [];
    const returnType: TypeDefinition | undefined = endpoint.definition.return;
    const redaction: Redaction = {
      input: compileParameterMask(parameters, redact),
      output: returnType ? compileSensitiveMask(returnType, redact) : (value) => value,
    };
    if (endpoint.kind === 'tool') tools.set(endpoint.name, redaction);
    else if (endpoint.kind === 'prompt') prompts.set(endpoint.name, redaction);
    else
      resources.push({
        ...redaction,
        matcher: compileUriTemplate(endpoint.name),
        returnsString: returnType?.type === 'string',
      });
  }

  async function audited<T>(
    kind: OperationType,
    name: string,
    ctx: RequestContext,
    facts: { input: () => Record<string, unknown>; output: (result: T) => unknown },
    call: () => Promise<T>,
  ): Promise<T> {
    ctx.trail ??= {};
    const traceId = activeTraceId();
    const started = performance.now();
    const timestamp = new Date();
    let result: T | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = await call();
    } catch (error) {
      failed = true;
      failure = error;
    }
    try {
      const policy = ctx.trail.policy;
      const record = buildRecord({
        timestamp,
        operation_type: kind,
        operation_name: name,
        operation_status: failed ? 'error' : 'success',
        duration_ms: performance.now() - started,
        caller_type: ctx.caller === 'test' ? 'unknown' : ctx.caller,
        user_id: ctx.user?.user_id ?? null,
        session_id: ctx.sessionId,
        trace_id: traceId,
        input_data: facts.input(),
        output_data: failed ? null : facts.output(result as T),
        error: failed ? (failure instanceof Error ? failure.message : String(failure)) : null,
        policies_evaluated: policy?.evaluated ?? [],
        policy_decision: policy?.decision ?? null,
        policy_reason: policy?.reason ?? null,
      });
      await writer.record(record);
    } catch (error) {
      logger.error(
        `CRITICAL: Audit logging failed for ${kind} ${name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (failed) throw failure;
    return result as T;
  }

  /** Redaction of an odd value must not cost the record: the value is then withheld entirely. */
  function safe<T>(fn: () => T, withheld: T): T {
    try {
      return fn();
    } catch {
      return withheld;
    }
  }

  return {
    listTools: () => engine.listTools(),
    listResources: () => engine.listResources(),
    listPrompts: () => engine.listPrompts(),
    complete: (ref, argument, value) => engine.complete(ref, argument, value),
    run: (kind: EndpointKind, name, args, ctx, runOptions) => engine.run(kind, name, args, ctx, runOptions),
    close: () => engine.close(),

    callTool(name, args, ctx) {
      const builtin = BUILTIN_NAMES.has(name) && !tools.has(name);
      const redaction = tools.get(name) ?? plain;
      return audited(
        'tool',
        name,
        ctx,
        {
          input: () =>
            builtin ? pick(args ?? {}, BUILTIN_INPUT[name]) : safe(() => redaction.input(args ?? {}), {}),
          output: (result) => (builtin ? null : safe(() => redaction.output(result.value), REDACTED)),
        },
        () => engine.callTool(name, args, ctx),
      );
    },

    readResource(uri, ctx) {
      // One match per call: the first template that fits gives both the resource and its parameters.
      let resource: AuditedResource | undefined;
      let params: Record<string, string> = {};
      for (const candidate of resources) {
        const match = candidate.matcher.match(uri);
        if (match) {
          resource = candidate;
          params = match;
          break;
        }
      }
      return audited(
        'resource',
        resource?.matcher.template ?? uri,
        ctx,
        {
          input: () => safe(() => (resource ?? plain).input(params), {}),
          output: (result) => {
            const value = resource?.returnsString ? result.text : parseJsonOr(result.text);
            return safe(() => (resource ?? plain).output(value), REDACTED);
          },
        },
        () => engine.readResource(uri, ctx),
      );
    },

    getPrompt(name, args, ctx) {
      const redaction = prompts.get(name) ?? plain;
      return audited(
        'prompt',
        name,
        ctx,
        {
          input: () => safe(() => redaction.input(args ?? {}), {}),
          output: (result) => result.messages,
        },
        () => engine.getPrompt(name, args, ctx),
      );
    },
  };
}

/** The active span's trace id (32 hex digits), or null outside a valid span. */
function activeTraceId(): string | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : null;
}

function pick(args: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(args, key)) out[key] = args[key];
  return out;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
