// `vault://path/to/secret#key` references (MXCP-SPEC §3): one key of a
// HashiCorp Vault secret, read over Vault's HTTP API with the token from
// `$<vault.token_env>`. KV version 2 is tried first (`/v1/<mount>/data/<rest>`,
// the mount being the first path segment), then KV version 1 (`/v1/<path>`).
// Every error names the reference; none carries the token or a secret value.
import type { ReferenceContext } from '../refs.js';
import { isEnabled, tokenFrom } from './settings.js';

const PREFIX = 'vault://';
/** A config load must not hang on an unresponsive Vault. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface VaultReference {
  /** The secret's path, without leading or trailing slashes, e.g. `secret/db`. */
  path: string;
  key: string;
}

/** Splits `vault://secret/db#password`; throws when the path or the `#key` is missing. */
export function parseVaultReference(reference: string): VaultReference {
  const body = reference.slice(PREFIX.length);
  const hash = body.lastIndexOf('#');
  const path = (hash < 0 ? body : body.slice(0, hash)).replace(/^\/+|\/+$/g, '');
  const key = hash < 0 ? '' : body.slice(hash + 1);
  if (hash < 0 || key === '') {
    throw new Error(`Vault secret '${reference}': the key is missing; write vault://path/to/secret#key`);
  }
  if (path === '') throw new Error(`Vault secret '${reference}': the secret path is missing`);
  return { path, key };
}

export async function resolveVaultReference(reference: string, context: ReferenceContext): Promise<string> {
  const describe = (problem: string) => `Vault secret '${reference}': ${problem}`;
  const { path, key } = parseVaultReference(reference);
  const settings = context.vault;
  if (!isEnabled(settings?.enabled)) {
    throw new Error(describe('Vault is not enabled in the user config (set vault.enabled: true)'));
  }
  const address = settings?.address;
  if (typeof address !== 'string' || address === '') {
    throw new Error(describe('vault.address is not set in the user config'));
  }
  const token = tokenFrom(context.env, settings?.token_env, 'VAULT_TOKEN', describe);
  const base = address.replace(/\/+$/, '');

  const [mount, ...rest] = path.split('/');
  // KV v2 keeps the secret under `<mount>/data/…` and wraps it in a second `data`.
  const attempts: { url: string; secretOf: (body: VaultBody) => unknown }[] = [];
  if (rest.length > 0) {
    attempts.push({
      url: `${base}/v1/${mount}/data/${rest.join('/')}`,
      secretOf: (b) => field(b.data, 'data'),
    });
  }
  attempts.push({ url: `${base}/v1/${path}`, secretOf: (b) => b.data });

  let lastFailure = '';
  for (const attempt of attempts) {
    const response = await get(attempt.url, token, base, describe, context.signal);
    if (response.status === 200) {
      const secret = attempt.secretOf(response.body);
      if (secret === null || typeof secret !== 'object') {
        lastFailure = 'the response holds no secret data';
        continue;
      }
      if (!Object.hasOwn(secret, key)) throw new Error(describe(`key '${key}' not found`));
      return asText((secret as Record<string, unknown>)[key]);
    }
    lastFailure = httpFailure(response.status, response.body);
  }
  throw new Error(describe(lastFailure));
}

interface VaultBody {
  data?: unknown;
  errors?: unknown;
}

async function get(
  url: string,
  token: string,
  base: string,
  describe: (problem: string) => string,
  signal: AbortSignal | undefined,
): Promise<{ status: number; body: VaultBody }> {
  if (signal?.aborted) throw new Error(describe('not requested: the caller does not wait for Vault'));
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { 'X-Vault-Token': token, Accept: 'application/json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Error(describe(`cannot reach Vault at ${base}: ${networkCause(err)}`));
  }
  const text = await response.text();
  let body: VaultBody = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as VaultBody);
  } catch {
    if (response.status === 200) throw new Error(describe('Vault answered with something other than JSON'));
  }
  return { status: response.status, body: body ?? {} };
}

/** Vault's own error strings ("permission denied") are safe to show; the body's data is not read. */
function httpFailure(status: number, body: VaultBody): string {
  const errors = Array.isArray(body.errors) ? body.errors.filter((e) => typeof e === 'string') : [];
  if (status === 404) return 'secret not found (HTTP 404)';
  if (status === 403) return `permission denied (HTTP 403)${errors.length ? `: ${errors.join('; ')}` : ''}`;
  return `Vault answered HTTP ${status}${errors.length ? `: ${errors.join('; ')}` : ''}`;
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if ((err as Error).name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
