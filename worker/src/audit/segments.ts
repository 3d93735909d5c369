// Where audit records live on disk (MXCP-SPEC §6 "Writing"). `audit.path`
// (default `audit/logs-<profile>.jsonl`) is a base name; records go to
// segments beside it, and schemas to `<stem>_schemas.jsonl`.
//
// Segment names: `<stem>-<YYYYMMDDTHHMMSS>[-<n>][_<host>].jsonl`, time in UTC.
// The part up to `[-<n>]` is MXCP's own layout (so MXCP's readers, which
// glob `<stem>-*.jsonl`, read ours and we read theirs); `_<host>` is our
// addition so several replicas can share one directory without ever writing
// the same file. `_` never occurs in the other parts and is replaced in host
// names, so every name parses one way. `<n>` (from 1) only appears when a
// name from the same second and host already exists. The legacy single file
// `<stem>.jsonl` is still read.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import type { AuditSchema } from './record.js';

export interface AuditLocation {
  dir: string;
  /** The base file name without `.jsonl`, e.g. `logs-default`. */
  stem: string;
}

export interface Segment {
  path: string;
  /** `YYYYMMDDTHHMMSS` (UTC); empty for the legacy file. */
  stamp: string;
  /** 0 for the first segment of a second, then 1, 2, … */
  sequence: number;
  /** The writer's host (pod) name; null for MXCP's own segments and the legacy file. */
  host: string | null;
  legacy: boolean;
}

export function auditLocation(basePath: string): AuditLocation {
  const file = basename(basePath);
  const stem = extname(file) === '.jsonl' ? file.slice(0, -'.jsonl'.length) : file;
  return { dir: dirname(basePath), stem };
}

/** The name this replica writes under: POD_NAME, then HOSTNAME, then the OS host name; made file-safe. */
export function hostLabel(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.POD_NAME || env.HOSTNAME || hostname() || 'unknown';
  return raw.replace(/[^A-Za-z0-9.-]/g, '-');
}

/** `20250102T030405` for 2025-01-02 03:04:05 UTC. */
export function segmentStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').slice(0, 15);
}

export function segmentFileName(stem: string, stamp: string, sequence: number, host: string | null): string {
  return `${stem}-${stamp}${sequence > 0 ? `-${sequence}` : ''}${host ? `_${host}` : ''}.jsonl`;
}

/** Parses a file name of this location; null for anything else (including the schemas file). */
export function parseSegmentName(location: AuditLocation, file: string): Omit<Segment, 'path'> | null {
  if (file === `${location.stem}.jsonl`) return { stamp: '', sequence: 0, host: null, legacy: true };
  if (!file.startsWith(`${location.stem}-`) || !file.endsWith('.jsonl')) return null;
  const rest = file.slice(location.stem.length + 1, -'.jsonl'.length);
  const m = /^(\d{8}T\d{6})(?:-(\d+))?(?:_([A-Za-z0-9.-]+))?$/.exec(rest);
  if (!m) return null;
  return { stamp: m[1], sequence: m[2] ? Number(m[2]) : 0, host: m[3] ?? null, legacy: false };
}

/** Every segment (and the legacy file) of a location, oldest first. */
export function listSegments(basePath: string): Segment[] {
  const location = auditLocation(basePath);
  if (!existsSync(location.dir)) return [];
  const segments: Segment[] = [];
  for (const file of readdirSync(location.dir)) {
    const parsed = parseSegmentName(location, file);
    if (parsed) segments.push({ ...parsed, path: join(location.dir, file) });
  }
  return segments.sort(compareSegments);
}

/** Oldest first: the legacy file, then by time, then by sequence, then by host. */
export function compareSegments(a: Segment, b: Segment): number {
  if (a.legacy !== b.legacy) return a.legacy ? -1 : 1;
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  if (a.sequence !== b.sequence) return a.sequence - b.sequence;
  return (a.host ?? '').localeCompare(b.host ?? '');
}

/** Segments with at least one byte, the only ones worth handing to DuckDB. */
export function nonEmptySegments(basePath: string): Segment[] {
  return listSegments(basePath).filter((s) => {
    try {
      return statSync(s.path).size > 0;
    } catch {
      return false; // removed since listing
    }
  });
}

export function schemasPath(basePath: string): string {
  const { dir, stem } = auditLocation(basePath);
  return join(dir, `${stem}_schemas.jsonl`);
}

/** The schema lines of a location; unparsable lines are skipped. */
export function readSchemas(basePath: string): AuditSchema[] {
  const file = schemasPath(basePath);
  if (!existsSync(file)) return [];
  return parseSchemaLines(readFileSync(file, 'utf8'));
}

function parseSchemaLines(text: string): AuditSchema[] {
  const schemas: AuditSchema[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as AuditSchema;
      if (typeof value?.schema_name === 'string' && typeof value.version === 'number') schemas.push(value);
    } catch {
      // a torn line from a crash; the other lines still count
    }
  }
  return schemas;
}

/** Appends `schema` to the schemas file unless that name and version are already there. */
export async function registerSchema(basePath: string, schema: AuditSchema): Promise<void> {
  const file = schemasPath(basePath);
  await mkdir(dirname(file), { recursive: true });
  const existing = existsSync(file) ? parseSchemaLines(await readFile(file, 'utf8')) : [];
  if (existing.some((s) => s.schema_name === schema.schema_name && s.version === schema.version)) return;
  await appendFile(file, JSON.stringify(schema) + '\n');
}
