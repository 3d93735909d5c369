// `mxcp drift-snapshot` and `mxcp drift-check` as a user runs them: real CLI
// processes on temporary copies of test/fixtures/drift, tables created and
// changed with `mxcp query`, endpoint files edited on disk.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyProject, runMxcp } from '../support/mxcp.js';

const FIXTURE = 'test/fixtures/drift';
const SNAPSHOT = 'drift/drift-default.json';

let projects: ReturnType<typeof copyProject>[] = [];
afterEach(() => {
  for (const p of projects) p.cleanup();
  projects = [];
});

/** A fresh copy of the fixture, by default with an `orders` table. */
async function project(withTable = true): Promise<string> {
  const copy = copyProject(FIXTURE);
  projects.push(copy);
  if (!withTable) return copy.dir;
  const r = await runMxcp(['query', 'CREATE TABLE orders (id INTEGER, amount DECIMAL(10,2))'], {
    cwd: copy.dir,
  });
  expect(r.code, r.stderr).toBe(0);
  return copy.dir;
}

// Each test runs the CLI (tsx, DuckDB, every endpoint test) several times: slow on a busy machine.
const SLOW = { timeout: 240_000 };

describe('mxcp drift-snapshot', SLOW, () => {
  it('writes the baseline to drift/drift-<profile>.json with tables, validation, tests and definitions', async () => {
    const dir = await project();
    const r = await runMxcp(['drift-snapshot'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Drift snapshot written to ${join(dir, SNAPSHOT)}`);
    expect(r.stdout).toMatch(/Hash: [0-9a-f]{64}/);
    expect(r.stdout).toContain('Tables: 1');
    expect(r.stdout).toContain('Resources: 4');

    const snapshot = JSON.parse(readFileSync(join(dir, SNAPSHOT), 'utf8'));
    expect(Object.keys(snapshot)).toEqual(['version', 'generated_at', 'tables', 'resources']);
    expect(snapshot.version).toBe(1);
    expect(snapshot.generated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(snapshot.tables).toEqual([
      {
        name: 'orders',
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'amount', type: 'DECIMAL(10,2)' },
        ],
      },
    ]);
    const paths = snapshot.resources.map(
      (r: { validation_results: { path: string } }) => r.validation_results.path,
    );
    expect(paths).toEqual([
      'prompts/summarise.yml',
      'resources/status.yml',
      'tools/add_numbers.yml',
      'tools/greet.yml',
    ]);
    const add = snapshot.resources[2];
    expect(add.validation_results).toEqual({ status: 'ok', path: 'tools/add_numbers.yml' });
    expect(add.test_results).toMatchObject({
      status: 'ok',
      tests_run: 1,
      tests: [{ name: 'adds small numbers', description: '2 + 3 is 5.', status: 'passed' }],
    });
    expect(typeof add.test_results.tests[0].time).toBe('number');
    expect(add.definition.mxcp).toBe(1);
    expect(add.definition.tool.name).toBe('add_numbers');
    expect(snapshot.resources[3].test_results).toEqual({
      status: 'ok',
      tests_run: 0,
      tests: [],
      no_tests: true,
    });
  });

  it('refuses to overwrite an existing snapshot without --force, and overwrites with it', async () => {
    const dir = await project();
    expect((await runMxcp(['drift-snapshot'], { cwd: dir })).code).toBe(0);
    const first = readFileSync(join(dir, SNAPSHOT), 'utf8');

    const again = await runMxcp(['drift-snapshot'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Error: Drift snapshot already exists: ${join(dir, SNAPSHOT)}`);
    expect(readFileSync(join(dir, SNAPSHOT), 'utf8')).toBe(first);

    const forced = await runMxcp(['drift-snapshot', '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    const second = JSON.parse(readFileSync(join(dir, SNAPSHOT), 'utf8'));
    expect(second.generated_at).not.toBe(JSON.parse(first).generated_at);
  });

  it('--dry-run writes nothing; with --json-output it prints the snapshot', async () => {
    const dir = await project();
    const r = await runMxcp(['drift-snapshot', '--dry-run', '--json-output'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, SNAPSHOT))).toBe(false);
    const body = JSON.parse(r.stdout);
    expect(body.status).toBe('ok');
    expect(body.result.version).toBe(1);
    expect(body.result.resources).toHaveLength(4);
  });

  it('writes to profiles.<profile>.drift.path when the site config sets it', async () => {
    const dir = await project(false);
    const site = readFileSync(join(dir, 'mxcp-site.yml'), 'utf8').replace(
      '  default: {}',
      '  default:\n    drift:\n      path: baselines/default.json',
    );
    writeFileSync(join(dir, 'mxcp-site.yml'), site);
    const r = await runMxcp(['drift-snapshot'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'baselines/default.json'))).toBe(true);
    expect(existsSync(join(dir, SNAPSHOT))).toBe(false);
  });
});

describe('mxcp drift-check', SLOW, () => {
  it('reports no drift and exits 0 when nothing changed', async () => {
    const dir = await project();
    expect((await runMxcp(['drift-snapshot'], { cwd: dir })).code).toBe(0);

    const human = await runMxcp(['drift-check'], { cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Drift Report');
    expect(human.stdout).toContain('✅ NO DRIFT DETECTED');

    const r = await runMxcp(['drift-check', '--json-output'], { cwd: dir });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout).result;
    expect(report.has_drift).toBe(false);
    expect(report.table_changes).toEqual([]);
    expect(report.resource_changes).toEqual([]);
  });

  it('reports an added table and a changed endpoint description, exits 1, in the report shape of MXCP', async () => {
    const dir = await project();
    expect((await runMxcp(['drift-snapshot'], { cwd: dir })).code).toBe(0);
    const baseline = JSON.parse(readFileSync(join(dir, SNAPSHOT), 'utf8'));

    const created = await runMxcp(['query', 'CREATE TABLE customers (id INTEGER, name VARCHAR)'], {
      cwd: dir,
    });
    expect(created.code, created.stderr).toBe(0);
    const tool = join(dir, 'tools/greet.yml');
    writeFileSync(
      tool,
      readFileSync(tool, 'utf8').replace('Greets someone by name.', 'Greets someone warmly.'),
    );

    const r = await runMxcp(['drift-check', '--json-output'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout).result;
    expect(Object.keys(report)).toEqual([
      'version',
      'generated_at',
      'baseline_snapshot_path',
      'current_snapshot_generated_at',
      'baseline_snapshot_generated_at',
      'has_drift',
      'summary',
      'table_changes',
      'resource_changes',
    ]);
    expect(report.version).toBe(1);
    expect(report.has_drift).toBe(true);
    expect(report.baseline_snapshot_path).toBe(join(dir, SNAPSHOT));
    expect(report.baseline_snapshot_generated_at).toBe(baseline.generated_at);
    expect(report.summary).toEqual({
      tables_added: 1,
      tables_removed: 0,
      tables_modified: 0,
      resources_added: 0,
      resources_removed: 0,
      resources_modified: 1,
    });
    expect(report.table_changes).toEqual([
      {
        name: 'customers',
        change_type: 'added',
        columns_added: [
          { name: 'id', type: 'INTEGER' },
          { name: 'name', type: 'VARCHAR' },
        ],
      },
    ]);
    expect(report.resource_changes).toEqual([
      {
        path: 'tools/greet.yml',
        endpoint: 'tool/greet',
        change_type: 'modified',
        validation_changed: false,
        test_results_changed: false,
        definition_changed: true,
      },
    ]);

    const human = await runMxcp(['drift-check'], { cwd: dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('🔴 DRIFT DETECTED');
    expect(human.stdout).toContain('+ customers (added)');
    expect(human.stdout).toContain('~ tool/greet (tools/greet.yml) modified: definition changed');
  });

  it('reports a removed file, a file that stopped validating, a failing test and a changed column type against --baseline', async () => {
    const dir = await project();
    const snap = await runMxcp(['drift-snapshot', '--dry-run', '--json-output'], { cwd: dir });
    writeFileSync(join(dir, 'baseline.json'), JSON.stringify(JSON.parse(snap.stdout).result));

    await runMxcp(['query', 'ALTER TABLE orders ALTER amount TYPE DOUBLE'], { cwd: dir });
    writeFileSync(join(dir, 'prompts/summarise.yml'), 'not: [valid');
    rmSync(join(dir, 'tools/greet.yml'));
    const add = join(dir, 'tools/add_numbers.yml');
    writeFileSync(add, readFileSync(add, 'utf8').replace('result: 5', 'result: 6'));

    const r = await runMxcp(['drift-check', '--baseline', 'baseline.json', '--json-output'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout).result;
    expect(report.table_changes).toEqual([
      {
        name: 'orders',
        change_type: 'modified',
        columns_modified: [{ name: 'amount', old_type: 'DECIMAL(10,2)', new_type: 'DOUBLE' }],
      },
    ]);
    const byPath = Object.fromEntries(report.resource_changes.map((c: { path: string }) => [c.path, c]));
    expect(byPath['prompts/summarise.yml']).toMatchObject({
      endpoint: 'prompt/summarise',
      change_type: 'modified',
      validation_changed: true,
      details: { validation_changes: { old_status: 'ok', new_status: 'error' } },
    });
    expect(byPath['tools/greet.yml']).toEqual({
      path: 'tools/greet.yml',
      endpoint: 'tool/greet',
      change_type: 'removed',
      details: { removed_resource: true },
    });
    expect(report.summary).toMatchObject({ resources_removed: 1, resources_modified: 2, tables_modified: 1 });
    expect(byPath['tools/add_numbers.yml']).toMatchObject({
      endpoint: 'tool/add_numbers',
      test_results_changed: true,
      definition_changed: true,
      details: { test_changes: { old_status: 'ok', new_status: 'failed' } },
    });
  });

  it('fails with a clear message when there is no baseline', async () => {
    const dir = await project(false);
    const r = await runMxcp(['drift-check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: Baseline snapshot not found: ${join(dir, SNAPSHOT)}`);
  });
});
