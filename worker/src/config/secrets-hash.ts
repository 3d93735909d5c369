// The secrets hash the operator and the worker agree on (DESIGN §6, hot reload protocol). The
// operator computes it over the data of the Secrets it mounts; the worker computes it over the
// files it sees, and reports which hash its running configuration was loaded from.
//
// Algorithm (stable; change it only together with the operator):
//   1. Entries are (name, content) pairs. For a mounted directory, every regular file below it,
//      following symlinks, named by its path relative to the directory with '/' separators.
//      Names whose path has a segment starting with ".." are skipped: that is how a Kubernetes
//      Secret volume keeps its timestamped copies (`..data`, `..2024_01_01_00_00_00.123`), while
//      the visible names are symlinks to them. A Secret's key `k` mounted at the directory is
//      the file `k`; several Secrets mounted in subdirectories `s/` give names `s/k`.
//   2. Sort entries by name, comparing the UTF-8 bytes.
//   3. SHA-256 over, for each entry: name bytes, one NUL byte, content bytes, one NUL byte.
//   4. The result is the lowercase hex digest. No entries hash to SHA-256 of nothing.
// No dependency on the server: the operator imports this module.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type SecretEntries = Iterable<readonly [name: string, content: string | Uint8Array]>;

/** The hash of (name, content) pairs, e.g. a Secret's `data` decoded from base64. */
export function hashSecretEntries(entries: SecretEntries): string {
  const sorted = [...entries]
    .map(([name, content]) => ({ name: Buffer.from(name, 'utf8'), content }))
    .sort((a, b) => Buffer.compare(a.name, b.name));
  const hash = createHash('sha256');
  const nul = Buffer.from([0]);
  for (const { name, content } of sorted) {
    hash.update(name);
    hash.update(nul);
    hash.update(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    hash.update(nul);
  }
  return hash.digest('hex');
}

/** The files below `dir` as hashed entries (see the header); throws when `dir` cannot be read. */
export function readSecretsDir(dir: string): Array<[string, Buffer]> {
  const entries: Array<[string, Buffer]> = [];
  const walk = (absolute: string, relative: string): void => {
    for (const name of readdirSync(absolute)) {
      if (name.startsWith('..')) continue;
      const path = join(absolute, name);
      const rel = relative === '' ? name : `${relative}/${name}`;
      let stats;
      try {
        stats = statSync(path);
      } catch {
        // A dangling symlink (mid-update of a Secret volume) is not a file.
        continue;
      }
      if (stats.isDirectory()) walk(path, rel);
      else if (stats.isFile()) entries.push([rel, readFileSync(path)]);
    }
  };
  walk(dir, '');
  return entries;
}

/** The hash of the files below `dir`, computed as the header describes. */
export function hashSecretsDir(dir: string): string {
  return hashSecretEntries(readSecretsDir(dir));
}
