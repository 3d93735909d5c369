// Capabilities from IdP claims (MXCP-SPEC §7, capabilities): the profile's
// `auth.<provider>.claim_mappings` maps a claim (by exact key, else by dotted
// path) and one of its values to capability names. Derived per request from
// the user's raw profile and exposed to policies as `user.capabilities`.
import type { AUTH_PROVIDERS, AuthConfig } from '../config/user-schema.js';

/** `claim path → claim value → capabilities`. */
export type ClaimMappings = Record<string, Record<string, string[]>>;

/** The mappings of the profile's active provider, if any. */
export function claimMappingsFor(auth: AuthConfig | null | undefined): ClaimMappings | undefined {
  if (!auth || auth.provider === 'none') return undefined;
  const provider = auth.provider as Exclude<(typeof AUTH_PROVIDERS)[number], 'none'>;
  return auth[provider]?.claim_mappings ?? undefined;
}

/** Capabilities granted by `profile`'s claims, each once, in mapping order. */
export function capabilitiesFromClaims(
  mappings: ClaimMappings | null | undefined,
  profile: Readonly<Record<string, unknown>>,
): string[] {
  const granted = new Set<string>();
  for (const [path, byValue] of Object.entries(mappings ?? {})) {
    const values = claimValues(claimAt(profile, path));
    for (const value of values) {
      if (Object.hasOwn(byValue, value)) for (const capability of byValue[value]) granted.add(capability);
    }
  }
  return [...granted];
}

/** A user context with the mapped capabilities added to the ones it already has. */
export function withClaimCapabilities<
  U extends { raw_profile: Record<string, unknown>; capabilities: string[] },
>(user: U, mappings: ClaimMappings | null | undefined): U {
  const mapped = capabilitiesFromClaims(mappings, user.raw_profile ?? {});
  if (mapped.length === 0) return user;
  return { ...user, capabilities: [...new Set([...user.capabilities, ...mapped])] };
}

/** Exact key first (URI-style claim names such as `https://co/roles`), else dot traversal. */
function claimAt(profile: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(profile, path)) return profile[path];
  let current: unknown = profile;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A list, a space-separated string (`scope`), or a scalar; booleans as "true"/"false". */
function claimValues(claim: unknown): string[] {
  if (claim === undefined || claim === null) return [];
  if (Array.isArray(claim)) return claim.flatMap((item) => (isScalar(item) ? [String(item)] : []));
  if (typeof claim === 'string') {
    const parts = claim.split(/\s+/).filter(Boolean);
    return parts.length > 1 ? [claim, ...parts] : parts;
  }
  return isScalar(claim) ? [String(claim)] : [];
}

function isScalar(value: unknown): value is string | number | boolean | bigint {
  return ['string', 'number', 'boolean', 'bigint'].includes(typeof value);
}
