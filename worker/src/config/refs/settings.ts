// What the secret-manager resolvers read from the user config before it is
// schema-checked: the `vault:` and `onepassword:` blocks have had their own
// references resolved but not their types coerced, so `enabled` may still be
// the string "true" from `${VAULT_ENABLED}`.

/** `true`, or a string the schema check would coerce to true. */
export function isEnabled(value: unknown): boolean {
  if (value === true) return true;
  return typeof value === 'string' && value.trim().toLowerCase() === 'true';
}

/** The variable named by `token_env` (or its default), read from `env`; throws naming the variable. */
export function tokenFrom(
  env: NodeJS.ProcessEnv,
  tokenEnv: string | null | undefined,
  fallback: string,
  describe: (problem: string) => string,
): string {
  const name = typeof tokenEnv === 'string' && tokenEnv !== '' ? tokenEnv : fallback;
  const token = env[name];
  if (token === undefined || token === '') {
    throw new Error(describe(`environment variable ${name} is not set (it holds the access token)`));
  }
  return token;
}
