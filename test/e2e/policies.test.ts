// CEL policies through the real `mxcp` CLI (test/fixtures/policies): `mxcp run
// --user-context` as JSON and @file, denials as exit 1 with MXCP's message,
// `mxcp test` with per-test user_context and the --user-context override, and
// capabilities from the profile's claim_mappings.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, runMxcp } from '../support/mxcp.js';

describe('mxcp CLI with CEL policies', () => {
  let project: ReturnType<typeof copyProject>;
  let env: Record<string, string>;
  beforeAll(() => {
    project = copyProject('test/fixtures/policies');
    env = { MXCP_CONFIG: join(project.dir, 'user-config.yml') };
  });
  afterAll(() => project?.cleanup());

  const run = (args: string[], withEnv = true) =>
    runMxcp(['run', 'tool', ...args, '--json-output'], { cwd: project.dir, env: withEnv ? env : undefined });

  it('mxcp run --user-context lets a user read their own record, masked', async () => {
    const r = await run([
      'employee_info',
      '--param',
      'employee_id=e1',
      '--user-context',
      '{"user_id": "e1"}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toEqual({ id: 'e1', name: 'Ada', ssn: '****' });
  });

  it("mxcp run --user-context denies another user's record with exit 1 and MXCP's message", async () => {
    const r = await run([
      'employee_info',
      '--param',
      'employee_id=e2',
      '--user-context',
      '{"user_id": "e1"}',
    ]);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body.status).toBe('error');
    expect(body.error).toBe('Policy enforcement failed: You can only see your own record');
  });

  it('mxcp run reads --user-context from @file', async () => {
    const file = join(project.dir, 'admin.json');
    writeFileSync(file, JSON.stringify({ user_id: 'boss', role: 'admin' }));
    const r = await run(['employee_info', '--param', 'employee_id=e2', '--user-context', `@${file}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toEqual({ id: 'e2', name: 'Bob', ssn: '222-22' });
  });

  it('mxcp run without a user context is anonymous and denied', async () => {
    const r = await run(['employee_info', '--param', 'employee_id=e1']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toBe('Policy enforcement failed: You can only see your own record');
  });

  it('a user whose claims map to the capability (claim_mappings) is allowed', async () => {
    const r = await run(['quarterly_report', '--user-context', '{"user_id": "f1", "groups": ["finance"]}']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toBe('Q3 revenue up');
  });

  it('a user whose claims map to nothing is denied', async () => {
    const r = await run(['quarterly_report', '--user-context', '{"user_id": "s1", "groups": ["sales"]}']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toBe('Policy enforcement failed: Missing capability reports:read');
  });

  it('without the user config there are no claim mappings, so the same user is denied', async () => {
    const r = await run(
      ['quarterly_report', '--user-context', '{"user_id": "f1", "groups": ["finance"]}'],
      false,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toBe('Policy enforcement failed: Missing capability reports:read');
  });

  it('mxcp test passes with per-test user_context and mapped capabilities', async () => {
    const r = await runMxcp(['test', '--json-output'], { cwd: project.dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(r.stdout).result;
    expect(result.status).toBe('ok');
    expect(result.tests_run).toBe(3);
  });

  it('mxcp test --user-context replaces every test user, so the policies now deny', async () => {
    const r = await runMxcp(
      ['test', 'tool', 'employee_info', '--json-output', '--user-context', '{"user_id": "e1"}'],
      {
        cwd: project.dir,
        env,
      },
    );
    expect(r.code).toBe(1);
    const suite = JSON.parse(r.stdout).result;
    const admin = suite.tests.find((t: { name: string }) => t.name === 'admin sees everything');
    expect(admin).toMatchObject({
      status: 'error',
      error: 'Policy enforcement failed: You can only see your own record',
    });
    const own = suite.tests.find((t: { name: string }) => t.name === 'own record, masked');
    expect(own.status).toBe('passed');
  });
});
