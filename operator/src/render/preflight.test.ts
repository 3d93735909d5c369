// Pre-flight runs the worker's own loaders on the files the pods will mount:
// every problem comes back with its file and line, and nothing is left behind.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { preflightProject } from './preflight.js';

const SITE = 'mxcp: 1\nproject: demo\nprofile: default\n';
const TOOL = `mxcp: 1
tool:
  name: hello
  description: Say hello
  parameters:
    - name: who
      type: string
  return:
    type: string
  source:
    code: SELECT 'hello ' || $who
`;

const leftovers = () =>
  readdirSync(tmpdir())
    .filter((f) => f.startsWith('mxcp-preflight-'))
    .sort();

describe('preflightProject', () => {
  it('finds no problem in a valid project and removes its temp folder', async () => {
    const before = leftovers();
    expect(await preflightProject({ 'mxcp-site.yml': SITE, 'tools/hello.yml': TOOL })).toEqual([]);
    expect(leftovers()).toEqual(before);
  });

  it('reports a wrong type in an endpoint with file, line and field', async () => {
    const bad = TOOL.replace('type: string\n  return', 'type: strng\n  return');
    const problems = await preflightProject({ 'mxcp-site.yml': SITE, 'tools/hello.yml': bad });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'tools/hello.yml', line: 7 });
    expect(problems[0].field).toContain('parameters[0].type');
  });

  it('reports every broken file, not just the first', async () => {
    const problems = await preflightProject({
      'mxcp-site.yml': SITE,
      'tools/a.yml': 'mxcp: 1\ntool: [unclosed\n',
      'tools/b.yml': TOOL.replace('SELECT', '').replace('code: ', 'file: missing.sql #'),
    });
    expect(new Set(problems.map((p) => p.file))).toEqual(new Set(['tools/a.yml', 'tools/b.yml']));
    expect(problems.every((p) => p.line !== undefined)).toBe(true);
  });

  it('reports an unknown key in mxcp-site.yml with its line', async () => {
    const problems = await preflightProject({ 'mxcp-site.yml': SITE + 'sql_tool:\n  enabled: true\n' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'mxcp-site.yml', line: 4 });
  });

  it('reports a policy condition that is not valid CEL', async () => {
    const withPolicy =
      TOOL + '  policies:\n    input:\n      - condition: "user.email ==="\n        action: deny\n';
    const problems = await preflightProject({ 'mxcp-site.yml': SITE, 'tools/hello.yml': withPolicy });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: 'tools/hello.yml',
      line: 14,
      field: 'tool.policies.input[0].condition',
    });
    expect(problems[0].message).toContain('invalid CEL condition');
  });

  it('refuses a path that leaves the project folder', async () => {
    const problems = await preflightProject({ 'mxcp-site.yml': SITE, '../escape.yml': 'x' });
    expect(problems).toEqual([{ file: '../escape.yml', message: 'file path leaves the project folder' }]);
  });
});
