import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveProfile } from './profile.js';
import { loadProjectConfig } from './project.js';
import { tempFiles } from './testdata/temp-files.js';

const project = (files: Record<string, string>) => tempFiles(files, 'mxcp-project-');

describe('resolveProfile', () => {
  const site = { profile: 'from-site' };

  it('prefers --profile over MXCP_PROFILE and the site profile', () => {
    expect(resolveProfile('from-flag', { MXCP_PROFILE: 'from-env' }, site)).toBe('from-flag');
  });

  it('uses MXCP_PROFILE when no flag is given', () => {
    expect(resolveProfile(undefined, { MXCP_PROFILE: 'from-env' }, site)).toBe('from-env');
  });

  it('falls back to the profile named in mxcp-site.yml', () => {
    expect(resolveProfile(undefined, {}, site)).toBe('from-site');
  });
});

describe('loadProjectConfig', () => {
  const files = {
    'mxcp-site.yml': [
      'mxcp: 1',
      'project: shop',
      'profile: dev',
      'profiles:',
      '  dev: {}',
      '  prod:',
      '    duckdb:',
      '      readonly: true',
      '    audit:',
      '      enabled: true',
      '',
    ].join('\n'),
    'user.yml': [
      'mxcp: 1',
      'projects:',
      '  shop:',
      '    profiles:',
      '      prod:',
      '        secrets:',
      '          - {name: warehouse, type: database, parameters: {password: "${WAREHOUSE_PASSWORD}"}}',
      '        telemetry:',
      '          enabled: true',
      '',
    ].join('\n'),
  };

  it('finds the project from a nested folder and loads the profile named by MXCP_PROFILE', () => {
    const root = project({ ...files, 'tools/nested/.keep': '' });
    const config = loadProjectConfig({
      cwd: join(root, 'tools', 'nested'),
      env: { MXCP_PROFILE: 'prod', MXCP_CONFIG: join(root, 'user.yml'), WAREHOUSE_PASSWORD: 'pw' },
    });
    expect(config.repoRoot).toBe(root);
    expect(config.profileName).toBe('prod');
    expect(config.profile).toEqual({
      duckdb: { path: join(root, 'data', 'db-prod.duckdb'), readonly: true },
      drift: { path: join(root, 'drift', 'drift-prod.json') },
      audit: { enabled: true, path: join(root, 'audit', 'logs-prod.jsonl'), max_file_size: 52428800 },
    });
    expect(config.userProfile.secrets).toEqual([
      { name: 'warehouse', type: 'database', parameters: { password: 'pw' } },
    ]);
    expect(config.userProfile.telemetry?.metrics.export_interval).toBe(60);
  });

  it('does not need the variables of a profile that is not active', () => {
    const root = project(files);
    const config = loadProjectConfig({ cwd: root, env: { MXCP_CONFIG: join(root, 'user.yml') } });
    expect(config.profileName).toBe('dev');
    expect(config.userProfile).toEqual({
      secrets: [],
      plugin: { config: {} },
      auth: undefined,
      telemetry: undefined,
    });
  });

  it('turns read-only on from the flag, from MXCP_READONLY, or from the profile', () => {
    const root = project(files);
    const env = { MXCP_CONFIG: join(root, 'user.yml'), WAREHOUSE_PASSWORD: 'pw' };
    expect(loadProjectConfig({ cwd: root, env }).profile.duckdb.readonly).toBe(false);
    expect(loadProjectConfig({ cwd: root, env, readonly: true }).profile.duckdb.readonly).toBe(true);
    expect(
      loadProjectConfig({ cwd: root, env: { ...env, MXCP_READONLY: 'yes' } }).profile.duckdb.readonly,
    ).toBe(true);
    expect(
      loadProjectConfig({ cwd: root, env: { ...env, MXCP_READONLY: 'no' } }).profile.duckdb.readonly,
    ).toBe(false);
    expect(loadProjectConfig({ cwd: root, env, profile: 'prod' }).profile.duckdb.readonly).toBe(true);
  });

  it('applies MXCP_DUCKDB_PATH relative to the current directory', () => {
    const root = project({ ...files, 'sub/.keep': '' });
    const config = loadProjectConfig({
      cwd: join(root, 'sub'),
      env: { MXCP_CONFIG: join(root, 'user.yml'), MXCP_DUCKDB_PATH: 'local.duckdb' },
    });
    expect(config.profile.duckdb.path).toBe(join(root, 'sub', 'local.duckdb'));
  });
});
