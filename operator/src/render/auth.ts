// What spec.auth becomes: the auth block of the user config (client secret as
// a file:// reference, claim mappings), where the workers find the token
// sealing keys (the project's generated `<name>-auth-keys` Secret, or the
// user's encryptionKeySecretRef) and the token lifetimes MXCP has no key for.
import type { V1EnvVar } from '@kubernetes/client-node';
import type { Auth, MxcpProject } from '../api/index.js';
import { AUTH_KEYS_KEY, PATHS, secretDir, secretFileRef } from './names.js';

/** Well-known endpoints MXCP has no defaults for (MXCP-SPEC §7: required for these providers). */
const PROVIDER_URLS: Record<string, { auth_url: string; token_url: string }> = {
  github: {
    auth_url: 'https://github.com/login/oauth/authorize',
    token_url: 'https://github.com/login/oauth/access_token',
  },
  google: {
    auth_url: 'https://accounts.google.com/o/oauth2/v2/auth',
    token_url: 'https://oauth2.googleapis.com/token',
  },
  atlassian: {
    auth_url: 'https://auth.atlassian.com/authorize',
    token_url: 'https://auth.atlassian.com/oauth/token',
  },
  salesforce: {
    auth_url: 'https://login.salesforce.com/services/oauth2/authorize',
    token_url: 'https://login.salesforce.com/services/oauth2/token',
  },
};

/** The worker's environment variables for the auth settings MXCP's config has no key for. */
export const AUTH_ENV = {
  keyFile: 'MXCP_AUTH_KEY_FILE',
  accessTokenTtl: 'MXCP_AUTH_ACCESS_TOKEN_TTL',
  refreshTokenTtl: 'MXCP_AUTH_REFRESH_TOKEN_TTL',
  maxSessionAge: 'MXCP_AUTH_MAX_SESSION_AGE',
} as const;

/** spec.auth when it turns authentication on (a provider other than none). */
export function enabledAuth(project: MxcpProject): Auth | undefined {
  const auth = project.spec.auth;
  return auth && (auth.provider ?? 'none') !== 'none' ? auth : undefined;
}

/** Where the sealing keys come from: the generated Secret, the user's Secret, or nowhere (auth off). */
export type AuthKeySource = { kind: 'generated' } | { kind: 'secret'; name: string; key: string } | undefined;

export function authKeySource(project: MxcpProject): AuthKeySource {
  const auth = enabledAuth(project);
  if (!auth) return undefined;
  const ref = auth.encryptionKeySecretRef;
  return ref ? { kind: 'secret', name: ref.name, key: ref.key } : { kind: 'generated' };
}

/** True when render needs refs.authSigningKey (auth on, no encryptionKeySecretRef). */
export function needsGeneratedAuthKey(project: MxcpProject): boolean {
  return authKeySource(project)?.kind === 'generated';
}

/** The key file inside the pod: the generated Secret's mount, or the user's Secret's mount. */
export function authKeyFile(source: NonNullable<AuthKeySource>): string {
  return source.kind === 'generated'
    ? `${PATHS.authKeysDir}/${AUTH_KEYS_KEY}`
    : `${secretDir(source.name)}/${source.key}`;
}

/** Key file and lifetimes; only the lifetimes the CR sets (the worker has defaults). */
export function authEnv(project: MxcpProject): V1EnvVar[] {
  const auth = enabledAuth(project);
  const source = authKeySource(project);
  if (!auth || !source) return [];
  const env: V1EnvVar[] = [{ name: AUTH_ENV.keyFile, value: authKeyFile(source) }];
  const lifetimes = [
    [AUTH_ENV.accessTokenTtl, auth.accessTokenTtlSeconds],
    [AUTH_ENV.refreshTokenTtl, auth.refreshTokenTtlSeconds],
    [AUTH_ENV.maxSessionAge, auth.maxSessionAgeSeconds],
  ] as const;
  for (const [name, seconds] of lifetimes)
    if (seconds !== undefined) env.push({ name, value: String(seconds) });
  return env;
}

/**
 * The profile's `auth` block. The sealing keys are not in it: MXCP_AUTH_KEY_FILE names them, so
 * a key file with several keys (rotation) works; the ledger lives on the pod's state volume.
 */
export function renderAuth(auth: Auth): Record<string, unknown> {
  const provider = auth.provider ?? 'none';
  const block: Record<string, unknown> = {
    client_id: auth.clientId,
    client_secret: auth.clientSecretRef
      ? secretFileRef(auth.clientSecretRef.name, auth.clientSecretRef.key)
      : undefined,
    scope: auth.scopes?.length ? auth.scopes.join(' ') : undefined,
    callback_path:
      provider === 'oidc' && auth.mode === 'verifier'
        ? undefined
        : (auth.callbackPath ?? `/${provider}/callback`),
    auth_url: auth.authUrl ?? PROVIDER_URLS[provider]?.auth_url,
    token_url: auth.tokenUrl ?? PROVIDER_URLS[provider]?.token_url,
    realm: auth.realm,
    server_url: auth.serverUrl,
    config_url: auth.configUrl,
    audience: auth.audience,
    claim_mappings:
      auth.claimMappings && Object.keys(auth.claimMappings).length > 0 ? auth.claimMappings : undefined,
  };
  const rendered: Record<string, unknown> = {
    mode: auth.mode ?? 'issuer',
    provider,
    [provider]: dropUndefined(block),
    persistence: { type: 'sqlite', path: `${PATHS.state}/oauth.db` },
  };
  if (auth.requiredScopes?.length) rendered.authorization = { required_scopes: auth.requiredScopes };
  return rendered;
}

export function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
