// MXCP's drift file formats (MXCP-SPEC §10): the snapshot written by
// `mxcp drift-snapshot` and the report printed by `mxcp drift-check`. Optional
// keys are left out rather than set to null, as MXCP writes them.
import type { SuiteStatus, TestStatus } from '../testing/runner.js';

export interface ColumnSnapshot {
  name: string;
  type: string;
}

export interface TableSnapshot {
  name: string;
  columns: ColumnSnapshot[];
}

export interface ValidationSnapshot {
  status: 'ok' | 'error';
  /** The endpoint file, relative to the repository root. */
  path: string;
  message?: string;
}

export interface TestSnapshot {
  name: string;
  description?: string;
  status: TestStatus;
  error?: string;
  time: number;
}

export interface TestResultsSnapshot {
  status: SuiteStatus;
  tests_run?: number;
  tests?: TestSnapshot[];
  message?: string;
  no_tests?: boolean;
}

/** One endpoint file: whether it validated, its tests' outcome and its definition. */
export interface ResourceSnapshot {
  validation_results: ValidationSnapshot;
  test_results?: TestResultsSnapshot;
  /** The endpoint file as loaded: `{mxcp: 1, tool|resource|prompt: {...}}`. */
  definition?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface DriftSnapshot {
  version: 1;
  /** ISO 8601, UTC, ending in Z. */
  generated_at: string;
  tables: TableSnapshot[];
  resources: ResourceSnapshot[];
}

export type ChangeType = 'added' | 'removed' | 'modified';

export interface TableChange {
  name: string;
  change_type: ChangeType;
  columns_added?: ColumnSnapshot[];
  columns_removed?: ColumnSnapshot[];
  columns_modified?: { name: string; old_type: string; new_type: string }[];
}

export interface ResourceChange {
  path: string;
  /** `tool/<name>`, `resource/<uri>` or `prompt/<name>`; absent when neither side could load the file. */
  endpoint?: string;
  change_type: ChangeType;
  validation_changed?: boolean;
  test_results_changed?: boolean;
  definition_changed?: boolean;
  details?: {
    validation_changes?: { old_status: string; new_status: string };
    test_changes?: { old_status: string; new_status: string };
    added_resource?: true;
    removed_resource?: true;
  };
}

export interface DriftSummary {
  tables_added: number;
  tables_removed: number;
  tables_modified: number;
  resources_added: number;
  resources_removed: number;
  resources_modified: number;
}

export interface DriftReport {
  version: 1;
  generated_at: string;
  baseline_snapshot_path: string;
  current_snapshot_generated_at: string;
  baseline_snapshot_generated_at: string;
  has_drift: boolean;
  summary: DriftSummary;
  table_changes: TableChange[];
  resource_changes: ResourceChange[];
}
