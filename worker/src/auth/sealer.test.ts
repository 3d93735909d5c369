import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from './ledger.js';
import { SealError, TokenSealer } from './sealer.js';

describe('TokenSealer', () => {
  it('opens what a sealer with the same key sealed, in another instance', async () => {
    const token = await new TokenSealer(['k1']).seal('access', { sid: 's' }, 60);
    expect(await new TokenSealer(['k1']).open('access', token)).toMatchObject({ sid: 's' });
  });

  it('refuses another kind, another key, an altered value and an expired one', async () => {
    const sealer = new TokenSealer(['k1']);
    const token = await sealer.seal('code', { a: 1 }, 60);
    await expect(sealer.open('access', token)).rejects.toBeInstanceOf(SealError);
    await expect(new TokenSealer(['k2']).open('code', token)).rejects.toBeInstanceOf(SealError);
    const parts = token.split('.');
    parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
    await expect(sealer.open('code', parts.join('.'))).rejects.toBeInstanceOf(SealError);
    await expect(sealer.open('code', await sealer.seal('code', {}, -1))).rejects.toThrow(/expired/);
  });

  it('keeps opening values sealed with an older key after rotation', async () => {
    const old = await new TokenSealer(['old']).seal('refresh', { jti: 'x' });
    expect(await new TokenSealer(['new', 'old']).open('refresh', old)).toMatchObject({ jti: 'x' });
  });
});

describe('ledger', () => {
  it('answers one-time use and revocation the same to every process sharing the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxcp-ledger-'));
    const [first, second] = [openLedger(join(dir, 'o.db')), openLedger(join(dir, 'o.db'))];
    try {
      const later = Math.floor(Date.now() / 1000) + 60;
      expect(first.consume('code:1', later)).toBe(true);
      expect(second.consume('code:1', later)).toBe(false);
      expect(second.isRevoked('sid')).toBe(false);
      first.revoke('sid', later);
      expect(second.isRevoked('sid')).toBe(true);
    } finally {
      first.close();
      second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
