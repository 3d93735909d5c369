// source.file must stay inside the project (regression found by test/reliability's security
// suite): `../../etc/passwd` was read and DuckDB's parse error quoted its first line.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../config/site.js';
import { tempFiles } from '../config/testdata/temp-files.js';
import { discoverEndpoints } from './discover.js';

const lines = (...text: string[]) => `${text.join('\n')}\n`;

describe('source.file containment', () => {
  it('refuses a file outside the project, however it is written, without reading it', () => {
    const root = tempFiles(
      {
        'mxcp-site.yml': 'mxcp: 1\nproject: demo\nprofile: dev\n',
        'tools/up.yml': lines('tool:', '  name: up', '  source:', '    file: ../../outside.sql'),
        'tools/deep.yml': lines(
          'tool:',
          '  name: deep',
          '  source:',
          '    file: ../../../../../../../etc/passwd',
        ),
        'tools/rooted.yml': lines('tool:', '  name: rooted', '  source:', '    file: /../outside.sql'),
        'tools/inside.yml': lines('tool:', '  name: inside', '  source:', '    file: ../sql/inside.sql'),
        'sql/inside.sql': 'SELECT 1',
      },
      'mxcp-containment-',
    );
    const outside = join(dirname(root), 'outside.sql');
    writeFileSync(outside, "SELECT 'leaked'");
    let result;
    try {
      result = discoverEndpoints({ repoRoot: root, site: loadSiteConfig(root, { env: {} }) });
    } finally {
      rmSync(outside, { force: true });
      rmSync(root, { recursive: true, force: true });
    }
    const messages = Object.fromEntries(
      result.failures.map((f) => [f.path, f.errors.map((e) => e.format()).join('\n')]),
    );
    for (const [path, file] of [
      ['tools/up.yml', '../../outside.sql'],
      ['tools/deep.yml', '../../../../../../../etc/passwd'],
      ['tools/rooted.yml', '/../outside.sql'],
    ]) {
      expect(messages[path]).toContain(
        `tool.source.file: Source file is outside the project folder: ${file}`,
      );
    }
    expect(JSON.stringify(result)).not.toContain('leaked');
    expect(result.endpoints.map((e) => e.name)).toEqual(['inside']);
  });
});
