// The kubelet's atomic writer for Secret and ConfigMap volumes, reproduced because workers (and the
// hot-reload code that watches them) depend on its exact on-disk layout:
//
//   <volume>/..2026_05_01_12_00_00.123456789   the payload, written once, never modified
//   <volume>/..data -> ..2026_05_01_...        swapped atomically (rename of a temporary symlink)
//   <volume>/<key>  -> ..data/<key>            one symlink per top-level visible entry
//
// A reader that opens `<volume>/<key>` always sees one complete version: either the old payload or the
// new one, never a mix. Nested paths (`items: [{path: sql/a.sql}]`) live inside the payload directory
// and only their first component gets a visible symlink (`sql -> ..data/sql`), as in the real kubelet.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';

export const DATA_DIR_NAME = '..data';
const DATA_DIR_TMP_NAME = '..data_tmp';

export interface PayloadFile {
  content: Buffer;
  /** File mode (defaultMode / items[].mode); 0o644 when absent, as in Kubernetes. */
  mode?: number;
}

/** Relative path inside the volume -> file. */
export type Payload = Map<string, PayloadFile>;

/**
 * Makes `dir` hold exactly `payload`, with the layout above. Returns false (and touches nothing) when
 * the current payload is already identical, so periodic re-syncs do not churn `..data`.
 */
export function writeAtomically(dir: string, payload: Payload): boolean {
  for (const path of payload.keys()) checkPath(path);
  mkdirSync(dir, { recursive: true });
  if (samePayload(dir, payload)) return false;

  const previous = currentPayloadDir(dir);
  const tsDir = `..${timestamp()}.${randomBytes(4).toString('hex')}`;
  const tsPath = join(dir, tsDir);
  mkdirSync(tsPath);
  for (const [path, file] of payload) {
    const target = join(tsPath, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode ?? 0o644);
  }

  // The swap: a fresh symlink renamed over the old one (rename(2) is atomic on one filesystem).
  const tmpLink = join(dir, DATA_DIR_TMP_NAME);
  rmSync(tmpLink, { force: true });
  symlinkSync(tsDir, tmpLink);
  renameSync(tmpLink, join(dir, DATA_DIR_NAME));

  // Visible entries: add links for new top-level names, drop links for names that disappeared.
  const visible = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of visible) {
    const link = join(dir, name);
    if (!isSymlink(link)) symlinkSync(join(DATA_DIR_NAME, name), link);
  }
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('..') && !visible.has(name)) rmSync(join(dir, name), { force: true });
  }
  if (previous && previous !== tsDir) rmSync(join(dir, previous), { recursive: true, force: true });
  return true;
}

/** The name of the timestamped directory `..data` points at, if any. */
export function currentPayloadDir(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA_DIR_NAME));
  } catch {
    return undefined;
  }
}

function samePayload(dir: string, payload: Payload): boolean {
  const current = currentPayloadDir(dir);
  if (!current) return false;
  const root = join(dir, current);
  const existing = listFiles(root);
  if (existing.length !== payload.size) return false;
  for (const path of existing) {
    const wanted = payload.get(path);
    if (!wanted) return false;
    const full = join(root, path);
    if (!readFileSync(full).equals(wanted.content)) return false;
    if ((lstatSync(full).mode & 0o7777) !== (wanted.mode ?? 0o644)) return false;
  }
  return true;
}

function listFiles(root: string, prefix = ''): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Like the API server's validation of items[].path: relative, no `..` components, not starting with `..`. */
function checkPath(path: string): void {
  const parts = normalize(path).split(sep);
  if (path.startsWith('/') || path.startsWith('..') || parts.includes('..') || path === '') {
    throw new Error(`invalid volume file path '${path}'`);
  }
}

/** `2026_05_01_12_00_00.123456789`, the kubelet's format (Go's 2006_01_02_15_04_05.). */
function timestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const nanos = p(d.getUTCMilliseconds(), 3) + p(Number(process.hrtime.bigint() % 1_000_000n), 6);
  return `${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(
    d.getUTCMinutes(),
  )}_${p(d.getUTCSeconds())}.${nanos}`;
}
