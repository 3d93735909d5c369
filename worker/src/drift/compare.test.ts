// The drift comparison on hand-written snapshots: what counts as a change and
// what does not (timings, key order, test messages).
import { describe, expect, it } from 'vitest';
import { compareSnapshots } from './compare.js';
import type { DriftSnapshot, ResourceSnapshot } from './types.js';

const tool = (overrides: Partial<ResourceSnapshot> = {}): ResourceSnapshot => ({
  validation_results: { status: 'ok', path: 'tools/t.yml' },
  test_results: {
    status: 'ok',
    tests_run: 1,
    tests: [{ name: 'works', status: 'passed', time: 0.01 }],
  },
  definition: { mxcp: 1, tool: { name: 't', description: 'A tool.', parameters: [] } },
  ...overrides,
});

const snapshot = (resources: ResourceSnapshot[], tables: DriftSnapshot['tables'] = []): DriftSnapshot => ({
  version: 1,
  generated_at: '2026-01-01T00:00:00.000Z',
  tables,
  resources,
});

describe('compareSnapshots', () => {
  it('ignores test timings, error texts and the key order of definitions', () => {
    const current = tool({
      test_results: { status: 'ok', tests_run: 1, tests: [{ name: 'works', status: 'passed', time: 9.5 }] },
      definition: { tool: { parameters: [], description: 'A tool.', name: 't' }, mxcp: 1 },
    });
    const report = compareSnapshots(snapshot([tool()]), snapshot([current]), 'b.json');
    expect(report.has_drift).toBe(false);
    expect(report.resource_changes).toEqual([]);
  });

  it('sees a test whose status changed', () => {
    const current = tool({
      test_results: {
        status: 'failed',
        tests_run: 1,
        tests: [{ name: 'works', status: 'failed', error: 'nope', time: 0.01 }],
      },
    });
    const [change] = compareSnapshots(snapshot([tool()]), snapshot([current]), 'b.json').resource_changes;
    expect(change).toEqual({
      path: 'tools/t.yml',
      endpoint: 'tool/t',
      change_type: 'modified',
      validation_changed: false,
      test_results_changed: true,
      definition_changed: false,
      details: { test_changes: { old_status: 'ok', new_status: 'failed' } },
    });
  });

  it('names resources by URI and reports added files', () => {
    const resource = tool({
      validation_results: { status: 'ok', path: 'resources/r.yml' },
      definition: { mxcp: 1, resource: { uri: 'data://r' } },
    });
    const report = compareSnapshots(snapshot([]), snapshot([resource]), 'b.json');
    expect(report.resource_changes).toEqual([
      {
        path: 'resources/r.yml',
        endpoint: 'resource/data://r',
        change_type: 'added',
        details: { added_resource: true },
      },
    ]);
    expect(report.summary.resources_added).toBe(1);
  });

  it('reports columns added, removed and retyped, and removed tables', () => {
    const before = [
      {
        name: 'a',
        columns: [
          { name: 'x', type: 'INTEGER' },
          { name: 'y', type: 'VARCHAR' },
        ],
      },
      { name: 'gone', columns: [{ name: 'z', type: 'DATE' }] },
    ];
    const after = [
      {
        name: 'a',
        columns: [
          { name: 'x', type: 'BIGINT' },
          { name: 'w', type: 'BOOLEAN' },
        ],
      },
    ];
    const report = compareSnapshots(snapshot([], before), snapshot([], after), 'b.json');
    expect(report.table_changes).toEqual([
      {
        name: 'a',
        change_type: 'modified',
        columns_added: [{ name: 'w', type: 'BOOLEAN' }],
        columns_removed: [{ name: 'y', type: 'VARCHAR' }],
        columns_modified: [{ name: 'x', old_type: 'INTEGER', new_type: 'BIGINT' }],
      },
      { name: 'gone', change_type: 'removed', columns_removed: [{ name: 'z', type: 'DATE' }] },
    ]);
    expect(report.summary).toMatchObject({ tables_modified: 1, tables_removed: 1, tables_added: 0 });
  });
});
