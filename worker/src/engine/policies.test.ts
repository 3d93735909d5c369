// Policies wired into the engine, on a real project and real DuckDB
// (policy/testdata/project): input denial before SQL, output reshaping after
// output validation, prompts and resources, the built-in SQL tools' site-level
// policies, ctx.trail.policy for every decision, and bad CEL found at load time.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../config/index.js';
import { tempFiles } from '../config/testdata/temp-files.js';
import { openFixture, type OpenFixture } from '../server/testdata/open-fixture.js';
import { anonymousContext, userContextFromJson, type RequestContext } from './context.js';
import { PolicyDeniedError } from './execute.js';
import { openProject } from './index.js';
import { EndpointError } from './types.js';

let fixture: OpenFixture;
beforeAll(async () => {
  fixture = await openFixture(join(import.meta.dirname, '../policy/testdata/project'));
});
afterAll(async () => {
  await fixture?.cleanup();
});

/** A CLI-style caller with a trail; `profile` is the --user-context JSON, null for anonymous. */
function caller(profile: Record<string, unknown> | null): RequestContext {
  const ctx = anonymousContext('cli');
  if (profile) ctx.user = userContextFromJson(profile, 'cli');
  ctx.trail = {};
  return ctx;
}

async function denial(promise: Promise<unknown>): Promise<PolicyDeniedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyDeniedError);
  expect(error).toBeInstanceOf(EndpointError);
  return error as PolicyDeniedError;
}

describe('input policies in the engine', () => {
  it('deny an anonymous caller with MXCP message and record decision deny', async () => {
    const ctx = caller(null);
    const error = await denial(fixture.engine.callTool('employee_info', { employee_id: 'e1' }, ctx));
    expect(error.message).toBe('Policy enforcement failed: Log in first');
    expect(error.phase).toBe('input');
    expect(ctx.trail?.policy).toEqual({
      decision: 'deny',
      reason: 'Log in first',
      evaluated: ["input[0]: user.role == 'anonymous'"],
    });
  });

  it('compare a parameter with the user: own record allowed, another denied, admin allowed', async () => {
    const own = caller({ user_id: 'e1', permissions: ['hr'] });
    const result = await fixture.engine.callTool('employee_info', { employee_id: 'e1' }, own);
    expect(result.value).toEqual({ id: 'e1', name: 'Ada', salary: 100, ssn: '****' });
    expect(own.trail?.policy?.decision).toBe('warn');
    expect(own.trail?.policy?.reason).toBe('Output modified by mask_fields');

    const other = caller({ user_id: 'e1' });
    const error = await denial(fixture.engine.callTool('employee_info', { employee_id: 'e2' }, other));
    expect(error.message).toBe('Policy enforcement failed: You can only see your own record');

    const admin = caller({ user_id: 'root', role: 'admin', permissions: ['hr'] });
    const full = await fixture.engine.run('tool', 'employee_info', { employee_id: 'e2' }, admin);
    expect(full).toEqual({ id: 'e2', name: 'Bob', salary: 200, ssn: '222-22' });
    expect(admin.trail?.policy).toEqual({
      decision: 'allow',
      reason: null,
      evaluated: [
        "input[0]: user.role == 'anonymous'",
        "input[1]: user.role != 'admin' && employee_id != user.user_id",
        "output[0]: !('hr' in user.permissions)",
        "output[1]: user.role != 'admin'",
      ],
    });
  });

  it('see validated parameters: strings coerced to integers, defaults filled in', async () => {
    expect(await fixture.engine.run('tool', 'page', {}, caller(null))).toBe(10);
    expect(await fixture.engine.run('tool', 'page', { size: '20' }, caller(null))).toBe(20);
    const error = await denial(fixture.engine.run('tool', 'page', { size: '51' }, caller(null)));
    expect(error.message).toBe('Policy enforcement failed: Pages are at most 50 rows');
  });

  it('deny when a condition fails to evaluate, with the error in the recorded outcome', async () => {
    const ctx = caller({ user_id: 'x' });
    const error = await denial(fixture.engine.callTool('broken_rule', {}, ctx));
    expect(error.message).toBe('Policy enforcement failed: Policy condition input[0] could not be evaluated');
    expect(error.evaluationError).toMatch(/department/);
    expect(ctx.trail?.policy?.decision).toBe('deny');
    expect(ctx.trail?.policy?.reason).toMatch(/could not be evaluated: .*department/);
  });
});

describe('output policies in the engine', () => {
  it('filter_fields and mask_fields reshape the tool result and its structured content', async () => {
    const ctx = caller({ user_id: 'e2' });
    const result = await fixture.engine.callTool('employee_info', { employee_id: 'e2' }, ctx);
    expect(result.value).toEqual({ id: 'e2', name: 'Bob', ssn: '****' });
    expect(result.structuredContent).toEqual({ id: 'e2', name: 'Bob', ssn: '****' });
    expect(ctx.trail?.policy?.decision).toBe('warn');
  });

  it('filter_sensitive_fields removes sensitive fields nested in objects inside arrays inside objects', async () => {
    const ctx = caller({ user_id: 'u' });
    const result = await fixture.engine.callTool('team', {}, ctx);
    expect(result.value).toEqual({
      name: 'core',
      members: [
        { name: 'Ada', contact: { city: 'Oslo' } },
        { name: 'Bob', contact: { city: 'Rome' } },
      ],
    });
    expect(ctx.trail?.policy).toMatchObject({
      decision: 'warn',
      reason: 'Output modified by filter_sensitive_fields',
    });
    const admin = await fixture.engine.run('tool', 'team', {}, caller({ role: 'admin' }));
    expect(admin).toMatchObject({
      budget: 1000,
      members: [{ contact: { phone: '555' } }, { contact: { phone: '556' } }],
    });
  });

  it('an endpoint without policies records decision null', async () => {
    const ctx = caller(null);
    expect(await fixture.engine.run('tool', 'open', {}, ctx)).toBe('hi');
    expect(ctx.trail?.policy).toEqual({ decision: null, reason: null, evaluated: [] });
  });
});

describe('resources and prompts', () => {
  it('a resource read is denied without the capability and allowed with it', async () => {
    const error = await denial(fixture.engine.readResource('reports://2024', caller({ user_id: 'a' })));
    expect(error.message).toBe('Policy enforcement failed: Missing capability reports:read');
    const ctx = caller({ user_id: 'a', capabilities: ['reports:read'] });
    const read = await fixture.engine.readResource('reports://2024', ctx);
    expect(JSON.parse(read.text)).toEqual({ year: 2024, status: 'ok' });
    expect(ctx.trail?.policy?.decision).toBe('allow');
  });

  it('a prompt runs input policies on its arguments and output policies on its messages', async () => {
    await denial(fixture.engine.getPrompt('advice', { topic: 'tea' }, caller(null)));
    const got = await fixture.engine.getPrompt('advice', { topic: 'tea' }, caller({ user_id: 'a' }));
    expect(got.messages[0].content.text).toBe('Advice on tea');
    const error = await denial(
      fixture.engine.run('prompt', 'advice', { topic: 'the secret' }, caller({ user_id: 'a' })),
    );
    expect(error.message).toBe('Output policy enforcement failed: Prompt would leak a secret');
    expect(error.phase).toBe('output');
  });
});

describe('built-in SQL tools with sql_tools.policies', () => {
  it('deny execute_sql_query to non-admins, allow it to admins', async () => {
    const ctx = caller({ user_id: 'a' });
    const error = await denial(fixture.engine.callTool('execute_sql_query', { sql: 'SELECT 1 AS one' }, ctx));
    expect(error.message).toBe('Policy enforcement failed: Only admins may run SQL');
    expect(ctx.trail?.policy?.evaluated).toEqual([
      "input[0]: tool == 'execute_sql_query' && user.role != 'admin'",
    ]);
    const admin = await fixture.engine.callTool(
      'execute_sql_query',
      { sql: 'SELECT 1 AS one' },
      caller({ role: 'admin' }),
    );
    expect(admin.value).toEqual([{ one: 1 }]);
  });

  it('apply output rules to the other tools', async () => {
    const ctx = caller({ user_id: 'a' });
    await fixture.engine.callTool(
      'execute_sql_query',
      { sql: 'CREATE TABLE t AS SELECT 1 AS x' },
      caller({ role: 'admin' }),
    );
    const tables = await fixture.engine.callTool('list_tables', {}, ctx);
    expect(tables.value).toEqual([{ name: 't' }]);
    expect(ctx.trail?.policy?.decision).toBe('warn');
  });
});

describe('loading', () => {
  it('invalid CEL is a load-time error naming the file, line and rule', async () => {
    const dir = tempFiles({
      'mxcp-site.yml': 'mxcp: 1\nproject: bad\nprofile: default\nprofiles:\n  default: {}\n',
      'user.yml': 'mxcp: 1\n',
      'tools/bad.yml': [
        'mxcp: 1',
        'tool:',
        '  name: bad',
        '  policies:',
        '    input:',
        '      - condition: "user.role == "',
        '        action: deny',
        '  source:',
        '    code: SELECT 1 AS x',
        '',
      ].join('\n'),
    });
    const config = await loadProjectConfig({
      cwd: dir,
      env: { MXCP_CONFIG: join(dir, 'user.yml'), HOME: dir },
    });
    const opened = await openProject(config);
    try {
      expect(opened.failures).toHaveLength(1);
      const [error] = opened.failures[0].errors;
      expect(error.file).toBe('tools/bad.yml');
      expect(error.line).toBe(6);
      expect(error.path).toBe('tool.policies.input.0.condition');
      expect(error.format()).toMatch(
        /^tools\/bad\.yml:6:\d+: tool\.policies\.input\.0\.condition: Invalid CEL in input\[0\] condition/,
      );
    } finally {
      await opened.engine.close();
    }
  });

  it('invalid CEL in sql_tools.policies refuses to open the project, naming mxcp-site.yml', async () => {
    const dir = tempFiles({
      'mxcp-site.yml': [
        'mxcp: 1',
        'project: bad',
        'profile: default',
        'profiles:',
        '  default: {}',
        'sql_tools:',
        '  enabled: true',
        '  policies:',
        '    input:',
        '      - condition: "tool =="',
        '        action: deny',
        '',
      ].join('\n'),
      'user.yml': 'mxcp: 1\n',
    });
    const config = await loadProjectConfig({
      cwd: dir,
      env: { MXCP_CONFIG: join(dir, 'user.yml'), HOME: dir },
    });
    await expect(openProject(config)).rejects.toMatchObject({
      name: 'ConfigError',
      file: 'mxcp-site.yml',
      path: 'sql_tools.policies.input.0.condition',
    });
  });
});
