// Human output of the drift commands: what a snapshot holds and where it went,
// and the drift report with its summary and each change.
import pc from 'picocolors';
import type { DriftReport, DriftSnapshot, ResourceChange, TableChange } from './types.js';

export interface SnapshotSummary {
  path: string;
  /** sha256 of the snapshot file's text. */
  hash: string;
  snapshot: DriftSnapshot;
  written: boolean;
}

export function renderSnapshotSummary(summary: SnapshotSummary, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const { snapshot } = summary;
  const lines = [
    summary.written
      ? c.green(`✅ Drift snapshot written to ${summary.path}`)
      : c.yellow(`🔍 Dry run: the snapshot was not written (it would go to ${summary.path})`),
    `   Hash: ${summary.hash}`,
    `   Generated at: ${snapshot.generated_at}`,
    `   Tables: ${snapshot.tables.length}`,
    `   Resources: ${snapshot.resources.length}`,
  ];
  const failed = snapshot.resources.filter((r) => r.validation_results.status !== 'ok').length;
  if (failed > 0) lines.push(c.yellow(`   ⚠️  ${failed} endpoint file(s) failed validation`));
  lines.push(
    '',
    c.bold('Next steps:'),
    '   • Commit the snapshot so that later changes can be compared with it',
    "   • Run 'mxcp drift-check' to compare the project with this baseline",
  );
  return lines.join('\n') + '\n';
}

export function renderDriftReport(report: DriftReport, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const s = report.summary;
  const lines = [
    c.bold('Drift Report'),
    `Baseline: ${report.baseline_snapshot_path} (generated ${report.baseline_snapshot_generated_at})`,
    `Current:  generated ${report.current_snapshot_generated_at}`,
    '',
    report.has_drift ? c.red('🔴 DRIFT DETECTED') : c.green('✅ NO DRIFT DETECTED'),
    '',
    c.bold('Summary:'),
    `   Tables:    ${s.tables_added} added, ${s.tables_removed} removed, ${s.tables_modified} modified`,
    `   Resources: ${s.resources_added} added, ${s.resources_removed} removed, ${s.resources_modified} modified`,
  ];
  if (report.table_changes.length > 0) {
    lines.push('', c.bold('Table changes:'));
    for (const change of report.table_changes) lines.push(...tableLines(change));
  }
  if (report.resource_changes.length > 0) {
    lines.push('', c.bold('Resource changes:'));
    for (const change of report.resource_changes) lines.push(resourceLine(change));
  }
  return lines.join('\n') + '\n';
}

const MARK = { added: '+', removed: '-', modified: '~' } as const;

function tableLines(change: TableChange): string[] {
  const lines = [`   ${MARK[change.change_type]} ${change.name} (${change.change_type})`];
  if (change.change_type === 'modified') {
    for (const col of change.columns_added ?? []) lines.push(`       + column ${col.name} ${col.type}`);
    for (const col of change.columns_removed ?? []) lines.push(`       - column ${col.name} ${col.type}`);
    for (const col of change.columns_modified ?? [])
      lines.push(`       ~ column ${col.name}: ${col.old_type} → ${col.new_type}`);
  }
  return lines;
}

function resourceLine(change: ResourceChange): string {
  const what = [
    change.validation_changed && 'validation changed',
    change.test_results_changed && 'test results changed',
    change.definition_changed && 'definition changed',
  ].filter(Boolean);
  const label = change.endpoint ? `${change.endpoint} (${change.path})` : change.path;
  const reason = what.length > 0 ? `: ${what.join(', ')}` : '';
  return `   ${MARK[change.change_type]} ${label} ${change.change_type}${reason}`;
}
