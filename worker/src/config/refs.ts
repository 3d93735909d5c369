// References in user-config string values (MXCP-SPEC §3, Interpolation):
// `${VAR}` anywhere in a string, and whole-value scheme references such as
// `file://...`, `vault://...`, `op://...`. Scheme resolvers live in one
// registry keyed by prefix, so a secret-manager client is plugged in here and
// nowhere else. Secret managers answer over the network, so a resolver may
// return a promise: `resolveReferencesAsync` waits for all of a tree's
// references together; the synchronous `resolveReferences` serves callers that
// cannot wait and reports such references as errors.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigError } from './errors.js';
import { resolveOnePasswordReference } from './refs/onepassword.js';
import { resolveVaultReference } from './refs/vault.js';
import type { OnePasswordConfig, VaultConfig } from './user-schema.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

export interface ReferenceContext {
  env: NodeJS.ProcessEnv;
  /** Anchor for relative `file://` references (MXCP: the current directory). */
  cwd: string;
  /** Secret-manager settings from the user config, for the resolvers that need them. */
  vault?: VaultConfig;
  onepassword?: OnePasswordConfig;
  /** Aborted when nobody will wait for the answer: network resolvers then make no request. */
  signal?: AbortSignal;
}

/**
 * Resolves one whole-value reference (`reference` includes its prefix). Throws (or rejects
 * with) an Error saying what is wrong; the message names the reference, never a secret.
 */
export type SchemeResolver = (reference: string, context: ReferenceContext) => string | Promise<string>;

const ENV_VAR = /\$\{([A-Za-z0-9_]+)\}/g;

export const resolveFileReference: SchemeResolver = (reference, context) => {
  const target = reference.slice('file://'.length);
  // `file:///abs` leaves `/abs`; anything else is relative to the current directory.
  const path = resolve(context.cwd, target);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(
      `Cannot read file '${path}' for ${reference}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
};

/** The scheme registry, keyed by prefix. */
export const SCHEME_RESOLVERS: ReadonlyMap<string, SchemeResolver> = new Map<string, SchemeResolver>([
  ['file://', resolveFileReference],
  ['vault://', resolveVaultReference],
  ['op://', resolveOnePasswordReference],
]);

export interface ResolveOptions {
  context: ReferenceContext;
  /** Where `value` sits in `source`, used to point errors at the right line. */
  source: YamlSource;
  path: readonly PathSegment[];
  /** Problems are appended here; every unresolved reference is reported, not only the first. */
  errors: ConfigError[];
  resolvers?: ReadonlyMap<string, SchemeResolver>;
}

/** A reference whose resolver answered with a promise, and where its value goes. */
interface Pending {
  path: readonly PathSegment[];
  original: string;
  value: Promise<string>;
}

/**
 * Returns a copy of `value` with every reference in its string leaves resolved, for callers
 * that cannot wait: a reference resolved over the network (vault://, op://) is reported as an
 * error and left as written.
 */
export function resolveReferences(value: unknown, options: ResolveOptions): unknown {
  const pending: Pending[] = [];
  const context = { ...options.context, signal: AbortSignal.abort() };
  const copy = walk(value, options.path, { ...options, context }, pending);
  for (const p of pending) {
    p.value.catch(() => undefined); // never awaited: keep a failure from going unhandled
    options.errors.push(
      options.source.errorAt(
        p.path,
        `Cannot resolve '${p.original}' here: secret-manager references need the asynchronous config loader`,
      ),
    );
  }
  return copy;
}

/**
 * Returns a copy of `value` with every reference in its string leaves resolved; references
 * answered over the network are resolved concurrently. Errors are reported in document order.
 */
export async function resolveReferencesAsync(value: unknown, options: ResolveOptions): Promise<unknown> {
  const pending: Pending[] = [];
  const copy = walk(value, options.path, options, pending);
  const settled = await Promise.allSettled(pending.map((p) => p.value));
  let result = copy;
  settled.forEach((outcome, i) => {
    const { path } = pending[i];
    if (outcome.status === 'fulfilled') {
      result = withValueAt(result, path.slice(options.path.length), outcome.value);
    } else {
      options.errors.push(options.source.errorAt(path, errorText(outcome.reason)));
    }
  });
  return result;
}

function walk(
  value: unknown,
  path: readonly PathSegment[],
  options: ResolveOptions,
  pending: Pending[],
): unknown {
  if (typeof value === 'string') return resolveString(value, path, options, pending);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], options, pending));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key], options, pending)]),
    );
  }
  return value;
}

function resolveString(
  text: string,
  path: readonly PathSegment[],
  options: ResolveOptions,
  pending: Pending[],
): string {
  const { context, source, errors } = options;
  let missing = false;
  const interpolated = text.replace(ENV_VAR, (whole, name: string) => {
    const value = context.env[name];
    if (value === undefined) {
      missing = true;
      errors.push(source.errorAt(path, `Environment variable ${name} is not set`));
      return whole;
    }
    return value;
  });
  if (missing) return text;

  for (const [prefix, resolver] of options.resolvers ?? SCHEME_RESOLVERS) {
    if (!interpolated.startsWith(prefix)) continue;
    try {
      const resolved = resolver(interpolated, context);
      if (typeof resolved === 'string') return resolved;
      pending.push({ path, original: text, value: resolved });
    } catch (err) {
      errors.push(source.errorAt(path, errorText(err)));
    }
    return text;
  }
  return interpolated;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A copy of `root` with the value at `path` replaced (copies only the containers on the path). */
function withValueAt(root: unknown, path: readonly PathSegment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = withValueAt(root[head as number], rest, value);
    return copy;
  }
  const record = root as Record<string, unknown>;
  return { ...record, [head]: withValueAt(record[head], rest, value) };
}
