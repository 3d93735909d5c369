// Verifier mode: the worker runs no login flow; it validates bearer tokens issued by an OIDC
// provider (MXCP-SPEC §7): a JWT against the discovery jwks_uri (issuer, audience when set,
// expiry), else RFC 7662 introspection when advertised, else the userinfo endpoint.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AuthProviderConfig } from '../config/user-schema.js';
import { discoverOidc } from './upstream/oidc.js';
import { userContextOf } from './session.js';
import { str } from './upstream/types.js';

const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'ES512'];
/** Opaque tokens have no expiry of their own when the provider does not say: re-check this often. */
const OPAQUE_TOKEN_TTL = 60;

export interface VerifierProvider extends OAuthTokenVerifier {
  /** The provider's issuer, advertised as the authorization server in protected-resource metadata. */
  readonly issuer: string;
}

export async function createVerifier(
  block: AuthProviderConfig,
  providerLabel: string,
): Promise<VerifierProvider> {
  if (!block.config_url) throw new Error('auth.oidc.config_url is required in verifier mode');
  const config = await discoverOidc(block.config_url, block);
  const meta = config.serverMetadata();
  const jwks = meta.jwks_uri ? createRemoteJWKSet(new URL(meta.jwks_uri)) : undefined;
  const provider = block.provider_name || providerLabel;
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(block.client_id ?? '')}:${encodeURIComponent(block.client_secret ?? '')}`).toString('base64')}`;

  const authInfo = (token: string, claims: Record<string, unknown>, exp: number | undefined): AuthInfo => {
    const scopeClaim = claims.scope ?? claims.scp;
    const scopes = Array.isArray(scopeClaim)
      ? scopeClaim.map(String)
      : String(scopeClaim ?? '')
          .split(' ')
          .filter(Boolean);
    const userId = str(claims.sub) ?? str(claims.client_id) ?? '';
    return {
      token,
      clientId: str(claims.client_id) ?? str(claims.azp) ?? '',
      scopes,
      expiresAt: exp ?? Math.floor(Date.now() / 1000) + OPAQUE_TOKEN_TTL,
      extra: {
        user: userContextOf({
          provider,
          external_token: token,
          user: {
            user_id: userId,
            username: str(claims.preferred_username) ?? str(claims.username) ?? str(claims.email) ?? userId,
            email: str(claims.email),
            name: str(claims.name),
            avatar_url: str(claims.picture),
            raw_profile: claims,
          },
        }),
      },
    };
  };

  const verifyJwt = async (token: string): Promise<AuthInfo> => {
    if (!jwks) throw new InvalidTokenError('The provider publishes no jwks_uri');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: meta.issuer,
        ...(block.audience ? { audience: block.audience } : {}),
        algorithms: JWT_ALGORITHMS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      // jose's message says which check failed (audience, issuer, exp, signature), never the token.
      throw new InvalidTokenError(error instanceof Error ? error.message : 'Invalid token');
    }
    return authInfo(token, payload as Record<string, unknown>, payload.exp);
  };

  const introspect = async (token: string): Promise<AuthInfo> => {
    const response = await fetch(meta.introspection_endpoint!, {
      method: 'POST',
      headers: {
        Authorization: basic,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || body.active !== true) throw new InvalidTokenError('Token is not active');
    // RFC 7662's token_type is optional; when a provider gives it, only access tokens are accepted.
    const tokenType = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : undefined;
    if (tokenType && !['bearer', 'access_token', 'dpop'].includes(tokenType))
      throw new InvalidTokenError('Not an access token');
    if (block.audience) {
      const aud = Array.isArray(body.aud)
        ? body.aud.map(String)
        : body.aud !== undefined
          ? [String(body.aud)]
          : [];
      if (!aud.includes(block.audience)) throw new InvalidTokenError('Token audience mismatch');
    }
    return authInfo(token, body, typeof body.exp === 'number' ? body.exp : undefined);
  };

  const userinfo = async (token: string): Promise<AuthInfo> => {
    if (!meta.userinfo_endpoint) throw new InvalidTokenError('Token cannot be verified');
    const response = await fetch(meta.userinfo_endpoint, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new InvalidTokenError('Token rejected by the userinfo endpoint');
    return authInfo(token, (await response.json()) as Record<string, unknown>, undefined);
  };

  return {
    issuer: meta.issuer,
    async verifyAccessToken(token) {
      try {
        if (token.split('.').length === 3) return await verifyJwt(token);
        if (meta.introspection_endpoint) return await introspect(token);
        return await userinfo(token);
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        throw new InvalidTokenError('Token could not be verified');
      }
    },
  };
}
