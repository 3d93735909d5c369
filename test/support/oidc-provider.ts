// A real OpenID provider for the OAuth tests (panva's oidc-provider, in process, TESTING.md C1):
// its own login and consent pages (devInteractions: any login, any password), discovery, JWKS,
// userinfo, refresh tokens, JWT access tokens for one resource (the worker's /mcp) so verifier
// mode has something real to check, and optionally opaque access tokens with introspection and
// revocation for verifier mode's other paths. The signing key is ours, so tests can also forge tokens
// with exactly one thing wrong (audience, issuer, expiry).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider, { errors, type ClientMetadata } from 'oidc-provider';

export interface TestOidcProvider {
  issuer: string;
  configUrl: string;
  /** Signs a JWT with the provider's own key: for tokens a real provider would never issue. */
  sign(claims: Record<string, unknown>, opts?: { expiresIn?: number | string }): Promise<string>;
  /** An access token from a real client_credentials grant: JWT for `resources`, opaque for
   *  `opaqueResources`, and opaque without an audience when `resource` is omitted. */
  clientCredentialsToken(resource?: string, scope?: string): Promise<string>;
  /** Tokens for `login` from a real authorization-code grant (PKCE) of a confidential client in `clients`. */
  authorizationCodeTokens(
    client: { client_id: string; client_secret: string; redirect_uri: string },
    login: string,
    params: { scope: string; resource?: string },
  ): Promise<{ access_token: string; refresh_token?: string }>;
  /** Revokes a token at the revocation endpoint (needs `introspection: true`), as its own client. */
  revoke(token: string, client?: { client_id: string; client_secret: string }): Promise<void>;
  close(): Promise<void>;
}

export interface TestOidcOptions {
  clients: ClientMetadata[];
  /** Resources that get JWT access tokens (audience = the resource). */
  resources?: string[];
  /** Resources that get opaque access tokens (audience = the resource, checked through introspection). */
  opaqueResources?: string[];
  /** Advertise RFC 7662 introspection (and RFC 7009 revocation); off by default, as in oidc-provider. */
  introspection?: boolean;
  /** Extra claims of every account (e.g. groups for claim_mappings). */
  accountClaims?: Record<string, unknown>;
  port?: number;
}

export const M2M_CLIENT = { client_id: 'm2m', client_secret: 'm2m-secret' };

function basicAuth(client: { client_id: string; client_secret: string }): string {
  return `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startOidcProvider(opts: TestOidcOptions): Promise<TestOidcProvider> {
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const resources = new Set(opts.resources ?? []);
  const opaqueResources = new Set(opts.opaqueResources ?? []);
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      ...opts.clients,
      {
        ...M2M_CLIENT,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
    ],
    scopes: ['openid', 'offline_access', 'email', 'profile', 'mcp:tools'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'groups'],
    },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({
        sub: id,
        email: `${id}@example.test`,
        email_verified: true,
        name: `User ${id}`,
        preferred_username: id,
        ...(opts.accountClaims ?? {}),
      }),
    }),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: opts.introspection ?? false },
      revocation: { enabled: opts.introspection ?? false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined as unknown as string,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (opaqueResources.has(resource))
            return {
              scope: 'mcp:tools',
              audience: resource,
              accessTokenFormat: 'opaque',
              accessTokenTTL: 300,
            };
          if (!resources.has(resource)) throw new errors.InvalidTarget();
          return {
            scope: 'mcp:tools',
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 86400,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    // The worker refreshes through the provider: issue refresh tokens without offline_access prompts.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  });
  provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider: ${String(error)}\n`));
  const server: Server = provider.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));

  return {
    issuer,
    configUrl: `${issuer}/.well-known/openid-configuration`,
    async sign(claims, signOpts = {}) {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
        .setIssuedAt();
      if (signOpts.expiresIn !== undefined) jwt.setExpirationTime(signOpts.expiresIn);
      return jwt.sign(privateKey);
    },
    async clientCredentialsToken(resource, scope = 'mcp:tools') {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: basicAuth(M2M_CLIENT),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope,
          ...(resource ? { resource } : {}),
        }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string };
      if (!body.access_token) throw new Error(`client_credentials failed: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async authorizationCodeTokens(client, login, params) {
      const verifier = randomBytes(32).toString('base64url');
      const authorize = new URL(`${issuer}/auth`);
      authorize.search = new URLSearchParams({
        client_id: client.client_id,
        redirect_uri: client.redirect_uri,
        response_type: 'code',
        scope: params.scope,
        state: randomBytes(8).toString('hex'),
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...(params.resource ? { resource: params.resource } : {}),
      }).toString();
      const landed = await loginThroughBrowserlessFlow(authorize.href, login, client.redirect_uri);
      const code = landed.searchParams.get('code');
      if (!code) throw new Error(`authorization failed: ${landed.href}`);
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(client) },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: client.redirect_uri,
          code_verifier: verifier,
          ...(params.resource ? { resource: params.resource } : {}),
        }),
      });
      const body = (await response.json()) as { access_token?: string; refresh_token?: string };
      if (!body.access_token) throw new Error(`code exchange failed: ${JSON.stringify(body)}`);
      return { access_token: body.access_token, refresh_token: body.refresh_token };
    },
    async revoke(token, client = M2M_CLIENT) {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(client) },
        body: new URLSearchParams({ token }),
      });
      if (!response.ok) throw new Error(`revocation failed: ${response.status} ${await response.text()}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Drives the provider's own login and consent pages with plain HTTP (a cookie jar and manual
 * redirects), from the worker's /authorize URL to the client's redirect URI; returns that final URL.
 */
export async function loginThroughBrowserlessFlow(
  authorizeUrl: string,
  login: string,
  stopAt: string,
): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  };
  let url = new URL(authorizeUrl);
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(stopAt)) return url;
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: cookieHeader(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    remember(response);
    method = 'GET';
    body = undefined;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200)
      throw new Error(`login flow stopped at ${url.pathname} with ${response.status}: ${html.slice(0, 300)}`);
    // One of the provider's interaction pages: answer its form.
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on ${url.pathname}`);
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    url = new URL(action.replace(/&amp;/g, '&'), url);
    method = 'POST';
    body = new URLSearchParams(
      prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt ?? 'consent' },
    );
  }
  throw new Error('login flow did not finish within 20 hops');
}
