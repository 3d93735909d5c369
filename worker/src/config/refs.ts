// References in user-config string values (MXCP-SPEC §3, Interpolation):
// `${VAR}` anywhere in a string, and whole-value scheme references such as
// `file://...`, `vault://...`, `op://...`. Scheme resolvers live in one
// registry keyed by prefix, so a real Vault or 1Password client is plugged in
// here and nowhere else.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigError } from './errors.js';
import type { OnePasswordConfig, VaultConfig } from './user-schema.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

export interface ReferenceContext {
  env: NodeJS.ProcessEnv;
  /** Anchor for relative `file://` references (MXCP: the current directory). */
  cwd: string;
  /** Secret-manager settings from the user config, for the resolvers that need them. */
  vault?: VaultConfig;
  onepassword?: OnePasswordConfig;
}

/** Resolves one whole-value reference (`reference` includes its prefix). Throws an Error saying what is wrong. */
export type SchemeResolver = (reference: string, context: ReferenceContext) => string;

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

const notSupportedYet =
  (what: string): SchemeResolver =>
  (reference) => {
    throw new Error(
      `${what} references are not supported yet: cannot resolve '${reference}'; ` +
        'configure the value directly, as ${ENV_VAR} or as a file:// reference instead',
    );
  };

/** The scheme registry, keyed by prefix. */
export const SCHEME_RESOLVERS: ReadonlyMap<string, SchemeResolver> = new Map<string, SchemeResolver>([
  ['file://', resolveFileReference],
  ['vault://', notSupportedYet('Vault')],
  ['op://', notSupportedYet('1Password')],
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

/** Returns a copy of `value` with every reference in its string leaves resolved. */
export function resolveReferences(value: unknown, options: ResolveOptions): unknown {
  if (typeof value === 'string') return resolveString(value, options);
  if (Array.isArray(value)) {
    return value.map((item, i) => resolveReferences(item, { ...options, path: [...options.path, i] }));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        resolveReferences(item, { ...options, path: [...options.path, key] }),
      ]),
    );
  }
  return value;
}

function resolveString(text: string, options: ResolveOptions): string {
  const { context, source, path, errors } = options;
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
      return resolver(interpolated, context);
    } catch (err) {
      errors.push(source.errorAt(path, (err as Error).message));
      return text;
    }
  }
  return interpolated;
}
