import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { errorsOf, tempFiles } from './testdata/temp-files.js';
import { loadUserConfig } from './user.js';

const savedHome = process.env.HOME;
afterEach(() => {
  process.env.HOME = savedHome;
});

const folder = (files: Record<string, string>) => tempFiles(files, 'mxcp-user-');
const site = { project: 'demo' };

describe('loadUserConfig: where the file comes from', () => {
  it('fails when MXCP_CONFIG names a file that does not exist', () => {
    const dir = folder({});
    const [error] = errorsOf(() => loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'nope.yml') }));
    expect(error.message).toBe(`User config file not found: ${join(dir, 'nope.yml')}`);
  });

  it('reads ~/.mxcp/config.yml when MXCP_CONFIG is unset', () => {
    const home = folder({ '.mxcp/config.yml': 'mxcp: 1\ntransport:\n  http:\n    port: 9000\n' });
    process.env.HOME = home;
    const config = loadUserConfig(site, 'dev', {});
    expect(config.transport.http.port).toBe(9000);
    expect(config.transport.provider).toBe('streamable-http');
  });

  it('generates a default config with the active project and profile when no file exists', () => {
    process.env.HOME = folder({});
    const config = loadUserConfig(site, 'dev', {});
    expect(config.projects).toEqual({ demo: { profiles: { dev: { secrets: [], plugin: { config: {} } } } } });
    expect(config.logging.level).toBe('WARNING');
    expect(config.vault.token_env).toBe('VAULT_TOKEN');
  });

  it('adds the active profile entry when the file has other projects only', () => {
    const dir = folder({ 'c.yml': 'mxcp: 1\nprojects:\n  other:\n    profiles:\n      prod: {}\n' });
    const config = loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml') });
    expect(config.projects.demo.profiles.dev).toEqual({ secrets: [], plugin: { config: {} } });
    expect(config.projects.other.profiles.prod.secrets).toEqual([]);
  });
});

describe('loadUserConfig: schema', () => {
  it('reports unknown keys inside a profile with path and line', () => {
    const dir = folder({
      'c.yml': [
        'mxcp: 1',
        'projects:',
        '  demo:',
        '    profiles:',
        '      dev:',
        '        secrets:',
        '          - name: db',
        '            type: database',
        '            params: {}',
        '',
      ].join('\n'),
    });
    const [error] = errorsOf(() => loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml') }));
    expect(error.path).toBe('projects.demo.profiles.dev.secrets[0].params');
    expect(error.line).toBe(9);
    expect(error.message).toBe("unknown key 'params' (expected one of: name, type, parameters)");
  });

  it('asks for a migration when mxcp is the old string version', () => {
    const dir = folder({ 'c.yml': 'mxcp: "1.0.0"\n' });
    const [error] = errorsOf(() => loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml') }));
    expect(error.message).toMatch(/^MIGRATION REQUIRED/);
  });

  it('types auth blocks and rejects an unknown provider', () => {
    const dir = folder({
      'c.yml':
        'mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        auth:\n          provider: myidp\n',
    });
    const [error] = errorsOf(() => loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml') }));
    expect(error.path).toBe('projects.demo.profiles.dev.auth.provider');
    expect(error.message).toBe(
      "expected one of none, github, atlassian, salesforce, keycloak, google, oidc, got 'myidp'",
    );
  });
});

describe('loadUserConfig: references', () => {
  const withProfiles = [
    'mxcp: 1',
    'transport:',
    '  http:',
    '    port: ${PORT}',
    '    host: "${HOST_PREFIX}.example.com"',
    'projects:',
    '  demo:',
    '    profiles:',
    '      dev:',
    '        secrets:',
    '          - name: db',
    '            type: database',
    '            parameters:',
    '              password: "${DB_PASSWORD}"',
    '              dsn: "postgres://${DB_USER}:${DB_PASSWORD}@db"',
    '      prod:',
    '        secrets:',
    '          - name: db',
    '            type: database',
    '            parameters:',
    '              password: "${PROD_ONLY_PASSWORD}"',
    '',
  ].join('\n');

  it('substitutes ${VAR} anywhere in strings of the active profile and the top-level settings', () => {
    const dir = folder({ 'c.yml': withProfiles });
    const env = {
      MXCP_CONFIG: join(dir, 'c.yml'),
      PORT: '8123',
      HOST_PREFIX: 'mcp',
      DB_PASSWORD: 's3cret',
      DB_USER: 'app',
    };
    const config = loadUserConfig(site, 'dev', env);
    expect(config.transport.http.port).toBe(8123);
    expect(config.transport.http.host).toBe('mcp.example.com');
    expect(config.projects.demo.profiles.dev.secrets[0].parameters).toEqual({
      password: 's3cret',
      dsn: 'postgres://app:s3cret@db',
    });
  });

  it('names the reference, never the resolved value, when a referenced value is invalid', () => {
    const dir = folder({
      'c.yml': [
        'mxcp: 1',
        'transport:',
        '  provider: "${TRANSPORT}"',
        '  http:',
        '    port: ${PORT}',
        '',
      ].join('\n'),
    });
    const env = { MXCP_CONFIG: join(dir, 'c.yml'), TRANSPORT: 'hunter2-secret', PORT: 'tok-0xdeadbeef' };
    const messages = errorsOf(() => loadUserConfig(site, 'dev', env)).map((e) => e.format());
    expect(messages).toHaveLength(2);
    expect(messages.join('\n')).toContain("the value of '${TRANSPORT}'");
    expect(messages.join('\n')).toMatch(/transport\.http\.port: expected integer, got string/);
    expect(messages.join('\n')).not.toMatch(/hunter2|deadbeef/);
  });

  it('leaves references in inactive profiles alone, so their variables need not be set', () => {
    const dir = folder({ 'c.yml': withProfiles });
    const env = {
      MXCP_CONFIG: join(dir, 'c.yml'),
      PORT: '1',
      HOST_PREFIX: 'x',
      DB_PASSWORD: 'p',
      DB_USER: 'u',
    };
    const config = loadUserConfig(site, 'dev', env);
    expect(config.projects.demo.profiles.prod.secrets[0].parameters.password).toBe('${PROD_ONLY_PASSWORD}');
  });

  it('names the variable and the config path when a variable of the active profile is unset', () => {
    const dir = folder({ 'c.yml': withProfiles });
    const env = {
      MXCP_CONFIG: join(dir, 'c.yml'),
      PORT: '1',
      HOST_PREFIX: 'x',
      DB_PASSWORD: 'p',
      DB_USER: 'u',
    };
    const [error] = errorsOf(() => loadUserConfig(site, 'prod', env));
    expect(error.message).toBe('Environment variable PROD_ONLY_PASSWORD is not set');
    expect(error.path).toBe('projects.demo.profiles.prod.secrets[0].parameters.password');
    expect(error.line).toBe(21);
  });

  it('reads file:// references, absolute and relative to the current directory, trimmed', () => {
    const dir = folder({
      'secrets/token.txt': '  abc-token \n',
      'c.yml': [
        'mxcp: 1',
        'projects:',
        '  demo:',
        '    profiles:',
        '      dev:',
        '        secrets:',
        '          - name: api',
        '            type: api',
        '            parameters:',
        `              absolute: "file://${'${DIR}'}/secrets/token.txt"`,
        '              relative: "file://secrets/token.txt"',
        '',
      ].join('\n'),
    });
    const config = loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml'), DIR: dir }, { cwd: dir });
    expect(config.projects.demo.profiles.dev.secrets[0].parameters).toEqual({
      absolute: 'abc-token',
      relative: 'abc-token',
    });
  });

  it('reports a missing file:// target at the field that refers to it', () => {
    const dir = folder({
      'c.yml':
        'mxcp: 1\nmodels:\n  models:\n    gpt:\n      type: openai\n      api_key: "file:///definitely/not/here"\n',
    });
    const [error] = errorsOf(() => loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml') }));
    expect(error.path).toBe('models.models.gpt.api_key');
    expect(error.message).toMatch(/^Cannot read file '\/definitely\/not\/here'/);
  });

  it('says the synchronous loader cannot resolve vault:// and op:// instead of passing them through', () => {
    const dir = folder({
      'c.yml': [
        'mxcp: 1',
        'projects:',
        '  demo:',
        '    profiles:',
        '      dev:',
        '        secrets:',
        '          - name: db',
        '            type: database',
        '            parameters:',
        '              a: "vault://secret/db#password"',
        '              b: "op://vault/item/field"',
        '',
      ].join('\n'),
    });
    const errors = errorsOf(() => loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml') }));
    expect(errors.map((e) => e.message)).toEqual([
      "Cannot resolve 'vault://secret/db#password' here: secret-manager references need the asynchronous config loader",
      "Cannot resolve 'op://vault/item/field' here: secret-manager references need the asynchronous config loader",
    ]);
  });

  it('lets a caller plug in its own resolver for a scheme', () => {
    const dir = folder({
      'c.yml':
        'mxcp: 1\nmodels:\n  models:\n    c:\n      type: claude\n      api_key: "vault://kv/claude#key"\n',
    });
    const resolvers = new Map([['vault://', (ref: string) => `resolved(${ref})`]]);
    const config = loadUserConfig(site, 'dev', { MXCP_CONFIG: join(dir, 'c.yml') }, { resolvers });
    expect(config.models.models.c.api_key).toBe('resolved(vault://kv/claude#key)');
  });
});
