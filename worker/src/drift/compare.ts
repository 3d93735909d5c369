// Comparing a baseline snapshot with the current one (MXCP-SPEC §10, check):
// tables matched by name, endpoint files by validation path. A file is
// modified when its validation (status, message), its test outcome (status,
// count, each test's name and status; timings ignored) or its definition
// changed.
import type {
  ColumnSnapshot,
  DriftReport,
  ResourceChange,
  ResourceSnapshot,
  DriftSnapshot,
  TableChange,
  TableSnapshot,
  TestResultsSnapshot,
} from './types.js';

export function compareSnapshots(
  baseline: DriftSnapshot,
  current: DriftSnapshot,
  baselinePath: string,
  now: Date = new Date(),
): DriftReport {
  const table_changes = tableChanges(baseline.tables, current.tables);
  const resource_changes = resourceChanges(baseline.resources, current.resources);
  const count = <T extends { change_type: string }>(changes: T[], type: string) =>
    changes.filter((c) => c.change_type === type).length;
  return {
    version: 1,
    generated_at: now.toISOString(),
    baseline_snapshot_path: baselinePath,
    current_snapshot_generated_at: current.generated_at,
    baseline_snapshot_generated_at: baseline.generated_at,
    has_drift: table_changes.length > 0 || resource_changes.length > 0,
    summary: {
      tables_added: count(table_changes, 'added'),
      tables_removed: count(table_changes, 'removed'),
      tables_modified: count(table_changes, 'modified'),
      resources_added: count(resource_changes, 'added'),
      resources_removed: count(resource_changes, 'removed'),
      resources_modified: count(resource_changes, 'modified'),
    },
    table_changes,
    resource_changes,
  };
}

function tableChanges(baseline: TableSnapshot[], current: TableSnapshot[]): TableChange[] {
  const before = new Map(baseline.map((t) => [t.name, t]));
  const after = new Map(current.map((t) => [t.name, t]));
  const changes: TableChange[] = [];
  for (const name of sortedUnion(before.keys(), after.keys())) {
    const old = before.get(name);
    const now = after.get(name);
    if (!old) changes.push({ name, change_type: 'added', columns_added: now?.columns ?? [] });
    else if (!now) changes.push({ name, change_type: 'removed', columns_removed: old.columns });
    else {
      const change = columnChanges(name, old.columns, now.columns);
      if (change) changes.push(change);
    }
  }
  return changes;
}

function columnChanges(name: string, before: ColumnSnapshot[], after: ColumnSnapshot[]): TableChange | null {
  const old = new Map(before.map((c) => [c.name, c.type]));
  const now = new Map(after.map((c) => [c.name, c.type]));
  const added = after.filter((c) => !old.has(c.name));
  const removed = before.filter((c) => !now.has(c.name));
  const modified = after
    .filter((c) => old.has(c.name) && old.get(c.name) !== c.type)
    .map((c) => ({ name: c.name, old_type: old.get(c.name) as string, new_type: c.type }));
  if (added.length + removed.length + modified.length === 0) return null;
  const change: TableChange = { name, change_type: 'modified' };
  if (added.length > 0) change.columns_added = added;
  if (removed.length > 0) change.columns_removed = removed;
  if (modified.length > 0) change.columns_modified = modified;
  return change;
}

function resourceChanges(baseline: ResourceSnapshot[], current: ResourceSnapshot[]): ResourceChange[] {
  const key = (r: ResourceSnapshot) => r.validation_results.path;
  const before = new Map(baseline.map((r) => [key(r), r]));
  const after = new Map(current.map((r) => [key(r), r]));
  const changes: ResourceChange[] = [];
  for (const path of sortedUnion(before.keys(), after.keys())) {
    const old = before.get(path);
    const now = after.get(path);
    const endpoint = endpointOf(now) ?? endpointOf(old);
    const base = endpoint === undefined ? { path } : { path, endpoint };
    if (!old) {
      changes.push({ ...base, change_type: 'added', details: { added_resource: true } });
      continue;
    }
    if (!now) {
      changes.push({ ...base, change_type: 'removed', details: { removed_resource: true } });
      continue;
    }
    const validationChanged =
      old.validation_results.status !== now.validation_results.status ||
      (old.validation_results.message ?? null) !== (now.validation_results.message ?? null);
    const testsChanged = testOutcome(old.test_results) !== testOutcome(now.test_results);
    const definitionChanged = canonical(old.definition) !== canonical(now.definition);
    if (!validationChanged && !testsChanged && !definitionChanged) continue;

    const change: ResourceChange = {
      ...base,
      change_type: 'modified',
      validation_changed: validationChanged,
      test_results_changed: testsChanged,
      definition_changed: definitionChanged,
    };
    const details: NonNullable<ResourceChange['details']> = {};
    if (validationChanged) {
      details.validation_changes = {
        old_status: old.validation_results.status,
        new_status: now.validation_results.status,
      };
    }
    if (testsChanged) {
      details.test_changes = {
        old_status: old.test_results?.status ?? 'none',
        new_status: now.test_results?.status ?? 'none',
      };
    }
    if (Object.keys(details).length > 0) change.details = details;
    changes.push(change);
  }
  return changes;
}

/** `tool/<name>`, `resource/<uri>` or `prompt/<name>`, read from the definition. */
function endpointOf(resource: ResourceSnapshot | undefined): string | undefined {
  const definition = resource?.definition;
  if (!definition) return undefined;
  for (const kind of ['tool', 'resource', 'prompt'] as const) {
    const body = definition[kind] as Record<string, unknown> | undefined;
    const name = kind === 'resource' ? body?.uri : body?.name;
    if (typeof name === 'string') return `${kind}/${name}`;
  }
  return undefined;
}

/** What of a test outcome counts as drift: statuses and counts, never timings or messages. */
function testOutcome(results: TestResultsSnapshot | undefined): string {
  if (!results) return 'none';
  const tests = results.tests ?? [];
  return JSON.stringify([
    results.status,
    results.tests_run ?? null,
    tests.length,
    tests.map((t) => [t.name, t.status]),
  ]);
}

/** JSON with sorted keys, so equal definitions compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}
