// Deployment settings of the auth layer that MXCP's config has no key for: the sealing keys
// (a file the operator mounts from a Secret, so every replica shares them), token lifetimes,
// and where the revocation ledger lives; plus the public base URL of each request.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'express';
import type { AuthConfig, TransportConfig } from '../config/user-schema.js';
import { DEFAULT_LIFETIMES, type TokenLifetimes } from './session.js';

export const AUTH_ENV = {
  keyFile: 'MXCP_AUTH_KEY_FILE',
  accessTokenTtl: 'MXCP_AUTH_ACCESS_TOKEN_TTL',
  refreshTokenTtl: 'MXCP_AUTH_REFRESH_TOKEN_TTL',
  maxSessionAge: 'MXCP_AUTH_MAX_SESSION_AGE',
} as const;

export interface AuthKeys {
  keys: string[];
  /** False when the keys were generated for this process: tokens then die with it. */
  shared: boolean;
}

/** Keys from $MXCP_AUTH_KEY_FILE (one per line, first seals), else `persistence.auth_encryption_key`, else random. */
export function loadAuthKeys(auth: AuthConfig, env: NodeJS.ProcessEnv = process.env): AuthKeys {
  const file = env[AUTH_ENV.keyFile];
  if (file) {
    const keys = readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    if (keys.length === 0) throw new Error(`${AUTH_ENV.keyFile} (${file}) holds no key`);
    return { keys, shared: true };
  }
  const configured = auth.persistence?.auth_encryption_key;
  if (configured) return { keys: [configured], shared: true };
  return { keys: [randomBytes(32).toString('base64url')], shared: false };
}

export function loadLifetimes(env: NodeJS.ProcessEnv = process.env): TokenLifetimes {
  const seconds = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive number of seconds, got '${raw}'`);
    return value;
  };
  const lifetimes = {
    accessToken: seconds(AUTH_ENV.accessTokenTtl, DEFAULT_LIFETIMES.accessToken),
    refreshToken: seconds(AUTH_ENV.refreshTokenTtl, DEFAULT_LIFETIMES.refreshToken),
    maxSessionAge: seconds(AUTH_ENV.maxSessionAge, DEFAULT_LIFETIMES.maxSessionAge),
  };
  return lifetimes;
}

export function ledgerPath(auth: AuthConfig): string {
  const path = auth.persistence?.path ?? '~/.mxcp/oauth.db';
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

type HttpSettings = Pick<TransportConfig['http'], 'base_url' | 'trust_proxy' | 'scheme'>;

/**
 * The public URL OAuth metadata and redirects use: `base_url` when set; else the configured scheme
 * and the address this request reached. X-Forwarded-Proto/-Scheme/-Host count only with trust_proxy.
 */
export function baseUrlOf(req: Request, http: HttpSettings): string {
  if (http.base_url) return http.base_url.replace(/\/+$/, '');
  const first = (name: string) => {
    const value = req.headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    return text?.split(',')[0].trim() || undefined;
  };
  let scheme: string = http.scheme;
  let host = req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`;
  if (http.trust_proxy) {
    const forwarded = first('x-forwarded-proto') ?? first('x-forwarded-scheme');
    if (forwarded === 'http' || forwarded === 'https') scheme = forwarded;
    host = first('x-forwarded-host') ?? host;
  }
  return `${scheme}://${host}`;
}
