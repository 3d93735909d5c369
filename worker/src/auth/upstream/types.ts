// What the issuer needs from an upstream identity provider, whichever it is: where to send the
// browser, how to turn the returned code into tokens, who the user is, how to refresh.

export interface UpstreamTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  /** Seconds since the epoch, when the provider said. */
  expires_at?: number;
}

/** The identity part of MXCP's UserContextModel. */
export interface UpstreamUser {
  user_id: string;
  username: string | null;
  email: string | null;
  name: string | null;
  avatar_url: string | null;
  raw_profile: Record<string, unknown>;
}

export interface UpstreamProvider {
  /** `get_user_provider()`: github, google, …, oidc or the OIDC `provider_name`. */
  readonly name: string;
  readonly callbackPath: string;
  authorizationUrl(p: { redirectUri: string; state: string; codeChallenge: string }): Promise<URL>;
  /** `callbackUrl` is the full URL the provider redirected to (code, state, iss). */
  exchangeCode(p: {
    callbackUrl: URL;
    redirectUri: string;
    state: string;
    codeVerifier: string;
  }): Promise<UpstreamTokens>;
  fetchUser(tokens: UpstreamTokens): Promise<UpstreamUser>;
  refresh(refreshToken: string): Promise<UpstreamTokens>;
}

export class UpstreamError extends Error {
  override name = 'UpstreamError';
}

/** Claims of a JWT, read without verifying it: only to enrich the profile from a token we just received over TLS. */
export function unverifiedClaims(token: string | undefined): Record<string, unknown> {
  if (!token) return {};
  const parts = token.split('.');
  if (parts.length !== 3) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export const str = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
