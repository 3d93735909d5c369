// The `user` variable of policy conditions (MXCP-SPEC §5, `user` object): a
// fixed shape for anonymous callers, and for authenticated ones the identity
// plus `role` and `permissions` read from the raw IdP profile. No other
// raw_profile key reaches CEL.

/** What the policy engine reads of the caller (structurally the engine's UserContext). */
export interface PolicyUserSource {
  provider: string;
  user_id: string | null;
  username: string | null;
  email: string | null;
  name: string | null;
  raw_profile: Record<string, unknown>;
  capabilities: string[];
}

export function policyUser(user: PolicyUserSource | null | undefined): Record<string, unknown> {
  if (!user) {
    return {
      role: 'anonymous',
      permissions: [],
      capabilities: [],
      user_id: null,
      username: null,
      email: null,
      provider: null,
    };
  }
  const profile = user.raw_profile ?? {};
  return {
    user_id: user.user_id,
    username: user.username,
    email: user.email,
    provider: user.provider,
    name: user.name,
    // Python's `x or default`: a missing or empty value falls back.
    role: truthy(profile.role) ? profile.role : 'user',
    permissions: truthy(profile.permissions) ? profile.permissions : [],
    capabilities: [...(user.capabilities ?? [])],
  };
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}
