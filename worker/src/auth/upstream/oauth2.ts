// Upstream providers that speak plain OAuth 2 plus a provider-specific "who am I" API: GitHub
// (/user, and /user/emails when the profile hides the email), Google, Atlassian, Salesforce.
// Their auth_url and token_url come from the config, as in MXCP (no built-in defaults).
import type { AuthProviderConfig } from '../../config/user-schema.js';
import {
  str,
  UpstreamError,
  type UpstreamProvider,
  type UpstreamTokens,
  type UpstreamUser,
} from './types.js';

export type OAuth2ProviderName = 'github' | 'google' | 'atlassian' | 'salesforce';

/** GitHub's REST API; overridable for GitHub Enterprise Server and for the test stand-in. */
export const GITHUB_API_ENV = 'MXCP_GITHUB_API_URL';

interface Flavour {
  scopeRequired: boolean;
  extraAuthorizeParams: Record<string, string>;
  fetchUser(tokens: UpstreamTokens, block: AuthProviderConfig): Promise<UpstreamUser>;
}

const FLAVOURS: Record<OAuth2ProviderName, Flavour> = {
  github: {
    scopeRequired: false,
    extraAuthorizeParams: {},
    async fetchUser(tokens) {
      const api = (process.env[GITHUB_API_ENV] || 'https://api.github.com').replace(/\/$/, '');
      const headers = githubHeaders(tokens.access_token);
      const user = await getJson(`${api}/user`, headers);
      let email = str(user.email);
      if (!email) {
        // The profile shows only a public email; /user/emails (scope user:email) has the primary one.
        const emails = await getJson<Array<{ email: string; primary?: boolean; verified?: boolean }>>(
          `${api}/user/emails`,
          headers,
        ).catch(() => []);
        const list = Array.isArray(emails) ? emails : [];
        email = (list.find((e) => e.primary && e.verified) ?? list.find((e) => e.verified))?.email ?? null;
      }
      const login = str(user.login);
      return {
        user_id: str(user.id) ?? login ?? '',
        username: login,
        email,
        name: str(user.name),
        avatar_url: str(user.avatar_url),
        raw_profile: { ...user, ...(email ? { email } : {}) },
      };
    },
  },
  google: {
    scopeRequired: true,
    extraAuthorizeParams: { access_type: 'offline', prompt: 'consent' },
    async fetchUser(tokens) {
      const info = await getJson(
        'https://www.googleapis.com/oauth2/v2/userinfo',
        bearer(tokens.access_token),
      );
      return {
        user_id: str(info.id) ?? '',
        username: str(info.email) ?? str(info.id),
        email: str(info.email),
        name: str(info.name),
        avatar_url: str(info.picture),
        raw_profile: info,
      };
    },
  },
  atlassian: {
    scopeRequired: true,
    extraAuthorizeParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    async fetchUser(tokens) {
      const me = await getJson('https://api.atlassian.com/me', bearer(tokens.access_token));
      return {
        user_id: str(me.account_id) ?? '',
        username: str(me.nickname) ?? str(me.email),
        email: str(me.email),
        name: str(me.name),
        avatar_url: str(me.picture),
        raw_profile: me,
      };
    },
  },
  salesforce: {
    scopeRequired: false,
    extraAuthorizeParams: {},
    async fetchUser(tokens, block) {
      // MXCP hard-codes login.salesforce.com; sandboxes and My Domain logins need the token URL's host.
      const origin = new URL(block.token_url ?? 'https://login.salesforce.com').origin;
      const info = await getJson(`${origin}/services/oauth2/userinfo`, bearer(tokens.access_token));
      return {
        user_id: str(info.user_id) ?? str(info.sub) ?? '',
        username: str(info.preferred_username) ?? str(info.email),
        email: str(info.email),
        name: str(info.name),
        avatar_url: str(info.picture),
        raw_profile: info,
      };
    },
  },
};

export function createOAuth2Upstream(name: OAuth2ProviderName, block: AuthProviderConfig): UpstreamProvider {
  const flavour = FLAVOURS[name];
  for (const key of ['client_id', 'client_secret', 'auth_url', 'token_url'] as const) {
    if (!block[key]) throw new UpstreamError(`auth.${name}.${key} is required`);
  }
  const scope = block.scope ?? '';
  if (flavour.scopeRequired && !scope) throw new UpstreamError(`auth.${name}.scope is required`);
  const tokenRequest = async (params: Record<string, string>): Promise<UpstreamTokens> => {
    const response = await fetch(block.token_url!, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: block.client_id!,
        client_secret: block.client_secret!,
        ...params,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    // GitHub answers errors with 200 and an `error` field.
    if (!response.ok || typeof body.error === 'string' || typeof body.access_token !== 'string') {
      throw new UpstreamError(
        `${name} token endpoint refused the request: ${str(body.error) ?? response.status}`,
      );
    }
    const expiresIn = Number(body.expires_in);
    return {
      access_token: body.access_token,
      ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}),
      ...(typeof body.id_token === 'string' ? { id_token: body.id_token } : {}),
      ...(Number.isFinite(expiresIn) && expiresIn > 0
        ? { expires_at: Math.floor(Date.now() / 1000) + expiresIn }
        : {}),
    };
  };
  return {
    name,
    callbackPath: block.callback_path ?? `/${name}/callback`,
    async authorizationUrl({ redirectUri, state, codeChallenge }) {
      const url = new URL(block.auth_url!);
      const params = {
        ...flavour.extraAuthorizeParams,
        ...(block.extra_authorize_params ?? {}),
        client_id: block.client_id!,
        redirect_uri: redirectUri,
        response_type: 'code',
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        ...(scope ? { scope } : {}),
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url;
    },
    exchangeCode: ({ callbackUrl, redirectUri, codeVerifier }) =>
      tokenRequest({
        grant_type: 'authorization_code',
        code: callbackUrl.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
      }),
    fetchUser: (tokens) => flavour.fetchUser(tokens, block),
    async refresh(refreshToken) {
      return {
        refresh_token: refreshToken,
        ...(await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken })),
      };
    },
  };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}`, Accept: 'application/json' });
const githubHeaders = (token: string) => ({
  Authorization: `Bearer ${token}`,
  Accept: 'application/vnd.github+json',
  'User-Agent': 'mxcp-worker',
  'X-GitHub-Api-Version': '2022-11-28',
});

async function getJson<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string>,
): Promise<T> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new UpstreamError(`${new URL(url).pathname} answered ${response.status}`);
  return (await response.json()) as T;
}
