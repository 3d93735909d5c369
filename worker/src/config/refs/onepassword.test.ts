// op:// references. 1Password's servers cannot be reached from tests, so the
// resolver is exercised up to the SDK call with a recording client factory
// (the module's one seam), and the real SDK is called once with a malformed
// token, which it rejects locally before any network traffic.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { ReferenceContext } from '../refs.js';
import { tempFiles } from '../testdata/temp-files.js';
import { loadUserConfigAsync } from '../user.js';
import { createOnePasswordResolver, toSdkReference, type OnePasswordClientFactory } from './onepassword.js';

const TOKEN = 'ops_bogus-service-account-token-4711';

/** A factory whose clients answer `value(<sdk reference>)` and record what was asked. */
function recordingFactory() {
  const calls = { clients: [] as string[], references: [] as string[] };
  const factory: OnePasswordClientFactory = (token) => {
    calls.clients.push(token);
    return Promise.resolve({
      secrets: {
        resolve: (reference: string) => {
          calls.references.push(reference);
          return Promise.resolve(`value(${reference})`);
        },
      },
    });
  };
  return { calls, factory };
}

const enabled = (env: NodeJS.ProcessEnv = { OP_SERVICE_ACCOUNT_TOKEN: TOKEN }): ReferenceContext => ({
  env,
  cwd: '/',
  onepassword: { enabled: true, token_env: 'OP_SERVICE_ACCOUNT_TOKEN' },
});

describe('toSdkReference', () => {
  it('keeps vault/item/field and vault/item/section/field references as they are', () => {
    expect(toSdkReference('op://Prod/Database/password')).toBe('op://Prod/Database/password');
    expect(toSdkReference('op://Prod/Database/admin/password')).toBe('op://Prod/Database/admin/password');
  });

  it("maps MXCP's attribute=otp to the SDK's attribute=totp and passes other attributes on", () => {
    expect(toSdkReference('op://Prod/Login/one-time password?attribute=otp')).toBe(
      'op://Prod/Login/one-time password?attribute=totp',
    );
    expect(toSdkReference('op://Prod/Login/password?attribute=type')).toBe(
      'op://Prod/Login/password?attribute=type',
    );
  });

  it('names the reference when it is malformed', () => {
    expect(() => toSdkReference('op://Prod/Database')).toThrow(
      "1Password secret 'op://Prod/Database': expected op://vault/item/[section/]field[?attribute=otp]",
    );
    expect(() => toSdkReference('op://Prod//password')).toThrow(/expected op:\/\/vault\/item/);
    expect(() => toSdkReference('op://Prod/Db/password?field=x')).toThrow(
      "1Password secret 'op://Prod/Db/password?field=x': unsupported query '?field=x' (only ?attribute=… is allowed)",
    );
  });
});

describe('the op:// resolver', () => {
  it('asks the SDK for the mapped reference with the token from OP_SERVICE_ACCOUNT_TOKEN', async () => {
    const { calls, factory } = recordingFactory();
    const resolve = createOnePasswordResolver(factory);
    expect(await resolve('op://Prod/Login/code?attribute=otp', enabled())).toBe(
      'value(op://Prod/Login/code?attribute=totp)',
    );
    expect(calls.clients).toEqual([TOKEN]);
  });

  it('creates one client per token and reuses it', async () => {
    const { calls, factory } = recordingFactory();
    const resolve = createOnePasswordResolver(factory);
    await Promise.all([resolve('op://A/b/c', enabled()), resolve('op://A/b/d', enabled())]);
    await resolve('op://A/b/e', enabled({ OP_SERVICE_ACCOUNT_TOKEN: 'ops_other-token' }));
    expect(calls.clients).toEqual([TOKEN, 'ops_other-token']);
    expect(calls.references).toEqual(['op://A/b/c', 'op://A/b/d', 'op://A/b/e']);
  });

  it('refuses when onepassword is not enabled, without creating a client', async () => {
    const { calls, factory } = recordingFactory();
    const resolve = createOnePasswordResolver(factory);
    await expect(
      resolve('op://A/b/c', { env: { OP_SERVICE_ACCOUNT_TOKEN: TOKEN }, cwd: '/' }),
    ).rejects.toThrow(
      "1Password secret 'op://A/b/c': 1Password is not enabled in the user config (set onepassword.enabled: true)",
    );
    expect(calls.clients).toEqual([]);
  });

  it('names the token variable (onepassword.token_env) when it is unset', async () => {
    const { factory } = recordingFactory();
    const resolve = createOnePasswordResolver(factory);
    const context: ReferenceContext = {
      env: { OP_SERVICE_ACCOUNT_TOKEN: TOKEN },
      cwd: '/',
      onepassword: { enabled: true, token_env: 'TEAM_OP_TOKEN' },
    };
    await expect(resolve('op://A/b/c', context)).rejects.toThrow(
      "1Password secret 'op://A/b/c': environment variable TEAM_OP_TOKEN is not set (it holds the access token)",
    );
  });

  it('names the reference and masks the token when the SDK fails', async () => {
    const resolve = createOnePasswordResolver(() =>
      Promise.resolve({
        secrets: { resolve: () => Promise.reject(new Error(`no access for token ${TOKEN}`)) },
      }),
    );
    await expect(resolve('op://A/b/c', enabled())).rejects.toThrow(
      "1Password secret 'op://A/b/c': no access for token ***",
    );
  });
});

describe('op:// with the real 1Password SDK', () => {
  it('reports a rejected token at the field, naming the reference and not the token', async () => {
    const dir = tempFiles({
      'c.yml': [
        'mxcp: 1',
        'onepassword:',
        '  enabled: true',
        'projects:',
        '  demo:',
        '    profiles:',
        '      dev:',
        '        secrets:',
        '          - name: db',
        '            type: database',
        '            parameters:',
        '              password: "op://Prod/Database/password"',
        '',
      ].join('\n'),
    });
    const env = { MXCP_CONFIG: join(dir, 'c.yml'), OP_SERVICE_ACCOUNT_TOKEN: TOKEN };
    const error = await loadUserConfigAsync({ project: 'demo' }, 'dev', env).then(
      () => undefined,
      (err: unknown) => err,
    );
    // One problem is thrown as a ConfigError, several as ConfigErrors.
    expect(error).toBeInstanceOf(ConfigError);
    const first = error as ConfigError;
    expect(first.path).toBe('projects.demo.profiles.dev.secrets[0].parameters.password');
    expect(first.message).toMatch(
      /^1Password secret 'op:\/\/Prod\/Database\/password': invalid service account token/,
    );
    expect(first.format()).not.toContain(TOKEN);
    expect(first.format()).not.toContain('bogus-service-account');
  });
});
