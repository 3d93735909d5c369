// Human output of `mxcp lint`: issues grouped by file, most severe first, and a
// summary line. Pure: returns a string; `color: false` means no ANSI codes.
import pc from 'picocolors';
import type { LintIssue, LintSeverity } from './rules.js';

export interface LintReportOptions {
  color: boolean;
  /** How many endpoint files were checked (for the header). */
  endpointCount?: number;
}

const ICONS: Record<LintSeverity, string> = { error: '❌', warning: '⚠️ ', info: 'ℹ️ ' };
const RANK: Record<LintSeverity, number> = { error: 0, warning: 1, info: 2 };

export function renderLintReport(issues: LintIssue[], opts: LintReportOptions): string {
  const c = pc.createColors(opts.color);
  const paint: Record<LintSeverity, (s: string) => string> = {
    error: c.red,
    warning: c.yellow,
    info: c.blue,
  };
  const lines: string[] = [c.bold('🔍 Lint Results')];
  if (opts.endpointCount !== undefined) lines.push(`   Checked ${opts.endpointCount} endpoint file(s)`);
  lines.push('');

  if (issues.length === 0) {
    lines.push(c.green('✅ No issues found: all endpoints have good metadata!'));
    return lines.join('\n') + '\n';
  }

  const byFile = new Map<string, LintIssue[]>();
  for (const issue of issues) {
    const list = byFile.get(issue.path) ?? [];
    list.push(issue);
    byFile.set(issue.path, list);
  }
  for (const path of [...byFile.keys()].sort()) {
    lines.push(c.bold(`📄 ${path}`));
    // Stable sort keeps definition order within one severity.
    const fileIssues = [...(byFile.get(path) ?? [])].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
    for (const issue of fileIssues) {
      lines.push(`  ${ICONS[issue.severity]} ${paint[issue.severity](issue.location)}: ${issue.message}`);
      if (issue.suggestion) lines.push(c.dim(`     💡 ${issue.suggestion}`));
    }
    lines.push('');
  }
  lines.push(summaryLine(issues, c));
  return lines.join('\n') + '\n';
}

function summaryLine(issues: LintIssue[], c: ReturnType<typeof pc.createColors>): string {
  const count = (s: LintSeverity) => issues.filter((i) => i.severity === s).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const errors = count('error');
  const warnings = count('warning');
  const infos = count('info');
  const parts = [
    errors > 0 ? c.red(plural(errors, 'error')) : plural(errors, 'error'),
    warnings > 0 ? c.yellow(plural(warnings, 'warning')) : plural(warnings, 'warning'),
    plural(infos, 'suggestion'),
  ];
  return `Summary: ${parts.join(', ')}`;
}
