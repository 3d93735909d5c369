// The little state sealed tokens cannot carry: which one-time values (authorization codes,
// rotated refresh tokens) were already used, and which sessions were revoked. Kept in SQLite at
// `auth.persistence.path` so every worker process that shares the file (replicas on one host, or
// pods on a shared volume) sees the same answers; entries expire with what they guard.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface AuthLedger {
  /** True the first time `id` is presented, false on every replay. */
  consume(id: string, expiresAt: number): boolean;
  revoke(sessionId: string, until: number): void;
  isRevoked(sessionId: string): boolean;
  close(): void;
}

export function openLedger(path: string | null): AuthLedger {
  if (path && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path ?? ':memory:');
  db.exec(`PRAGMA busy_timeout = 5000;`);
  if (path) db.exec(`PRAGMA journal_mode = WAL;`);
  db.exec(`CREATE TABLE IF NOT EXISTS used_once (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
           CREATE TABLE IF NOT EXISTS revoked_sessions (sid TEXT PRIMARY KEY, until INTEGER NOT NULL);`);
  const insertUsed = db.prepare('INSERT OR IGNORE INTO used_once (id, expires_at) VALUES (?, ?)');
  const insertRevoked = db.prepare('INSERT OR REPLACE INTO revoked_sessions (sid, until) VALUES (?, ?)');
  const findRevoked = db.prepare('SELECT 1 AS hit FROM revoked_sessions WHERE sid = ? AND until > ?');
  const purgeUsed = db.prepare('DELETE FROM used_once WHERE expires_at <= ?');
  const purgeRevoked = db.prepare('DELETE FROM revoked_sessions WHERE until <= ?');
  let lastPurge = 0;
  const now = () => Math.floor(Date.now() / 1000);
  const purge = () => {
    if (now() - lastPurge < 60) return;
    lastPurge = now();
    purgeUsed.run(lastPurge);
    purgeRevoked.run(lastPurge);
  };
  return {
    consume(id, expiresAt) {
      purge();
      return Number(insertUsed.run(id, expiresAt).changes) === 1;
    },
    revoke(sessionId, until) {
      insertRevoked.run(sessionId, until);
    },
    isRevoked(sessionId) {
      return findRevoked.get(sessionId, now()) !== undefined;
    },
    close() {
      db.close();
    },
  };
}
