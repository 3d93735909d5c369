// Sealed, self-contained OAuth artefacts (state, authorization codes, access and refresh tokens,
// dynamically registered clients): AES-256-GCM JWE ("dir") under keys every replica shares, so
// any replica can open what another issued, with no shared session store (DESIGN §5). The kind
// sits in the protected header, so a code can never be replayed as a token (or the reverse).
import { createHash } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

export type SealedKind = 'state' | 'code' | 'access' | 'refresh' | 'client';

export class SealError extends Error {
  override name = 'SealError';
}

interface Key {
  kid: string;
  secret: Uint8Array;
}

/** Seals with the first key; opens with any (so keys can be rotated: add a new first line, keep the old). */
export class TokenSealer {
  private readonly keys: Key[];

  constructor(secrets: string[]) {
    const distinct = [...new Set(secrets.map((s) => s.trim()).filter(Boolean))];
    if (distinct.length === 0) throw new Error('At least one auth key is required');
    this.keys = distinct.map((material) => {
      // Any passphrase or key string works: the AES key is derived, the kid names it without revealing it.
      const secret = new Uint8Array(createHash('sha256').update(`mxcp-auth-key\0${material}`).digest());
      const kid = createHash('sha256').update(secret).digest('base64url').slice(0, 12);
      return { kid, secret };
    });
  }

  async seal(kind: SealedKind, payload: object, ttlSeconds?: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const body = { ...payload, iat: now, ...(ttlSeconds !== undefined ? { exp: now + ttlSeconds } : {}) };
    const key = this.keys[0];
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: key.kid, typ: `mxcp-${kind}` })
      .encrypt(key.secret);
  }

  /** The payload, or a SealError when the value was not sealed by us as `kind`, was altered, or expired. */
  async open<T extends object>(kind: SealedKind, value: string): Promise<T & { iat: number; exp?: number }> {
    if (typeof value !== 'string' || value.split('.').length !== 5) throw new SealError(`not a ${kind}`);
    let header: { kid?: string; typ?: string };
    try {
      header = JSON.parse(Buffer.from(value.split('.')[0], 'base64url').toString('utf8')) as typeof header;
    } catch {
      throw new SealError(`not a ${kind}`);
    }
    if (header.typ !== `mxcp-${kind}`) throw new SealError(`not a ${kind}`);
    const key = this.keys.find((k) => k.kid === header.kid);
    if (!key) throw new SealError(`${kind} sealed with an unknown key`);
    let body: T & { iat: number; exp?: number };
    try {
      const { plaintext } = await compactDecrypt(value, key.secret, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      body = JSON.parse(new TextDecoder().decode(plaintext)) as typeof body;
    } catch {
      throw new SealError(`${kind} failed integrity check`);
    }
    if (body.exp !== undefined && body.exp <= Math.floor(Date.now() / 1000))
      throw new SealError(`${kind} expired`);
    return body;
  }
}
