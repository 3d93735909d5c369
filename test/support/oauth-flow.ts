// The client side of the worker's OAuth flow for tests: a project with tools that echo the user,
// a user config pointing at a test provider, dynamic registration, PKCE, the code exchange,
// and an OAuthClientProvider for the SDK's MCP client.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { ClientMetadata } from 'oidc-provider';
import { stringify } from 'yaml';

export const WHOAMI_TOOL = `mxcp: 1
tool:
  name: whoami
  description: The caller as SQL sees them.
  return:
    type: object
    properties:
      username: { type: string }
      email: { type: string }
      provider: { type: string }
      has_external_token: { type: boolean }
  source:
    code: |
      SELECT get_username() AS username, get_user_email() AS email, get_user_provider() AS provider,
             get_user_external_token() IS NOT NULL AS has_external_token
`;

export const FINANCE_TOOL = `mxcp: 1
tool:
  name: finance_report
  description: Only for users whose IdP groups map to reports:read.
  return: { type: string }
  policies:
    input:
      - condition: "!('reports:read' in user.capabilities)"
        action: deny
        reason: reports:read capability required
  source:
    code: SELECT 'q3 numbers'
`;

/** Writes `count` copies of a small project (one DuckDB file each) plus a shared user config and key file. */
export function oauthWorkspace(count: number, userConfig: (root: string) => string) {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-oauth-'));
  const projects: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(root, `project-${i}`);
    mkdirSync(join(dir, 'tools'), { recursive: true });
    writeFileSync(
      join(dir, 'mxcp-site.yml'),
      'mxcp: 1\nproject: oauth-e2e\nprofile: default\nprofiles:\n  default:\n    audit:\n      enabled: true\n',
    );
    writeFileSync(join(dir, 'tools', 'whoami.yml'), WHOAMI_TOOL);
    writeFileSync(join(dir, 'tools', 'finance.yml'), FINANCE_TOOL);
    projects.push(dir);
  }
  const configPath = join(root, 'config.yml');
  writeFileSync(configPath, userConfig(root));
  const keyFile = join(root, 'auth-keys');
  const key = randomBytes(32).toString('base64url');
  writeFileSync(keyFile, `# sealing keys, first one seals\n${key}\n`);
  return {
    root,
    projects,
    key,
    env: { MXCP_CONFIG: configPath, MXCP_AUTH_KEY_FILE: keyFile },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The user config giving the workspace project's default profile this `auth` section. */
export function projectAuthConfig(auth: Record<string, unknown>): string {
  return stringify({ mxcp: 1, projects: { 'oauth-e2e': { profiles: { default: { auth } } } } });
}

/** The client id the worker has at the test OpenID provider. */
const WORKER_CLIENT_ID = 'mxcp-worker';

/** The worker, as a confidential client of the test OpenID provider, for each worker base URL. */
export function workerProviderClient(secret: string, workerBases: string[]): ClientMetadata {
  return {
    client_id: WORKER_CLIENT_ID,
    client_secret: secret,
    redirect_uris: workerBases.map((base) => `${base}/oidc/callback`),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  };
}

/** The worker's `auth.oidc` settings matching workerProviderClient(). */
export function workerOidcSettings(configUrl: string, secret: string): Record<string, unknown> {
  return {
    config_url: configUrl,
    client_id: WORKER_CLIENT_ID,
    client_secret: secret,
    scope: 'openid profile email',
  };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function registerClient(base: string, redirectUris: string[]): Promise<Response> {
  return fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'oauth e2e',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
}

/** Dynamic registration of a public client redirecting to `redirectUri`: its client_id. */
export async function registeredClientId(base: string, redirectUri: string): Promise<string> {
  return ((await (await registerClient(base, [redirectUri])).json()) as { client_id: string }).client_id;
}

export function authorizeUrl(
  base: string,
  p: { clientId: string; redirectUri: string; challenge: string; state: string; scope?: string },
): string {
  const url = new URL(`${base}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    state: p.state,
    ...(p.scope ? { scope: p.scope } : {}),
  }).toString();
  return url.href;
}

export async function tokenRequest(base: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
}

/** Redeems an authorization code at the worker's /token with its PKCE verifier. */
export async function exchangeCode(
  base: string,
  p: { clientId: string; code: string; verifier: string; redirectUri: string },
): Promise<Response> {
  return tokenRequest(base, {
    grant_type: 'authorization_code',
    client_id: p.clientId,
    code: p.code,
    code_verifier: p.verifier,
    redirect_uri: p.redirectUri,
  });
}

/** A raw MCP initialize with an optional bearer token: the status tells whether the token is accepted. */
export async function initializeWith(mcpUrl: string, token?: string, query = ''): Promise<Response> {
  return fetch(`${mcpUrl}${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
}

/** The SDK client's view of OAuth, kept in memory; the authorization URL is captured, not opened. */
export class MemoryOAuthClient implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  lastAuthorizationUrl: URL | undefined;
  readonly expectedState = randomBytes(16).toString('hex');

  constructor(readonly redirectUrl: string) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'sdk e2e client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state(): string {
    return this.expectedState;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.lastAuthorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}
