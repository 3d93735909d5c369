import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorsOf, tempFiles } from './testdata/temp-files.js';
import { findRepoRoot, loadSiteConfig } from './site.js';

const project = (files: Record<string, string>) => tempFiles(files, 'mxcp-site-');

describe('findRepoRoot', () => {
  it('walks up from a nested folder to the folder holding mxcp-site.yml', () => {
    const root = project({
      'mxcp-site.yml': 'mxcp: 1\nproject: p\nprofile: dev\n',
      'tools/deep/er/x.txt': '',
    });
    expect(findRepoRoot(join(root, 'tools', 'deep', 'er'))).toBe(root);
    expect(findRepoRoot(root)).toBe(root);
  });

  it("fails with MXCP's message when no folder up the tree has mxcp-site.yml", () => {
    const root = project({ 'a/b/readme.txt': '' });
    const [error] = errorsOf(() => findRepoRoot(join(root, 'a', 'b')));
    expect(error.message).toBe('No mxcp-site.yml found in current directory or parents');
  });
});

describe('loadSiteConfig', () => {
  it('fills in every default and derives the active profile paths under the repo root', () => {
    const root = project({ 'mxcp-site.yml': 'mxcp: 1\nproject: demo\nprofile: dev\n' });
    const site = loadSiteConfig(root, { env: {} });
    expect(site.paths).toEqual({
      tools: 'tools',
      resources: 'resources',
      prompts: 'prompts',
      evals: 'evals',
      python: 'python',
      plugins: 'plugins',
      sql: 'sql',
      drift: 'drift',
      audit: 'audit',
      data: 'data',
    });
    expect(site.secrets).toEqual([]);
    expect(site.sql_tools.enabled).toBe(false);
    expect(site.dbt.clean_targets).toEqual(['target', 'dbt_packages']);
    expect(site.profiles.dev).toEqual({
      duckdb: { path: join(root, 'data', 'db-dev.duckdb'), readonly: false },
      drift: { path: join(root, 'drift', 'drift-dev.json') },
      audit: { enabled: false, path: join(root, 'audit', 'logs-dev.jsonl'), max_file_size: 52428800 },
    });
  });

  it('derives paths from custom paths.* for a profile chosen outside the file', () => {
    const root = project({
      'mxcp-site.yml': 'mxcp: 1\nproject: demo\nprofile: dev\npaths:\n  data: state/db\n',
    });
    const site = loadSiteConfig(root, { profile: 'prod', env: {} });
    expect(site.profiles.prod.duckdb.path).toBe(join(root, 'state', 'db', 'db-prod.duckdb'));
  });

  it('resolves a relative duckdb path written by the user against the repo root, not the cwd', () => {
    const root = project({
      'mxcp-site.yml':
        'mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  dev:\n    duckdb:\n      path: custom/my.duckdb\n      readonly: true\n',
    });
    const site = loadSiteConfig(root, { env: {}, cwd: tmpdir() });
    expect(site.profiles.dev.duckdb).toEqual({ path: join(root, 'custom', 'my.duckdb'), readonly: true });
  });

  it('lets MXCP_DUCKDB_PATH and MXCP_AUDIT_ENABLED override the active profile only', () => {
    const root = project({
      'mxcp-site.yml': 'mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  other: {}\n',
    });
    const site = loadSiteConfig(root, {
      env: { MXCP_DUCKDB_PATH: '/var/db/x.duckdb', MXCP_AUDIT_ENABLED: 'yes' },
    });
    expect(site.profiles.dev.duckdb.path).toBe('/var/db/x.duckdb');
    expect(site.profiles.dev.audit.enabled).toBe(true);
    expect(site.profiles.other.duckdb.path).toBe(join(root, 'data', 'db-other.duckdb'));
    expect(site.profiles.other.audit.enabled).toBe(false);
  });

  it('rejects an in-memory database in the file, pointing at the field', () => {
    const root = project({
      'mxcp-site.yml':
        'mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  dev:\n    duckdb:\n      path: ":memory:"\n',
    });
    const [error] = errorsOf(() => loadSiteConfig(root, { env: {} }));
    expect(error.message).toBe('In-memory databases (:memory:) are not supported');
    expect(error.path).toBe('profiles.dev.duckdb.path');
    expect(error.line).toBe(7);
  });

  it('rejects an in-memory database given through MXCP_DUCKDB_PATH', () => {
    const root = project({ 'mxcp-site.yml': 'mxcp: 1\nproject: demo\nprofile: dev\n' });
    const [error] = errorsOf(() => loadSiteConfig(root, { env: { MXCP_DUCKDB_PATH: ':memory:' } }));
    expect(error.message).toBe('In-memory databases (:memory:) are not supported');
    expect(error.path).toBe('MXCP_DUCKDB_PATH');
  });

  it('reports unknown keys at every depth with their path and line', () => {
    const root = project({
      'mxcp-site.yml': [
        'mxcp: 1',
        'project: demo',
        'profile: dev',
        'colour: blue',
        'paths:',
        '  tool: t',
        'profiles:',
        '  dev:',
        '    audit:',
        '      enable: true',
        '',
      ].join('\n'),
    });
    const errors = errorsOf(() => loadSiteConfig(root, { env: {} }));
    expect(errors.map((e) => [e.path, e.line, e.column])).toEqual([
      ['colour', 4, 1],
      ['paths.tool', 6, 3],
      ['profiles.dev.audit.enable', 10, 7],
    ]);
    expect(errors[1].message).toBe(
      "unknown key 'tool' (expected one of: tools, resources, prompts, evals, python, plugins, sql, drift, audit, data)",
    );
  });

  it('reports wrong types and a missing required key together', () => {
    const root = project({
      'mxcp-site.yml':
        'mxcp: 1\nprofile: dev\nsql_tools:\n  enabled: "sometimes"\nextensions:\n  - {name: httpfs, repo: nightly}\n',
    });
    const messages = errorsOf(() => loadSiteConfig(root, { env: {} })).map((e) => `${e.path}: ${e.message}`);
    expect(messages).toEqual([
      "project: missing required key 'project'",
      'sql_tools.enabled: expected boolean, got string',
      "extensions[0].repo: expected one of community, core_nightly, got 'nightly'",
    ]);
  });

  it('accepts a scalar where MXCP accepts one for secrets and plugin', () => {
    const root = project({
      'mxcp-site.yml':
        'mxcp: 1\nproject: demo\nprofile: dev\nsecrets: db\nplugin: {name: util, module: my_plugin}\n',
    });
    const site = loadSiteConfig(root, { env: {} });
    expect(site.secrets).toEqual(['db']);
    expect(site.plugin).toEqual([{ name: 'util', module: 'my_plugin', config: null }]);
  });

  it('asks for a migration when mxcp is the old string version', () => {
    const root = project({ 'mxcp-site.yml': 'mxcp: "1.0.0"\nproject: demo\nprofile: dev\n' });
    const [error] = errorsOf(() => loadSiteConfig(root, { env: {} }));
    expect(error.message).toMatch(/^MIGRATION REQUIRED/);
    expect(error.path).toBe('mxcp');
    expect(error.line).toBe(1);
  });
});
