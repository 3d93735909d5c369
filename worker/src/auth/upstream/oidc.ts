// Generic OpenID Connect upstream (also Keycloak: realm + server URL → discovery URL), through
// openid-client: discovery at start, authorization code + PKCE, userinfo, refresh. Identity is
// merged from access-token claims < id-token claims < userinfo (MXCP-SPEC §7).
import * as oidc from 'openid-client';
import type { AuthProviderConfig } from '../../config/user-schema.js';
import { str, unverifiedClaims, UpstreamError, type UpstreamProvider, type UpstreamTokens } from './types.js';

export interface OidcUpstreamOptions {
  name: string;
  configUrl: string;
  block: AuthProviderConfig;
  defaultCallbackPath: string;
}

export async function discoverOidc(
  configUrl: string,
  block: AuthProviderConfig,
): Promise<oidc.Configuration> {
  if (!block.client_id) throw new UpstreamError('auth: client_id is required for an OIDC provider');
  const url = new URL(configUrl);
  // Plain http only for a provider on this machine (tests, local development); anything else needs TLS.
  const insecure = url.protocol === 'http:' && isLoopback(url.hostname);
  return oidc.discovery(url, block.client_id, undefined, oidc.ClientSecretPost(block.client_secret ?? ''), {
    execute: insecure ? [oidc.allowInsecureRequests] : [],
    timeout: 10,
  });
}

export async function createOidcUpstream(opts: OidcUpstreamOptions): Promise<UpstreamProvider> {
  const { block } = opts;
  const scope = block.scope ?? '';
  if (!scope.split(/\s+/).includes('openid')) {
    throw new UpstreamError(`auth.${opts.name}.scope must include "openid" (got "${scope}")`);
  }
  const config = await discoverOidc(opts.configUrl, block);
  const toTokens = (r: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): UpstreamTokens => {
    const expiresIn = r.expiresIn();
    return {
      access_token: r.access_token,
      ...(r.refresh_token ? { refresh_token: r.refresh_token } : {}),
      ...(r.id_token ? { id_token: r.id_token } : {}),
      ...(expiresIn !== undefined ? { expires_at: Math.floor(Date.now() / 1000) + expiresIn } : {}),
    };
  };
  return {
    name: block.provider_name || opts.name,
    callbackPath: block.callback_path ?? opts.defaultCallbackPath,
    async authorizationUrl({ redirectUri, state, codeChallenge }) {
      return oidc.buildAuthorizationUrl(config, {
        ...(block.extra_authorize_params ?? {}),
        redirect_uri: redirectUri,
        scope,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        ...(block.audience ? { audience: block.audience } : {}),
      });
    },
    async exchangeCode({ callbackUrl, state, codeVerifier }) {
      const response = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
      });
      return toTokens(response);
    },
    async fetchUser(tokens) {
      const idClaims = unverifiedClaims(tokens.id_token);
      const sub = str(idClaims.sub);
      let userinfo: Record<string, unknown> = {};
      if (config.serverMetadata().userinfo_endpoint) {
        userinfo = {
          ...(await oidc.fetchUserInfo(config, tokens.access_token, sub ?? oidc.skipSubjectCheck)),
        };
      }
      const profile = { ...unverifiedClaims(tokens.access_token), ...idClaims, ...userinfo };
      const userId = str(profile.sub);
      if (!userId) throw new UpstreamError('The OIDC provider returned no subject');
      return {
        user_id: userId,
        username: str(profile.preferred_username) ?? str(profile.email) ?? userId,
        email: str(profile.email),
        name: str(profile.name),
        avatar_url: str(profile.picture),
        raw_profile: profile,
      };
    },
    async refresh(refreshToken) {
      const refreshed = toTokens(await oidc.refreshTokenGrant(config, refreshToken));
      // Providers that do not rotate refresh tokens keep the old one valid.
      return { refresh_token: refreshToken, ...refreshed };
    },
  };
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}
