import { describe, expect, it } from 'vitest';
import { renderLintReport } from './report.js';
import type { LintIssue } from './rules.js';

const ESC = '\u001b[';
const issues: LintIssue[] = [
  {
    severity: 'info',
    path: 'tools/b.yml',
    location: 'tool.tags',
    message: 'Tool has no tags',
    suggestion: 'Add tags',
  },
  {
    severity: 'warning',
    path: 'tools/a.yml',
    location: 'tool.description',
    message: 'Tool has no description',
    suggestion: 'Describe it',
  },
  {
    severity: 'error',
    path: 'tools/a.yml',
    location: 'tool.parameters[0].description',
    message: "Parameter 'x' has no description",
    suggestion: 'Describe x',
  },
];

describe('renderLintReport', () => {
  const text = renderLintReport(issues, { color: false, endpointCount: 2 });

  it('groups issues by file, files sorted, errors first within a file', () => {
    expect(text).toContain(
      [
        '📄 tools/a.yml',
        "  ❌ tool.parameters[0].description: Parameter 'x' has no description",
        '     💡 Describe x',
        '  ⚠️  tool.description: Tool has no description',
        '     💡 Describe it',
        '',
        '📄 tools/b.yml',
        '  ℹ️  tool.tags: Tool has no tags',
      ].join('\n'),
    );
    expect(text).toContain('Checked 2 endpoint file(s)');
  });

  it('ends with a summary of counts', () => {
    expect(text.trimEnd().split('\n').at(-1)).toBe('Summary: 1 error, 1 warning, 1 suggestion');
  });

  it('says so when there is nothing to report', () => {
    expect(renderLintReport([], { color: false })).toContain('✅ No issues found');
  });

  it('has escape codes only with colour', () => {
    expect(text).not.toContain(ESC);
    expect(renderLintReport(issues, { color: true })).toContain(ESC);
  });
});
