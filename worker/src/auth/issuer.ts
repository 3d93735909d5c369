// Issuer mode (MXCP's default): the worker is the OAuth 2.1 authorization server MCP clients see,
// and an OAuth client of the upstream provider. Everything it hands out (upstream state, codes,
// access and refresh tokens) is sealed (sealer.ts), so any replica redeems what another issued;
// the ledger only remembers used one-time values and revoked sessions.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type {
  AuthorizationParams,
  OAuthServerProvider,
} from '@modelcontextprotocol/sdk/server/auth/provider.js';
import {
  InvalidGrantError,
  InvalidScopeError,
  InvalidTokenError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  OAuthClientInformationFull,
  OAuthTokenRevocationRequest,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { AuthLedger } from './ledger.js';
import type { IssuerClients } from './clients.js';
import { SealError, type TokenSealer } from './sealer.js';
import {
  userContextOf,
  type AccessPayload,
  type CodePayload,
  type RefreshPayload,
  type SessionData,
  type StatePayload,
  type TokenLifetimes,
} from './session.js';
import type { UpstreamProvider, UpstreamTokens } from './upstream/index.js';

/** MXCP's StateRecord and auth-code TTLs. */
const STATE_TTL = 300;
const CODE_TTL = 300;
/** Refresh the upstream token when it has less than this left. */
const UPSTREAM_REFRESH_MARGIN = 60;

export interface IssuerOptions {
  sealer: TokenSealer;
  ledger: AuthLedger;
  clients: IssuerClients;
  upstream: UpstreamProvider;
  lifetimes: TokenLifetimes;
  /** The public base URL for this request (base_url, or the request with trust_proxy). */
  baseUrlOf: (req: Request) => string;
  logger?: { warn(message: string, meta?: Record<string, unknown>): void };
}

const now = () => Math.floor(Date.now() / 1000);
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export class IssuerProvider implements OAuthServerProvider {
  constructor(private readonly opts: IssuerOptions) {}

  get clientsStore(): IssuerClients {
    return this.opts.clients;
  }

  /** Client-requested scopes are granted only within what the client may hold. */
  private grantedScopes(client: OAuthClientInformationFull, requested: string[] | undefined): string[] {
    const allowed = this.opts.clients.allowedScopes(client);
    if (!requested || requested.length === 0) return allowed;
    const unknown = requested.filter((s) => !allowed.includes(s));
    if (unknown.length)
      throw new InvalidScopeError(`Scope not allowed for this client: ${unknown.join(' ')}`);
    return requested;
  }

  async authorize(
    client: OAuthClientInformationFull,
    params: AuthorizationParams,
    res: Response,
  ): Promise<void> {
    const { sealer, upstream } = this.opts;
    const callbackUrl = `${this.opts.baseUrlOf(res.req)}${upstream.callbackPath}`;
    const verifier = randomBytes(32).toString('base64url');
    const state: StatePayload = {
      jti: randomUUID(),
      client_id: client.client_id,
      redirect_uri: params.redirectUri,
      ...(params.state !== undefined ? { client_state: params.state } : {}),
      code_challenge: params.codeChallenge,
      upstream_verifier: verifier,
      callback_url: callbackUrl,
      scopes: this.grantedScopes(client, params.scopes),
      ...(params.resource ? { resource: params.resource.href } : {}),
    };
    const sealed = await sealer.seal('state', state, STATE_TTL);
    const target = await upstream.authorizationUrl({
      redirectUri: callbackUrl,
      state: sealed,
      codeChallenge: s256(verifier),
    });
    res.redirect(302, target.href);
  }

  /** GET <callback_path>: the upstream provider sends the browser back here. */
  async handleCallback(req: Request, res: Response): Promise<void> {
    const query = req.query as Record<string, unknown>;
    const rawState = typeof query.state === 'string' ? query.state : undefined;
    let state: StatePayload | undefined;
    if (rawState) state = await this.opts.sealer.open<StatePayload>('state', rawState).catch(() => undefined);
    const toClient = (params: Record<string, string>) => {
      const target = new URL(state!.redirect_uri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      if (state!.client_state !== undefined) target.searchParams.set('state', state!.client_state);
      res.redirect(302, target.href);
    };
    if (typeof query.error === 'string') {
      const description = typeof query.error_description === 'string' ? query.error_description : query.error;
      if (state) return toClient({ error: query.error, error_description: description });
      res.status(400).json({ error: query.error, error_description: description });
      return;
    }
    if (typeof query.code !== 'string' || !rawState) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Missing code or state' });
      return;
    }
    if (!state) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Invalid or expired state' });
      return;
    }
    if (!this.opts.ledger.consume(`state:${state.jti}`, now() + STATE_TTL)) {
      res.status(400).json({ error: 'invalid_request', error_description: 'State already used' });
      return;
    }
    let session: SessionData;
    try {
      const callbackUrl = new URL(state.callback_url);
      for (const [k, v] of Object.entries(query))
        if (typeof v === 'string') callbackUrl.searchParams.set(k, v);
      const tokens = await this.opts.upstream.exchangeCode({
        callbackUrl,
        redirectUri: state.callback_url,
        state: rawState,
        codeVerifier: state.upstream_verifier,
      });
      const user = await this.opts.upstream.fetchUser(tokens);
      session = {
        sid: randomUUID(),
        provider: this.opts.upstream.name,
        user,
        upstream: tokens,
        auth_time: now(),
      };
    } catch (error) {
      // The reason only: upstream error bodies can quote codes or tokens.
      this.opts.logger?.warn('OAuth callback: upstream login failed', {
        provider: this.opts.upstream.name,
        errorType: error instanceof Error ? error.name : typeof error,
      });
      return toClient({
        error: 'access_denied',
        error_description: 'Sign-in at the identity provider failed',
      });
    }
    const code: CodePayload = {
      jti: randomUUID(),
      client_id: state.client_id,
      redirect_uri: state.redirect_uri,
      code_challenge: state.code_challenge,
      scopes: state.scopes,
      ...(state.resource ? { resource: state.resource } : {}),
      session,
    };
    toClient({ code: await this.opts.sealer.seal('code', code, CODE_TTL) });
  }

  private async openCode(client: OAuthClientInformationFull, code: string): Promise<CodePayload> {
    const payload = await this.opts.sealer.open<CodePayload>('code', code).catch((error: unknown) => {
      throw error instanceof SealError
        ? new InvalidGrantError('Invalid or expired authorization code')
        : error;
    });
    if (payload.client_id !== client.client_id)
      throw new InvalidGrantError('Authorization code was issued to another client');
    return payload;
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    return (await this.openCode(client, code)).code_challenge;
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _codeVerifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const payload = await this.openCode(client, code);
    if (redirectUri !== undefined && redirectUri !== payload.redirect_uri) {
      throw new InvalidGrantError('redirect_uri does not match the authorization request');
    }
    if (resource && payload.resource && resource.href !== payload.resource) {
      throw new InvalidGrantError('resource does not match the authorization request');
    }
    if (!this.opts.ledger.consume(`code:${payload.jti}`, now() + CODE_TTL)) {
      // A replayed code may be stolen: whatever it produced is withdrawn (OAuth 2.1 §4.1.3).
      this.revokeSession(payload.session);
      throw new InvalidGrantError('Authorization code already used');
    }
    return this.issueTokens(payload.client_id, payload.scopes, payload.resource, payload.session);
  }

  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    scopes?: string[],
    _resource?: URL,
  ): Promise<OAuthTokens> {
    const payload = await this.opts.sealer
      .open<RefreshPayload>('refresh', refreshToken)
      .catch((error: unknown) => {
        throw error instanceof SealError ? new InvalidGrantError('Invalid or expired refresh token') : error;
      });
    if (payload.client_id !== client.client_id)
      throw new InvalidGrantError('Refresh token was issued to another client');
    const { session } = payload;
    if (this.opts.ledger.isRevoked(session.sid)) throw new InvalidGrantError('Session revoked');
    if (session.auth_time + this.opts.lifetimes.maxSessionAge <= now())
      throw new InvalidGrantError('Session too old: sign in again');
    const narrowed = scopes && scopes.length ? scopes : payload.scopes;
    if (narrowed.some((s) => !payload.scopes.includes(s)))
      throw new InvalidScopeError('Refresh may not widen the grant');
    if (!this.opts.ledger.consume(`refresh:${payload.jti}`, (payload.exp ?? now()) + 60)) {
      // Rotated refresh tokens are one-time: reuse means two parties hold it.
      this.revokeSession(session);
      throw new InvalidGrantError('Refresh token already used');
    }
    const upstream = await this.freshUpstream(session.upstream);
    return this.issueTokens(payload.client_id, narrowed, payload.resource, { ...session, upstream });
  }

  private async freshUpstream(tokens: UpstreamTokens): Promise<UpstreamTokens> {
    if (tokens.expires_at === undefined || tokens.expires_at - UPSTREAM_REFRESH_MARGIN > now()) return tokens;
    if (!tokens.refresh_token) return tokens;
    try {
      return await this.opts.upstream.refresh(tokens.refresh_token);
    } catch {
      throw new InvalidGrantError('The identity provider refused to refresh the session: sign in again');
    }
  }

  private async issueTokens(
    clientId: string,
    scopes: string[],
    resource: string | undefined,
    session: SessionData,
  ): Promise<OAuthTokens> {
    const { lifetimes, sealer } = this.opts;
    const sessionLeft = session.auth_time + lifetimes.maxSessionAge - now();
    const upstreamLeft =
      session.upstream.expires_at !== undefined ? session.upstream.expires_at - now() : Infinity;
    // Never outlive the upstream token the access token carries, nor the session.
    const accessTtl = Math.max(1, Math.min(lifetimes.accessToken, sessionLeft, upstreamLeft));
    const refreshTtl = Math.max(1, Math.min(lifetimes.refreshToken, sessionLeft));
    const access: AccessPayload = {
      sid: session.sid,
      client_id: clientId,
      scopes,
      ...(resource ? { resource } : {}),
      auth_time: session.auth_time,
      provider: session.provider,
      user: session.user,
      external_token: session.upstream.access_token,
    };
    const refresh: RefreshPayload = {
      jti: randomUUID(),
      client_id: clientId,
      scopes,
      ...(resource ? { resource } : {}),
      session,
    };
    return {
      access_token: await sealer.seal('access', access, accessTtl),
      token_type: 'Bearer',
      expires_in: accessTtl,
      refresh_token: await sealer.seal('refresh', refresh, refreshTtl),
      scope: scopes.join(' '),
    };
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    let payload: AccessPayload & { exp?: number };
    try {
      payload = await this.opts.sealer.open<AccessPayload>('access', token);
    } catch (error) {
      if (error instanceof SealError) throw new InvalidTokenError('Invalid or expired access token');
      throw error;
    }
    if (this.opts.ledger.isRevoked(payload.sid)) throw new InvalidTokenError('Access token revoked');
    return {
      token,
      clientId: payload.client_id,
      scopes: payload.scopes,
      expiresAt: payload.exp,
      ...(payload.resource ? { resource: new URL(payload.resource) } : {}),
      extra: { user: userContextOf(payload) },
    };
  }

  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    const kinds =
      request.token_type_hint === 'access_token'
        ? (['access', 'refresh'] as const)
        : (['refresh', 'access'] as const);
    for (const kind of kinds) {
      const payload = await this.opts.sealer
        .open<AccessPayload | RefreshPayload>(kind, request.token)
        .catch(() => undefined);
      if (!payload) continue;
      // RFC 7009 §2.1: a token of another client is left alone, and the answer is still 200.
      if (payload.client_id !== client.client_id) return;
      const session =
        'session' in payload ? payload.session : { sid: payload.sid, auth_time: payload.auth_time };
      this.revokeSession(session);
      return;
    }
  }

  private revokeSession(session: { sid: string; auth_time: number }): void {
    this.opts.ledger.revoke(session.sid, session.auth_time + this.opts.lifetimes.maxSessionAge + 60);
  }
}
