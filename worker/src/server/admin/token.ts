// Bearer-token protection of the admin port. The token lives in a file the operator mounts from
// a Secret; it is read on every request, so rotating the Secret rotates the token without a
// restart. Tokens are compared in constant time (as SHA-256 digests, so lengths never leak).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler, Response } from 'express';
import type { ServerLogger } from '../mcp.js';

const REALM = 'mxcp-admin';

/** The token in `file`, whitespace-trimmed; throws when it cannot be read or is empty. */
export function readAdminToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(
      `Cannot read the admin token file '${file}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (token === '') throw new Error(`The admin token file '${file}' is empty`);
  return token;
}

export function tokensEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Answers 401 (with WWW-Authenticate) unless the request carries `Authorization: Bearer <token>`. */
export function requireAdminToken(tokenFile: string, logger?: ServerLogger): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return unauthorized(res, undefined);
    let expected: string;
    try {
      expected = readAdminToken(tokenFile);
    } catch (error) {
      // No usable token means nobody gets in; say why in the log, not to the caller.
      logger?.error('admin request refused: no admin token', { error: (error as Error).message });
      return unauthorized(res, 'invalid_token');
    }
    if (!tokensEqual(match[1], expected)) return unauthorized(res, 'invalid_token');
    next();
  };
}

function unauthorized(res: Response, error: 'invalid_token' | undefined): void {
  const challenge = error ? `Bearer realm="${REALM}", error="${error}"` : `Bearer realm="${REALM}"`;
  res.status(401).set('WWW-Authenticate', challenge).json({ error: 'unauthorized' });
}
