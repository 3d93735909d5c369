import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymousContext, type RequestContext } from '../engine/context.js';
import { withAudit } from '../audit/audited-engine.js';
import type { Engine } from '../engine/types.js';
import {
  SERVER_PROJECT,
  copyFixture,
  openFixture,
  type OpenFixture,
} from '../server/testdata/open-fixture.js';
import type { ReadableSpan } from './exporters.js';
import { withTelemetry } from './engine.js';
import { MxcpMetrics } from './metrics.js';
import { allAttributeText, recordSpans } from './testdata/recording.js';

// One provider per file: the global provider can be registered once per process.
const { recorder, sdk } = recordSpans();

const SECRET = 'secret-param-7f3a';

let fixture: OpenFixture;
let metrics: MxcpMetrics;
let engine: Engine;

// The serving fixture plus one tool with an input policy.
const GUARDED = `mxcp: 1
tool:
  name: guarded
  parameters:
    - name: name
      type: string
  return:
    type: string
  policies:
    input:
      - condition: name == "mallory"
        action: deny
        reason: Blocked user
  source:
    code: SELECT 'ok ' || $name
`;

beforeAll(async () => {
  const copy = copyFixture(SERVER_PROJECT);
  try {
    writeFileSync(join(copy.dir, 'tools', 'guarded.yml'), GUARDED);
    fixture = await openFixture(copy.dir);
  } finally {
    copy.cleanup();
  }
});

afterAll(async () => {
  await fixture?.cleanup();
  await sdk.shutdown();
});

beforeEach(() => {
  recorder.reset();
  metrics = new MxcpMetrics({ processMetrics: false });
  engine = withTelemetry(fixture.engine, metrics);
});

function byName(name: string): ReadableSpan[] {
  return recorder.spans.filter((s) => s.name === name);
}

function only(name: string): ReadableSpan {
  const spans = byName(name);
  expect(spans, `spans named ${name}`).toHaveLength(1);
  return spans[0];
}

/** `inner` with its callTool replaced: a probe that sees what the engine sees. */
function withCallTool(inner: Engine, callTool: Engine['callTool']): Engine {
  return {
    listTools: () => inner.listTools(),
    listResources: () => inner.listResources(),
    listPrompts: () => inner.listPrompts(),
    complete: (ref, argument, value) => inner.complete(ref, argument, value),
    callTool,
    readResource: (uri, ctx) => inner.readResource(uri, ctx),
    getPrompt: (name, args, ctx) => inner.getPrompt(name, args, ctx),
    run: (kind, name, args, ctx, options) => inner.run(kind, name, args, ctx, options),
    close: () => inner.close(),
  };
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe('withTelemetry spans', () => {
  it('nests endpoint.execute → execution_engine.execute → duckdb.execute for a tool call', async () => {
    const result = await engine.callTool('greet', { name: SECRET }, anonymousContext('http'));
    expect(result.value).toBe(`Hello, ${SECRET}!`);

    const root = only('mxcp.endpoint.execute');
    const execution = only('mxcp.execution_engine.execute');
    const query = only('mxcp.duckdb.execute');
    expect(parentOf(root)).toBeUndefined();
    expect(parentOf(execution)).toBe(root.spanContext().spanId);
    expect(parentOf(query)).toBe(execution.spanContext().spanId);
    expect(new Set(recorder.spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    expect(root.attributes).toMatchObject({
      'mxcp.endpoint.name': 'greet',
      'mxcp.endpoint.type': 'tool',
      'mxcp.auth.authenticated': false,
      'mxcp.policy.decision': 'none',
      'mxcp.policy.rules_evaluated': 0,
    });
    expect(execution.attributes).toMatchObject({
      'mxcp.execution.language': 'sql',
      'mxcp.params.count': 1,
      'mxcp.has_input_schema': true,
      'mxcp.has_output_schema': true,
      'mxcp.result.count': 1,
    });
    expect(query.attributes).toMatchObject({
      'db.system': 'duckdb',
      'db.operation': 'select',
      'db.parameters.count': 1,
      'db.readonly': false,
      'db.rows_affected': 1,
    });
    expect(query.attributes['db.statement.hash']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('puts no parameter value, SQL text or result in any span attribute', async () => {
    await engine.callTool('greet', { name: SECRET }, anonymousContext('http'));
    await engine.getPrompt('review', { topic: SECRET }, anonymousContext('http'));
    const text = allAttributeText(recorder.spans);
    expect(recorder.spans.length).toBeGreaterThanOrEqual(4);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Hello');
    expect(text).not.toContain('$name');
    expect(text).not.toContain('||');
  });

  it('makes the root span the active span inside the call, so inner layers can read it', async () => {
    let seen: string | undefined;
    const probe = withCallTool(fixture.engine, async (name, args, ctx) => {
      seen = trace.getActiveSpan()?.spanContext().spanId;
      return fixture.engine.callTool(name, args, ctx);
    });
    await withTelemetry(probe).callTool('list_people', {}, anonymousContext('http'));
    // The probe runs inside the execution span, whose parent is the root.
    const execution = only('mxcp.execution_engine.execute');
    expect(seen).toBe(execution.spanContext().spanId);
    expect(parentOf(execution)).toBe(only('mxcp.endpoint.execute').spanContext().spanId);
  });

  it('marks failing calls with the error type only, never the message', async () => {
    await expect(engine.callTool('fail', {}, anonymousContext('http'))).rejects.toThrow(/always fails/);
    const root = only('mxcp.endpoint.execute');
    expect(root.status.code).toBe(2);
    expect(root.attributes['error.type']).toBe('SqlError');
    expect(only('mxcp.duckdb.execute').status.code).toBe(2);
    expect(allAttributeText(recorder.spans)).not.toContain('always fails');
  });

  it('labels templated resources by their template and records the user and session', async () => {
    const ctx: RequestContext = {
      ...anonymousContext('http'),
      sessionId: 'session-1',
      user: {
        provider: 'github',
        user_id: 'u1',
        username: 'ada',
        email: null,
        name: null,
        raw_profile: {},
        external_token: null,
        capabilities: [],
      },
    };
    await engine.readResource('users://1', ctx);
    const root = only('mxcp.endpoint.execute');
    expect(root.attributes).toMatchObject({
      'mxcp.endpoint.name': 'users://{id}',
      'mxcp.endpoint.type': 'resource',
      'mxcp.auth.authenticated': true,
      'mxcp.auth.provider': 'github',
      'mxcp.session.id': 'session-1',
    });
    expect(only('mxcp.execution_engine.execute').attributes['mxcp.params.count']).toBe(1);
  });

  it('correlates audit records with the trace when the audit layer sits inside', async () => {
    const records: Array<{ trace_id: string | null; policy_decision: string | null }> = [];
    const audited = withAudit(fixture.engine, {
      record: async (record) => {
        records.push(record as unknown as (typeof records)[number]);
        return true;
      },
    });
    await withTelemetry(audited, metrics).callTool('guarded', { name: 'ada' }, anonymousContext('http'));
    expect(records).toHaveLength(1);
    expect(records[0].trace_id).toBe(only('mxcp.endpoint.execute').spanContext().traceId);
    expect(records[0].policy_decision).toBe('allow');
  });

  it('creates the call trail before the inner engine runs', async () => {
    const ctx = anonymousContext('http');
    let trailSeen = false;
    const inner = withCallTool(fixture.engine, (name, args, c) => {
      trailSeen = c.trail !== undefined;
      return fixture.engine.callTool(name, args, c);
    });
    await withTelemetry(inner).callTool('list_people', {}, ctx);
    expect(trailSeen).toBe(true);
  });
});

describe('withTelemetry metrics', () => {
  it('counts requests, errors and durations with MXCP labels', async () => {
    await engine.callTool('greet', { name: 'x' }, anonymousContext('http'));
    await engine.callTool('greet', { name: 'y' }, anonymousContext('http'));
    await expect(engine.callTool('fail', {}, anonymousContext('stdio'))).rejects.toThrow();
    await expect(engine.callTool('no_such_tool', {}, anonymousContext('http'))).rejects.toThrow();
    await engine.readResource('users://2', anonymousContext('http'));

    const text = await metrics.text();
    expect(text).toContain(
      'mxcp_endpoint_requests_total{endpoint="greet",type="tool",status="success",caller="http",policy_decision="none"} 2',
    );
    expect(text).toContain(
      'mxcp_endpoint_requests_total{endpoint="fail",type="tool",status="error",caller="stdio",policy_decision="none"} 1',
    );
    expect(text).toContain(
      'mxcp_endpoint_errors_total{endpoint="fail",type="tool",caller="stdio",error_type="SqlError"} 1',
    );
    // An unknown name never becomes a label of its own.
    expect(text).toContain(
      'mxcp_endpoint_errors_total{endpoint="unknown",type="tool",caller="http",error_type="EndpointNotFoundError"} 1',
    );
    expect(text).not.toContain('no_such_tool');
    expect(text).toContain(
      'mxcp_endpoint_requests_total{endpoint="users://{id}",type="resource",status="success",caller="http",policy_decision="none"} 1',
    );
    expect(text).toContain(
      'mxcp_endpoint_duration_seconds_count{endpoint="greet",type="tool",status="success"} 2',
    );
    expect(text).toMatch(
      /mxcp_endpoint_duration_seconds_bucket\{le="\+Inf",endpoint="greet",type="tool",status="success"\} 2/,
    );
    expect(text).toContain('mxcp_endpoint_concurrent_executions{endpoint="greet",type="tool"} 0');
    expect(text).toContain('mxcp_execution_total{language="sql",status="error",error="SqlError"} 1');
  });

  it('counts policy evaluations and denials from the call trail', async () => {
    await engine.callTool('guarded', { name: 'ada' }, anonymousContext('http'));
    await expect(engine.callTool('guarded', { name: 'mallory' }, anonymousContext('http'))).rejects.toThrow(
      /Blocked user/,
    );

    const text = await metrics.text();
    expect(text).toContain('mxcp_policy_evaluations_total{type="input",decision="allow"} 1');
    expect(text).toContain('mxcp_policy_evaluations_total{type="input",decision="deny"} 1');
    expect(text).toContain('mxcp_policy_denials_total{type="input",reason="Blocked user"} 1');
    expect(text).toContain(
      'mxcp_endpoint_requests_total{endpoint="guarded",type="tool",status="error",caller="http",policy_decision="deny"} 1',
    );
    expect(text).toContain(
      'mxcp_endpoint_requests_total{endpoint="guarded",type="tool",status="success",caller="http",policy_decision="allow"} 1',
    );
    const roots = byName('mxcp.endpoint.execute');
    expect(roots.map((s) => s.attributes['mxcp.policy.decision'])).toEqual(['allow', 'deny']);
    expect(roots[1].attributes['mxcp.policy.rules_evaluated']).toBe(1);
  });
});
