// The `mxcp` CLI as a user runs it: a child process in a project folder,
// checked on exit codes, human output and `--json-output` envelopes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, runMxcp } from '../support/mxcp.js';

describe('mxcp CLI on the quickstart', () => {
  let project: ReturnType<typeof copyProject>;
  beforeAll(() => {
    project = copyProject('examples/quickstart');
  });
  afterAll(() => project?.cleanup());

  it('mxcp test passes every test and exits 0', async () => {
    const r = await runMxcp(['test'], { cwd: project.dir });
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Test Execution Summary');
    expect(r.stdout).not.toMatch(/\d+ failed/);
  });

  it('mxcp test --json-output reports every endpoint with status ok', async () => {
    const r = await runMxcp(['test', '--json-output'], { cwd: project.dir });
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.status).toBe('ok');
    expect(body.result.status).toBe('ok');
    expect(body.result.tests_run).toBeGreaterThan(5);
    for (const e of body.result.endpoints) expect(e.test_results.status).toBe('ok');
  });

  it('mxcp test TYPE NAME runs one endpoint', async () => {
    const r = await runMxcp(['test', 'tool', 'hello', '--json-output'], { cwd: project.dir });
    expect(r.code).toBe(0);
    const suite = JSON.parse(r.stdout).result;
    expect(suite.status).toBe('ok');
    expect(suite.tests.map((t: { name: string }) => t.name)).toContain('greets by name');
  });

  it('mxcp validate says all endpoints are valid and exits 0', async () => {
    const r = await runMxcp(['validate'], { cwd: project.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('All endpoints are valid');
  });

  it('mxcp list --json-output lists tools, resources and prompts', async () => {
    const r = await runMxcp(['list', '--json-output'], { cwd: project.dir });
    expect(r.code).toBe(0);
    const { result } = JSON.parse(r.stdout);
    const kinds = new Set(result.endpoints.map((e: { kind: string }) => e.kind));
    expect([...kinds].sort()).toEqual(['prompt', 'resource', 'tool']);
    expect(result.endpoints.every((e: { error: unknown }) => e.error === null)).toBe(true);
  });

  it('mxcp run tool prints the result, coercing string parameters', async () => {
    const r = await runMxcp(['run', 'tool', 'hello', '--param', 'name=Ada', '--json-output'], {
      cwd: project.dir,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      status: 'ok',
      result: 'Hello, Ada! Welcome to the MXCP quickstart.',
    });
  });

  it('mxcp run with an out-of-range value fails with the parameter named, exit 1', async () => {
    const r = await runMxcp(['run', 'tool', 'list_products', '--param', 'limit=500', '--json-output'], {
      cwd: project.dir,
    });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body.status).toBe('error');
    expect(body.error).toContain("Error validating parameter 'limit'");
  });

  it('mxcp run reads name=@file.json parameters as JSON', async () => {
    writeFileSync(join(project.dir, 'limit.json'), '2');
    writeFileSync(join(project.dir, 'category.json'), '"tea"');
    const r = await runMxcp(
      [
        'run',
        'tool',
        'list_products',
        '--param',
        'limit=@limit.json',
        '--param',
        'category=@category.json',
        '--json-output',
      ],
      { cwd: project.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).result as { category: string }[];
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.category === 'tea')).toBe(true);
    const missing = await runMxcp(['run', 'tool', 'list_products', '--param', 'limit=@nope.json'], {
      cwd: project.dir,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json');
  });

  it('mxcp query --file runs SQL from a file and prints a table', async () => {
    writeFileSync(join(project.dir, 'q.sql'), 'SELECT 1 AS one, $word AS word\n');
    const r = await runMxcp(['query', '--file', 'q.sql', '--param', 'word=hi'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/one\s*│\s*word/);
    expect(r.stdout).toMatch(/1\s*│\s*hi/);
    const both = await runMxcp(['query', 'SELECT 1', '--file', 'q.sql'], { cwd: project.dir });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exactly one of SQL text or --file');
  });

  it('mxcp query runs SQL with bound parameters', async () => {
    const r = await runMxcp(['query', 'SELECT $a::INTEGER + 1 AS n', '--param', 'a=41', '--json-output'], {
      cwd: project.dir,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).result).toEqual([{ n: 42 }]);
  });

  it('mxcp lint --json-output returns issues, and --severity warning keeps errors', async () => {
    const all = JSON.parse((await runMxcp(['lint', '--json-output'], { cwd: project.dir })).stdout).result;
    expect(Array.isArray(all)).toBe(true);
    const warn = JSON.parse(
      (await runMxcp(['lint', '--severity', 'warning', '--json-output'], { cwd: project.dir })).stdout,
    ).result as { severity: string }[];
    expect(warn.every((i) => i.severity !== 'info')).toBe(true);
    expect(warn.filter((i) => i.severity === 'error')).toEqual(
      all.filter((i: { severity: string }) => i.severity === 'error'),
    );
  });
});

describe('mxcp CLI on failing and broken projects', () => {
  it('mxcp test exits 1 and reports each failing assertion', async () => {
    const project = copyProject('test/fixtures/failing-tests');
    try {
      const r = await runMxcp(['test', '--json-output'], { cwd: project.dir });
      expect(r.code).toBe(1);
      const result = JSON.parse(r.stdout).result;
      expect(['failed', 'error']).toContain(result.status);
      const tests = result.endpoints.flatMap(
        (e: { test_results: { tests: unknown[] } }) => e.test_results.tests,
      );
      expect(tests.some((t: { status: string }) => t.status === 'passed')).toBe(true);
      const failed = tests.filter((t: { status: string }) => t.status === 'failed');
      expect(failed.length).toBeGreaterThan(2);
      for (const t of failed) expect(t.error).toBeTruthy();
      const human = await runMxcp(['test'], { cwd: project.dir });
      expect(human.code).toBe(1);
      expect(human.stdout).toContain('✗');
    } finally {
      project.cleanup();
    }
  });

  it('mxcp validate exits 1 and names file and line for every broken endpoint', async () => {
    const project = copyProject('test/fixtures/bad-project');
    try {
      const r = await runMxcp(['validate', '--json-output'], { cwd: project.dir });
      expect(r.code).toBe(1);
      const { result } = JSON.parse(r.stdout);
      expect(result.status).toBe('error');
      const failed = result.validated.filter((v: { status: string }) => v.status === 'error');
      expect(failed.length).toBeGreaterThanOrEqual(7);
      for (const f of failed) expect(f.message).toMatch(new RegExp(`^${escape(f.path)}(:\\d+:\\d+)?: `));
      expect(result.validated.some((v: { status: string }) => v.status === 'ok')).toBe(true);
    } finally {
      project.cleanup();
    }
  });

  it('a broken mxcp-site.yml is reported with file, line and field, in text and JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxcp-badsite-'));
    try {
      writeFileSync(
        join(dir, 'mxcp-site.yml'),
        'mxcp: 1\nproject: p\nprofile: default\nsql_tool:\n  enabled: true\n',
      );
      const text = await runMxcp(['list'], { cwd: dir });
      expect(text.code).toBe(1);
      expect(text.stderr).toMatch(/mxcp-site\.yml:4:\d+: .*sql_tool/);
      const json = await runMxcp(['list', '--json-output'], { cwd: dir });
      expect(json.code).toBe(1);
      const body = JSON.parse(json.stdout);
      expect(body.status).toBe('error');
      expect(body.error).toMatch(/mxcp-site\.yml:4:\d+: .*unknown key 'sql_tool'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to run outside a project with MXCP's message", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxcp-empty-'));
    try {
      const r = await runMxcp(['list'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('No mxcp-site.yml found in current directory or parents');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mxcp init', () => {
  it('creates a project that runs and tests its hello-world tool', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mxcp-init-'));
    try {
      const init = await runMxcp(['init', 'demo', '--bootstrap'], { cwd: root });
      expect(init.code, init.stderr).toBe(0);
      const cwd = join(root, 'demo');
      const run = await runMxcp(['run', 'tool', 'hello_world', '--param', 'name=World', '--json-output'], {
        cwd,
      });
      expect(JSON.parse(run.stdout)).toEqual({ status: 'ok', result: 'Hello, World!' });
      const test = await runMxcp(['test'], { cwd });
      expect(test.code).toBe(0);
      const again = await runMxcp(['init', 'demo'], { cwd: root });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('existing');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
