// The contents of the issuer's sealed artefacts, and the user context a verified access token carries.
import type { UserContext } from '../engine/context.js';
import type { UpstreamTokens, UpstreamUser } from './upstream/index.js';

/** Lifetimes, in seconds. */
export interface TokenLifetimes {
  accessToken: number;
  refreshToken: number;
  /** No refresh extends a login past this age: the user signs in again. */
  maxSessionAge: number;
}

export const DEFAULT_LIFETIMES: TokenLifetimes = {
  accessToken: 3600,
  refreshToken: 14 * 86400,
  maxSessionAge: 30 * 86400,
};

/** The login at the upstream provider, carried (sealed) by codes and refresh tokens. */
export interface SessionData {
  sid: string;
  provider: string;
  user: UpstreamUser;
  upstream: UpstreamTokens;
  /** Seconds since the epoch when the user signed in. */
  auth_time: number;
}

/** The /authorize request in flight at the upstream provider (MXCP's StateRecord). */
export interface StatePayload {
  jti: string;
  client_id: string;
  redirect_uri: string;
  client_state?: string;
  code_challenge: string;
  upstream_verifier: string;
  callback_url: string;
  scopes: string[];
  resource?: string;
}

export interface CodePayload {
  jti: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  scopes: string[];
  resource?: string;
  session: SessionData;
}

export interface RefreshPayload {
  jti: string;
  client_id: string;
  scopes: string[];
  resource?: string;
  session: SessionData;
}

/** The access token holds the identity and the upstream access token, not the upstream refresh token. */
export interface AccessPayload {
  sid: string;
  client_id: string;
  scopes: string[];
  resource?: string;
  auth_time: number;
  provider: string;
  user: UpstreamUser;
  external_token: string;
}

export function userContextOf(p: {
  provider: string;
  user: UpstreamUser;
  external_token: string | null;
}): UserContext {
  return {
    provider: p.provider,
    user_id: p.user.user_id,
    username: p.user.username,
    email: p.user.email,
    name: p.user.name,
    avatar_url: p.user.avatar_url,
    raw_profile: p.user.raw_profile,
    external_token: p.external_token,
    capabilities: [],
  };
}
