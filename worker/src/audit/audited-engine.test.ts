import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProjectConfig, type ProjectConfig } from '../config/index.js';
import { anonymousContext, userContextFromJson, type RequestContext } from '../engine/context.js';
import { openProject, type OpenedProject } from '../engine/index.js';
import { EndpointError, type Engine } from '../engine/types.js';
import { withAudit } from './audited-engine.js';
import { openAuditWriter } from './open.js';
import type { AuditRecord } from './record.js';
import { listSegments } from './segments.js';
import type { AuditWriter } from './writer.js';

const FILES: Record<string, string> = {
  'mxcp-site.yml':
    'mxcp: 1\nproject: audit-test\nprofile: default\nprofiles:\n  default:\n    audit:\n      enabled: true\n',
  'tools/login.yml': `mxcp: 1
tool:
  name: login
  parameters:
    - {name: user, type: string, description: who}
    - {name: password, type: string, sensitive: true, description: secret}
  return:
    type: object
    properties:
      user: {type: string}
      token: {type: string, sensitive: true}
  source:
    code: SELECT $user AS user, 'tok-' || $password AS token
`,
  'tools/fail.yml': `mxcp: 1
tool:
  name: fail
  return: {type: string}
  source:
    code: SELECT error('this tool always fails') AS never
`,
  'resources/user.yml': `mxcp: 1
resource:
  uri: users://{id}
  mime_type: application/json
  parameters:
    - {name: id, type: string, description: id}
  return:
    type: object
    properties:
      id: {type: string}
      ssn: {type: string, sensitive: true}
  source:
    code: SELECT $id AS id, 'ssn-' || $id AS ssn
`,
  'prompts/hello.yml': `mxcp: 1
prompt:
  name: hello
  parameters:
    - {name: name, type: string, description: who}
  messages:
    - {prompt: "Hello {{ name }}"}
`,
};

let root: string;
let config: ProjectConfig;
let opened: OpenedProject;
let writer: AuditWriter;
let audited: Engine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mxcp-audited-'));
  const dir = join(root, 'project');
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  writeFileSync(join(root, 'user.yml'), 'mxcp: 1\n');
  config = loadProjectConfig({ cwd: dir, env: { MXCP_CONFIG: join(root, 'user.yml'), HOME: root } });
  opened = await openProject(config, { sqlTools: true });
  expect(opened.failures).toEqual([]);
  writer = openAuditWriter(config, {
    host: 'test-host',
    batchSize: 1000,
    flushIntervalMs: 60_000,
  }) as AuditWriter;
  audited = withAudit(opened.engine, writer, { endpoints: opened.loaded });
});

afterAll(async () => {
  await writer.close();
  expect(writer.stats().dropped).toBe(0);
  await opened.engine.close();
  rmSync(root, { recursive: true, force: true });
});

/** Everything written so far, in order. */
async function records(): Promise<AuditRecord[]> {
  expect(await writer.flush()).toBe(true);
  return listSegments(config.profile.audit.path).flatMap((s) =>
    readFileSync(s.path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditRecord),
  );
}

async function last(): Promise<AuditRecord> {
  return (await records()).at(-1) as AuditRecord;
}

function httpContext(userId?: string): RequestContext {
  return {
    ...anonymousContext('http'),
    sessionId: 'session-1',
    user: userId ? userContextFromJson({ user_id: userId }, 'cli') : null,
  };
}

describe('withAudit', () => {
  it('records a tool call with every field of mxcp.endpoints v2, sensitive parts redacted', async () => {
    const result = await audited.callTool(
      'login',
      { user: 'ann', password: 'hunter2' },
      httpContext('alice'),
    );
    expect(result.value).toEqual({ user: 'ann', token: 'tok-hunter2' }); // the caller sees the clear result
    const r = await last();
    expect(r).toEqual({
      schema_name: 'mxcp.endpoints',
      schema_version: 2,
      record_id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      operation_type: 'tool',
      operation_name: 'login',
      operation_status: 'success',
      duration_ms: expect.any(Number),
      caller_type: 'http',
      user_id: 'alice',
      session_id: 'session-1',
      trace_id: null,
      input_data: { user: 'ann', password: '[REDACTED]' },
      output_data: { user: 'ann', token: '[REDACTED]' },
      error: null,
      policies_evaluated: [],
      policy_decision: null,
      policy_reason: null,
      business_context: { operation_type: 'tool', operation_name: 'login', operation_status: 'success' },
      execution_events: [],
      prev_hash: null,
      record_hash: null,
      signature: null,
    });
    expect(Number.isInteger(r.duration_ms)).toBe(true);
    expect(Date.now() - Date.parse(r.timestamp)).toBeLessThan(600_000);
  });

  it('records a failed call as an error without output and passes the same error on', async () => {
    const error = await audited.callTool('fail', {}, httpContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    const r = await last();
    expect(r).toMatchObject({
      operation_name: 'fail',
      operation_status: 'error',
      output_data: null,
      error: (error as Error).message,
      user_id: null,
    });
    expect(r.error).toContain('this tool always fails');
  });

  it('records a resource read under its URI template with the placeholder values', async () => {
    await audited.readResource('users://7', { ...anonymousContext('stdio') });
    expect(await last()).toMatchObject({
      operation_type: 'resource',
      operation_name: 'users://{id}',
      caller_type: 'stdio',
      session_id: null,
      input_data: { id: '7' },
      output_data: { id: '7', ssn: '[REDACTED]' },
    });
  });

  it('records a prompt with its arguments and rendered messages', async () => {
    await audited.getPrompt('hello', { name: 'Bo' }, httpContext());
    expect(await last()).toMatchObject({
      operation_type: 'prompt',
      operation_name: 'hello',
      input_data: { name: 'Bo' },
      output_data: [{ role: 'user', content: { type: 'text', text: 'Hello Bo' } }],
    });
  });

  it('does not record list calls or run', async () => {
    const before = (await records()).length;
    audited.listTools();
    audited.listResources();
    audited.listPrompts();
    await audited.run('tool', 'login', { user: 'x', password: 'y' }, anonymousContext('cli'));
    expect((await records()).length).toBe(before);
  });

  it('records the built-in SQL tools with their SQL or table name only, and no output', async () => {
    await audited.callTool('execute_sql_query', { sql: 'SELECT 42 AS answer' }, httpContext());
    await audited.callTool('list_tables', {}, httpContext());
    const [query, tables] = (await records()).slice(-2);
    expect(query).toMatchObject({
      operation_name: 'execute_sql_query',
      input_data: { sql: 'SELECT 42 AS answer' },
      output_data: null,
    });
    expect(tables).toMatchObject({ operation_name: 'list_tables', input_data: {}, output_data: null });
  });

  it('records an input policy denial as deny with its reason', async () => {
    // Stand-in for the policy layer (a sibling module): it fills ctx.trail.policy and throws.
    const denying: Engine = Object.assign(Object.create(opened.engine) as Engine, {
      callTool: async (_name: string, _args: unknown, ctx: RequestContext) => {
        ctx.trail!.policy = {
          decision: 'deny',
          reason: 'guests may not log in',
          evaluated: ['input[0]: true'],
        };
        throw new EndpointError('Policy enforcement failed: guests may not log in');
      },
    });
    const ctx = httpContext('guest');
    await expect(
      withAudit(denying, writer, { endpoints: opened.loaded }).callTool(
        'login',
        { user: 'g', password: 'p' },
        ctx,
      ),
    ).rejects.toThrow('guests may not log in');
    expect(ctx.trail?.policy?.decision).toBe('deny');
    expect(await last()).toMatchObject({
      operation_status: 'error',
      policy_decision: 'deny',
      policy_reason: 'guests may not log in',
      policies_evaluated: ['input[0]: true'],
      input_data: { user: 'g', password: '[REDACTED]' },
      business_context: { policy_decision: 'deny', operation_status: 'error' },
    });
  });

  it('takes trace_id from the active span', async () => {
    const storage = new AsyncLocalStorage<Context>();
    const manager: ContextManager = {
      active: () => storage.getStore() ?? ROOT_CONTEXT,
      with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        storage.disable();
        return this;
      },
    };
    context.setGlobalContextManager(manager);
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const span = trace.wrapSpanContext({ traceId, spanId: 'b7ad6b7169203331', traceFlags: 1 });
      await context.with(trace.setSpan(context.active(), span), () =>
        audited.callTool('login', { user: 't', password: 'p' }, httpContext()),
      );
      expect((await last()).trace_id).toBe(traceId);
    } finally {
      context.disable();
    }
  });

  it('redacts with another strategy when asked', async () => {
    const hashing = withAudit(opened.engine, writer, {
      endpoints: opened.loaded,
      sensitiveRedaction: { strategy: 'partial', options: { show_first: 1, show_last: 1, min_length: 3 } },
    });
    await hashing.callTool('login', { user: 'u', password: 'hunter2' }, httpContext());
    expect(await last()).toMatchObject({
      input_data: { password: 'h***2' },
      output_data: { token: 't***2' },
    });
  });
});

describe('openAuditWriter', () => {
  it('is null when audit is disabled, directly or through MXCP_AUDIT_ENABLED', () => {
    const cwd = join(root, 'project');
    const env = { MXCP_CONFIG: join(root, 'user.yml'), HOME: root };
    expect(
      openAuditWriter(loadProjectConfig({ cwd, env: { ...env, MXCP_AUDIT_ENABLED: 'false' } })),
    ).toBeNull();
    expect(writer.currentSegment).toMatch(/\/audit\/logs-default-\d{8}T\d{6}(-\d+)?_test-host\.jsonl$/);
  });
});
