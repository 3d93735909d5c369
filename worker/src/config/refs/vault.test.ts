// vault:// references resolved while loading the user config, against a
// stand-in for Vault's HTTP API (testdata/vault-standin.ts: Vault's KV v2 and
// v1 paths, envelopes, token check and error bodies) on 127.0.0.1.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from '../errors.js';
import { tempFiles } from '../testdata/temp-files.js';
import { loadUserConfig, loadUserConfigAsync } from '../user.js';
import { startVaultStandIn, type VaultStandIn } from './testdata/vault-standin.js';
import { parseVaultReference } from './vault.js';

const TOKEN = 'hvs.test-token-7f3a9c';
const DB_PASSWORD = 'pw-v2-Zq81xK';
const API_KEY = 'key-v1-Lm42pR';
const PORT_TEXT = 'not-a-port-Hs92jD';
const site = { project: 'demo' };

let vault: VaultStandIn;
beforeAll(async () => {
  vault = await startVaultStandIn({
    token: TOKEN,
    kv2: { secret: { 'app/db': { password: DB_PASSWORD, user: 'app' }, 'app/http': { port: PORT_TEXT } } },
    kv1: { kv: { legacy: { api_key: API_KEY } } },
  });
});
afterAll(() => vault.close());

/** A user config with `vault:` settings and the given lines under the dev profile's secret parameters. */
function userConfig(parameters: string[], vaultBlock?: string[], extra: string[] = []): string {
  return [
    'mxcp: 1',
    ...(vaultBlock ?? ['vault:', '  enabled: true', `  address: "${vault.address}"`]),
    ...extra,
    'projects:',
    '  demo:',
    '    profiles:',
    '      dev:',
    '        secrets:',
    '          - name: app',
    '            type: custom',
    '            parameters:',
    ...parameters.map((line) => `              ${line}`),
    '      prod:',
    '        secrets:',
    '          - name: app',
    '            type: custom',
    '            parameters:',
    '              password: "vault://secret/prod/only#password"',
    '',
  ].join('\n');
}

function envFor(text: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dir = tempFiles({ 'c.yml': text });
  return { MXCP_CONFIG: join(dir, 'c.yml'), VAULT_TOKEN: TOKEN, ...extra };
}

async function errorsOfAsync(load: Promise<unknown>): Promise<ConfigError[]> {
  try {
    await load;
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors;
    if (err instanceof ConfigError) return [err];
    throw err;
  }
  throw new Error('expected a config error');
}

function requestsSince(start: number): string[] {
  return vault.requests.slice(start).map((r) => r.path);
}

describe('vault:// references', () => {
  it('reads a key of a KV v2 secret, sending the token from VAULT_TOKEN', async () => {
    const start = vault.requests.length;
    const config = await loadUserConfigAsync(
      site,
      'dev',
      envFor(
        userConfig(['password: "vault://secret/app/db#password"', 'user: "vault://secret/app/db#user"']),
      ),
    );
    expect(config.projects.demo.profiles.dev.secrets[0].parameters).toEqual({
      password: DB_PASSWORD,
      user: 'app',
    });
    expect(requestsSince(start)).toEqual(['/v1/secret/data/app/db', '/v1/secret/data/app/db']);
    expect(vault.requests.slice(start).every((r) => r.token === TOKEN)).toBe(true);
  });

  it('falls back to KV v1 when the KV v2 path is not found', async () => {
    const start = vault.requests.length;
    const config = await loadUserConfigAsync(
      site,
      'dev',
      envFor(userConfig(['key: "vault://kv/legacy#api_key"'])),
    );
    expect(config.projects.demo.profiles.dev.secrets[0].parameters.key).toBe(API_KEY);
    expect(requestsSince(start)).toEqual(['/v1/kv/data/legacy', '/v1/kv/legacy']);
  });

  it('names the reference, the field and the line when the key is not in the secret', async () => {
    const [error] = await errorsOfAsync(
      loadUserConfigAsync(site, 'dev', envFor(userConfig(['password: "vault://secret/app/db#nope"']))),
    );
    expect(error.message).toBe("Vault secret 'vault://secret/app/db#nope': key 'nope' not found");
    expect(error.path).toBe('projects.demo.profiles.dev.secrets[0].parameters.password');
    expect(error.line).toBe(13);
  });

  it('says the secret is not found when neither KV version has it', async () => {
    const [error] = await errorsOfAsync(
      loadUserConfigAsync(site, 'dev', envFor(userConfig(['password: "vault://secret/app/gone#password"']))),
    );
    expect(error.message).toBe(
      "Vault secret 'vault://secret/app/gone#password': secret not found (HTTP 404)",
    );
  });

  it("reports Vault's permission denied for a wrong token", async () => {
    const env = envFor(userConfig(['password: "vault://secret/app/db#password"']), {
      VAULT_TOKEN: 'hvs.wrong-token-0000',
    });
    const [error] = await errorsOfAsync(loadUserConfigAsync(site, 'dev', env));
    expect(error.message).toBe(
      "Vault secret 'vault://secret/app/db#password': permission denied (HTTP 403): permission denied",
    );
    expect(error.message).not.toContain('wrong-token');
  });

  it('refuses when vault is not enabled, without asking Vault', async () => {
    const start = vault.requests.length;
    const text = userConfig(
      ['password: "vault://secret/app/db#password"'],
      ['vault:', '  enabled: false', `  address: "${vault.address}"`],
    );
    const [error] = await errorsOfAsync(loadUserConfigAsync(site, 'dev', envFor(text)));
    expect(error.message).toBe(
      "Vault secret 'vault://secret/app/db#password': Vault is not enabled in the user config (set vault.enabled: true)",
    );
    expect(requestsSince(start)).toEqual([]);
  });

  it('refuses when there is no vault.address', async () => {
    const text = userConfig(['password: "vault://secret/app/db#password"'], ['vault:', '  enabled: true']);
    const [error] = await errorsOfAsync(loadUserConfigAsync(site, 'dev', envFor(text)));
    expect(error.message).toMatch(/: vault\.address is not set in the user config$/);
  });

  it('names the token variable when it is unset, and reads vault.token_env when given', async () => {
    const text = userConfig(
      ['password: "vault://secret/app/db#password"'],
      ['vault:', '  enabled: true', `  address: "${vault.address}"`, '  token_env: TEAM_VAULT_TOKEN'],
    );
    const env = envFor(text);
    delete env.VAULT_TOKEN;
    const [error] = await errorsOfAsync(loadUserConfigAsync(site, 'dev', env));
    expect(error.message).toBe(
      "Vault secret 'vault://secret/app/db#password': environment variable TEAM_VAULT_TOKEN is not set (it holds the access token)",
    );
    const config = await loadUserConfigAsync(site, 'dev', { ...env, TEAM_VAULT_TOKEN: TOKEN });
    expect(config.projects.demo.profiles.dev.secrets[0].parameters.password).toBe(DB_PASSWORD);
  });

  it('takes the vault settings themselves from ${VAR} references', async () => {
    const text = userConfig(
      ['password: "vault://secret/app/db#password"'],
      ['vault:', '  enabled: ${VAULT_ON}', '  address: "${VAULT_ADDR}"'],
    );
    const env = envFor(text, { VAULT_ON: 'true', VAULT_ADDR: vault.address });
    const config = await loadUserConfigAsync(site, 'dev', env);
    expect(config.vault).toEqual({ enabled: true, address: vault.address, token_env: 'VAULT_TOKEN' });
    expect(config.projects.demo.profiles.dev.secrets[0].parameters.password).toBe(DB_PASSWORD);
  });

  it('leaves references in inactive profiles unresolved and never asks Vault for them', async () => {
    const start = vault.requests.length;
    const config = await loadUserConfigAsync(site, 'dev', envFor(userConfig(['user: plain'])));
    expect(config.projects.demo.profiles.prod.secrets[0].parameters.password).toBe(
      'vault://secret/prod/only#password',
    );
    expect(requestsSince(start)).toEqual([]);
  });

  it('says when Vault cannot be reached', async () => {
    const closed = await startVaultStandIn({ token: TOKEN });
    const address = closed.address;
    await closed.close();
    const text = userConfig(
      ['password: "vault://secret/app/db#password"'],
      ['vault:', '  enabled: true', `  address: "${address}"`],
    );
    const [error] = await errorsOfAsync(loadUserConfigAsync(site, 'dev', envFor(text)));
    expect(error.message).toBe(
      `Vault secret 'vault://secret/app/db#password': cannot reach Vault at ${address}: connection refused`,
    );
  });

  it('puts no secret value and no token in any error message', async () => {
    const failing = userConfig([
      'password: "vault://secret/app/db#password"',
      'missing: "vault://secret/app/db#missing"',
      'legacy: "vault://kv/legacy#nope"',
    ]);
    // A resolved secret that then fails the schema check (transport.http.port must be an integer).
    const invalid = userConfig(['password: "vault://secret/app/db#password"'], undefined, [
      'transport:',
      '  http:',
      '    port: "vault://secret/app/http#port"',
    ]);
    const errors = [
      ...(await errorsOfAsync(loadUserConfigAsync(site, 'dev', envFor(failing)))),
      ...(await errorsOfAsync(loadUserConfigAsync(site, 'dev', envFor(invalid)))),
    ];
    const messages = errors.map((e) => e.format()).join('\n');
    expect(errors).toHaveLength(3);
    expect(messages).toContain("key 'missing' not found");
    expect(messages).toContain("key 'nope' not found");
    expect(messages).toContain('transport.http.port: expected integer, got string');
    for (const secret of [DB_PASSWORD, API_KEY, PORT_TEXT, TOKEN]) expect(messages).not.toContain(secret);
  });

  it('is reported by the synchronous loader as needing the asynchronous one, without asking Vault', async () => {
    const start = vault.requests.length;
    const env = envFor(userConfig(['password: "vault://secret/app/db#password"']));
    expect(() => loadUserConfig(site, 'dev', env)).toThrow(
      "Cannot resolve 'vault://secret/app/db#password' here: secret-manager references need the asynchronous config loader",
    );
    // Had a request been started, the stand-in would have recorded it by now.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requestsSince(start)).toEqual([]);
  });
});

describe('parseVaultReference', () => {
  it('splits the secret path from the key after the last #', () => {
    expect(parseVaultReference('vault://secret/app/db#password')).toEqual({
      path: 'secret/app/db',
      key: 'password',
    });
  });

  it('requires the #key and a path', () => {
    expect(() => parseVaultReference('vault://secret/app/db')).toThrow(
      "Vault secret 'vault://secret/app/db': the key is missing; write vault://path/to/secret#key",
    );
    expect(() => parseVaultReference('vault://#key')).toThrow(
      "Vault secret 'vault://#key': the secret path is missing",
    );
  });
});
