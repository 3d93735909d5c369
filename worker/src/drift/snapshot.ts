// Building a drift snapshot (MXCP-SPEC §10) from an opened project: the
// `main` schema's tables and columns from information_schema, and one entry
// per endpoint file with its validation outcome, its test results (every test
// is run) and its definition. Also reading and writing snapshot files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OpenedProject } from '../engine/index.js';
import type { EndpointFailure } from '../endpoints/index.js';
import { runEndpointTests, type TestSuiteResult } from '../testing/runner.js';
import type { DriftSnapshot, ResourceSnapshot, TableSnapshot, TestResultsSnapshot } from './types.js';

const TABLES_SQL = `
  SELECT table_name, column_name, data_type
  FROM information_schema.columns
  WHERE table_schema = 'main'
  ORDER BY table_name, ordinal_position`;

/** Validates and tests every endpoint of `opened` and reads its tables: the project's current state. */
export async function buildSnapshot(opened: OpenedProject, now: Date = new Date()): Promise<DriftSnapshot> {
  const resources: ResourceSnapshot[] = opened.failures.map((failure) => ({
    validation_results: { status: 'error', path: failure.path, message: validationMessage(failure) },
  }));
  for (const endpoint of opened.loaded) {
    const suite = await runEndpointTests(opened.engine, endpoint);
    resources.push({
      validation_results: { status: 'ok', path: endpoint.path },
      test_results: testResults(suite),
      definition: withoutNulls({ mxcp: 1, [endpoint.kind]: endpoint.definition }) as Record<string, unknown>,
    });
  }
  resources.sort((a, b) => a.validation_results.path.localeCompare(b.validation_results.path));
  return {
    version: 1,
    generated_at: now.toISOString(),
    tables: await readTables(opened),
    resources,
  };
}

/** The same text `mxcp validate` shows for a failed file: every error, with its place. */
function validationMessage(failure: EndpointFailure): string {
  return failure.errors.map((e) => e.format()).join('; ');
}

async function readTables(opened: OpenedProject): Promise<TableSnapshot[]> {
  const rows = await opened.engine.db.query(TABLES_SQL);
  const tables = new Map<string, TableSnapshot>();
  for (const row of rows) {
    const name = String(row.table_name);
    let table = tables.get(name);
    if (!table) tables.set(name, (table = { name, columns: [] }));
    table.columns.push({ name: String(row.column_name), type: String(row.data_type) });
  }
  return [...tables.values()];
}

function testResults(suite: TestSuiteResult): TestResultsSnapshot {
  return withoutNulls({
    status: suite.status,
    tests_run: suite.tests_run,
    // error_cause is left out: MXCP's snapshot keeps name, description, status, error and time.
    tests: suite.tests.map(({ name, description, status, error, time }) => ({
      name,
      description,
      status,
      error,
      time,
    })),
    message: suite.message,
    no_tests: suite.no_tests,
  }) as TestResultsSnapshot;
}

/** MXCP dumps its models with exclude_none: null and undefined fields are left out, at any depth. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

/** The snapshot file's text: JSON with indent 2, as MXCP writes it. */
export function snapshotText(snapshot: DriftSnapshot): string {
  return JSON.stringify(snapshot, null, 2) + '\n';
}

export function writeSnapshot(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Reads a baseline; throws an Error saying what is wrong with the file. */
export function readSnapshot(path: string): DriftSnapshot {
  if (!existsSync(path)) {
    throw new Error(`Baseline snapshot not found: ${path} (create one with 'mxcp drift-snapshot')`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Baseline snapshot ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const snapshot = parsed as Partial<DriftSnapshot> | null;
  if (
    snapshot === null ||
    typeof snapshot !== 'object' ||
    snapshot.version !== 1 ||
    !Array.isArray(snapshot.tables) ||
    !Array.isArray(snapshot.resources)
  ) {
    throw new Error(
      `Baseline snapshot ${path} is not a drift snapshot (version 1 with tables and resources)`,
    );
  }
  return snapshot as DriftSnapshot;
}
