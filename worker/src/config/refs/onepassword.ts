// `op://vault/item/[section/]field[?attribute=otp]` references (MXCP-SPEC §3):
// secrets read from 1Password through the official SDK with a service-account
// token from `$<onepassword.token_env>`. MXCP's `attribute=otp` is the SDK's
// `attribute=totp`. The SDK talks to 1Password's servers; the client factory is
// the one seam, so everything before the call can be tested without them.
// Every error names the reference; none carries the token.
import type { ReferenceContext, SchemeResolver } from '../refs.js';
import { isEnabled, tokenFrom } from './settings.js';

const PREFIX = 'op://';
const INTEGRATION = { integrationName: 'mxcp-worker', integrationVersion: '1' };

/** The part of the SDK client the resolver uses. */
export interface OnePasswordClient {
  secrets: { resolve(reference: string): Promise<string> };
}
export type OnePasswordClientFactory = (token: string) => Promise<OnePasswordClient>;

/** The SDK (and its WebAssembly core) loads on first use: most configs have no op:// reference. */
const sdkClient: OnePasswordClientFactory = async (token) => {
  const { createClient } = await import('@1password/sdk');
  return createClient({ auth: token, ...INTEGRATION });
};

/**
 * The SDK's form of a reference: the path checked (vault, item, optional section, field) and
 * `attribute=otp` renamed to `totp`. Throws naming the reference when it is malformed.
 */
export function toSdkReference(reference: string): string {
  const describe = (problem: string) => `1Password secret '${reference}': ${problem}`;
  const body = reference.slice(PREFIX.length);
  const [path, query, ...extra] = body.split('?');
  const segments = path.split('/');
  if (extra.length > 0 || segments.length < 3 || segments.length > 4 || segments.some((s) => s === '')) {
    throw new Error(describe('expected op://vault/item/[section/]field[?attribute=otp]'));
  }
  if (query === undefined) return `${PREFIX}${path}`;
  const params = new URLSearchParams(query);
  const attribute = params.get('attribute');
  if ([...params.keys()].some((k) => k !== 'attribute') || attribute === null || attribute === '') {
    throw new Error(describe(`unsupported query '?${query}' (only ?attribute=… is allowed)`));
  }
  return `${PREFIX}${path}?attribute=${attribute === 'otp' ? 'totp' : attribute}`;
}

/** A resolver creating its SDK clients with `factory` (one client per token, reused). */
export function createOnePasswordResolver(factory: OnePasswordClientFactory = sdkClient): SchemeResolver {
  const clients = new Map<string, Promise<OnePasswordClient>>();
  const clientFor = (token: string): Promise<OnePasswordClient> => {
    let client = clients.get(token);
    if (!client) {
      client = factory(token);
      clients.set(token, client);
      // A failed login is not cached: the next load tries again.
      client.catch(() => clients.delete(token));
    }
    return client;
  };

  return async (reference: string, context: ReferenceContext): Promise<string> => {
    const describe = (problem: string) => `1Password secret '${reference}': ${problem}`;
    const sdkReference = toSdkReference(reference);
    const settings = context.onepassword;
    if (!isEnabled(settings?.enabled)) {
      throw new Error(
        describe('1Password is not enabled in the user config (set onepassword.enabled: true)'),
      );
    }
    const token = tokenFrom(context.env, settings?.token_env, 'OP_SERVICE_ACCOUNT_TOKEN', describe);
    if (context.signal?.aborted)
      throw new Error(describe('not requested: the caller does not wait for 1Password'));
    try {
      const client = await clientFor(token);
      return await client.secrets.resolve(sdkReference);
    } catch (err) {
      throw new Error(describe(withoutToken(sdkMessage(err), token)));
    }
  };
}

export const resolveOnePasswordReference: SchemeResolver = createOnePasswordResolver();

/** The SDK throws Errors, or plain strings / JSON strings from its WebAssembly core. */
function sdkMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text is the message
  }
  return text;
}

function withoutToken(message: string, token: string): string {
  return token.length >= 4 ? message.split(token).join('***') : message;
}
