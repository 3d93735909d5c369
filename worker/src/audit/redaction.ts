// Redaction strategies for audit records (MXCP-SPEC §6 "Redaction machinery"):
// what a sensitive value becomes before it is written. MXCP defines these but
// never applies them to endpoint records; here the audited engine applies the
// chosen strategy to every `sensitive: true` part of inputs and outputs, and a
// schema's `field_redactions` can target record fields by dot path.
import { createHash } from 'node:crypto';
import { REDACTED, type Redactor } from '../types/sensitive.js';

export type RedactionStrategy = 'full' | 'partial' | 'hash' | 'truncate' | 'email' | 'preserve_type';

export interface RedactionOptions {
  /** partial: characters kept at the start (2) and the end (2); shorter than `min_length` (8) → full. */
  show_first?: number;
  show_last?: number;
  min_length?: number;
  /** hash: sha256 (default) or sha1. */
  algorithm?: 'sha256' | 'sha1';
  /** truncate: characters kept (10) and the suffix added ("..."). */
  length?: number;
  suffix?: string;
  /** email: keep the domain (true) or mask it too. */
  preserve_domain?: boolean;
}

export interface RedactionSpec {
  strategy: RedactionStrategy;
  options?: RedactionOptions;
}

/** One entry of a schema's `field_redactions`: a dot path into the record and how to redact it. */
export interface FieldRedaction extends RedactionSpec {
  field_path: string;
}

export const REDACTION_STRATEGIES: readonly RedactionStrategy[] = [
  'full',
  'partial',
  'hash',
  'truncate',
  'email',
  'preserve_type',
];

/** The default for `sensitive: true` fields: the whole value becomes "[REDACTED]". */
export const FULL_REDACTION: RedactionSpec = { strategy: 'full' };

/** Compiles a strategy into a function from the clear value to what the audit log stores. */
export function compileRedactor(spec: RedactionSpec = FULL_REDACTION): Redactor {
  const o = spec.options ?? {};
  switch (spec.strategy) {
    case 'full':
      return () => REDACTED;
    case 'partial': {
      const first = o.show_first ?? 2;
      const last = o.show_last ?? 2;
      const min = o.min_length ?? 8;
      return (value) => {
        const text = textOf(value);
        if (text.length < min || text.length <= first + last) return REDACTED;
        return `${text.slice(0, first)}***${last > 0 ? text.slice(-last) : ''}`;
      };
    }
    case 'hash': {
      const algorithm = o.algorithm ?? 'sha256';
      return (value) => `${algorithm}:${createHash(algorithm).update(textOf(value)).digest('hex')}`;
    }
    case 'truncate': {
      const length = o.length ?? 10;
      const suffix = o.suffix ?? '...';
      return (value) => {
        const text = textOf(value);
        return text.length > length ? text.slice(0, length) + suffix : text;
      };
    }
    case 'email': {
      const keepDomain = o.preserve_domain ?? true;
      return (value) => {
        const text = textOf(value);
        const at = text.lastIndexOf('@');
        if (at <= 0) return REDACTED;
        return `${text[0]}***@${keepDomain ? text.slice(at + 1) : '***'}`;
      };
    }
    case 'preserve_type':
      return preserveType;
  }
}

/** An empty value of the same JSON type, so consumers that check types keep working. */
function preserveType(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return REDACTED;
  if (typeof value === 'number' || typeof value === 'bigint') return 0;
  if (typeof value === 'boolean') return false;
  if (Array.isArray(value)) return [];
  if (typeof value === 'object') return {};
  return REDACTED;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Applies `field_redactions` to a copy of `record`. A path walks object keys;
 * when it meets an array, it continues into every element. Missing paths are skipped.
 */
export function applyFieldRedactions<T extends Record<string, unknown>>(
  record: T,
  redactions: readonly FieldRedaction[],
): T {
  if (redactions.length === 0) return record;
  let out: unknown = record;
  for (const r of redactions) out = redactPath(out, r.field_path.split('.'), compileRedactor(r));
  return out as T;
}

function redactPath(value: unknown, path: readonly string[], redact: Redactor): unknown {
  if (Array.isArray(value)) return value.map((item) => redactPath(item, path, redact));
  if (value === null || typeof value !== 'object') return value;
  const [head, ...rest] = path;
  const obj = value as Record<string, unknown>;
  if (!Object.hasOwn(obj, head)) return value;
  const copy: Record<string, unknown> = { ...obj };
  copy[head] = rest.length === 0 ? redact(obj[head]) : redactPath(obj[head], rest, redact);
  return copy;
}
