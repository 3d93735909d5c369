// A benchmark's own section of docs/benchmarks.md, between `<!-- name:start -->` and
// `<!-- name:end -->`: replaced in place on a rerun, appended the first time; the rest of the page
// (other benchmarks' sections) is left as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/mxcp.js';

export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** Writes `section` (which starts and ends with its markers); returns the page's path. */
export function writeMarkedSection(name: string, section: string): string {
  const { start: open, end: close } = sectionMarkers(name);
  const path = join(REPO_ROOT, 'docs/benchmarks.md');
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  const updated =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + close.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, updated);
  return path;
}
