// Verifier mode with OPAQUE access tokens against a real OpenID provider (oidc-provider): when the
// provider advertises RFC 7662 introspection the worker asks it about each token (active, audience,
// subject); when it does not, the worker asks the userinfo endpoint. Tokens the provider really
// issued are accepted (the user reaches SQL); revoked, unknown, wrong-audience or refresh tokens
// are refused with 401.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientMetadata } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../support/mxcp.js';
import { freePort, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { initializeWith, oauthWorkspace } from '../support/oauth-flow.js';

const WORKER_CLIENT = { client_id: 'mxcp-worker', client_secret: 'worker-secret' };
const APP_CLIENT = {
  client_id: 'app',
  client_secret: 'app-secret',
  redirect_uri: 'http://127.0.0.1:1/callback',
};
const clients: ClientMetadata[] = [
  { ...WORKER_CLIENT, grant_types: [], redirect_uris: [], response_types: [] },
  {
    client_id: APP_CLIENT.client_id,
    client_secret: APP_CLIENT.client_secret,
    redirect_uris: [APP_CLIENT.redirect_uri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  },
];

function verifierConfig(configUrl: string, audience: string | undefined): string {
  return `mxcp: 1
projects:
  oauth-e2e:
    profiles:
      default:
        auth:
          mode: verifier
          provider: oidc
          authorization:
            required_scopes: ['mcp:tools']
          oidc:
            config_url: ${configUrl}
            client_id: ${WORKER_CLIENT.client_id}
            client_secret: ${WORKER_CLIENT.client_secret}
            scope: openid
${audience ? `            audience: ${audience}\n` : ''}`;
}

async function whoami(mcp: string, token: string): Promise<unknown> {
  const client = new Client({ name: 'verifier-opaque-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcp), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  try {
    return ((await client.callTool({ name: 'whoami', arguments: {} })) as { structuredContent: unknown })
      .structuredContent;
  } finally {
    await client.close();
  }
}

const isJwt = (token: string) => token.split('.').length === 3;

describe('verifier mode with introspection', () => {
  let idp: TestOidcProvider;
  let workspace: ReturnType<typeof oauthWorkspace>;
  let worker: RunningServer;
  let mcp: string;
  const otherApi = 'http://127.0.0.1:1/other-api';

  beforeAll(async () => {
    const port = await freePort();
    mcp = `http://127.0.0.1:${port}/mcp`;
    idp = await startOidcProvider({ clients, opaqueResources: [mcp, otherApi], introspection: true });
    const discovery = (await (await fetch(idp.configUrl)).json()) as Record<string, unknown>;
    expect(discovery.introspection_endpoint).toBe(`${idp.issuer}/token/introspection`);
    workspace = oauthWorkspace(1, () => verifierConfig(idp.configUrl, mcp));
    worker = await startServe(workspace.projects[0], ['--port', String(port)], workspace.env);
  });

  afterAll(async () => {
    await worker?.stop();
    await idp?.close();
    workspace?.cleanup();
  });

  it('accepts an opaque client_credentials token for this resource, and SQL sees its client', async () => {
    const token = await idp.clientCredentialsToken(mcp);
    expect(isJwt(token)).toBe(false);
    expect((await initializeWith(mcp, token)).status).toBe(200);
    expect(await whoami(mcp, token)).toMatchObject({
      username: 'm2m',
      provider: 'oidc',
      has_external_token: true,
    });
  });

  it("accepts an opaque user token from a code grant, and SQL sees the user's subject", async () => {
    const { access_token } = await idp.authorizationCodeTokens(APP_CLIENT, 'grace', {
      scope: 'openid mcp:tools',
      resource: mcp,
    });
    expect(isJwt(access_token)).toBe(false);
    expect(await whoami(mcp, access_token)).toMatchObject({ username: 'grace', provider: 'oidc' });
  });

  it('refuses an opaque token once the provider has revoked it', async () => {
    const token = await idp.clientCredentialsToken(mcp);
    expect((await initializeWith(mcp, token)).status).toBe(200);
    await idp.revoke(token);
    expect((await initializeWith(mcp, token)).status).toBe(401);
  });

  it('refuses an unknown opaque token', async () => {
    expect((await initializeWith(mcp, 'not-a-token-the-provider-ever-issued')).status).toBe(401);
  });

  it('refuses an opaque token for another audience, or with no audience at all', async () => {
    expect((await initializeWith(mcp, await idp.clientCredentialsToken(otherApi))).status).toBe(401);
    const unbound = await idp.clientCredentialsToken();
    expect(isJwt(unbound)).toBe(false);
    expect((await initializeWith(mcp, unbound)).status).toBe(401);
  });

  it('refuses a refresh token presented as a bearer token', async () => {
    // oidc-provider introspects refresh tokens as active too; the worker refuses this one only
    // because its introspection carries no audience (the configured audience is required).
    const { access_token, refresh_token } = await idp.authorizationCodeTokens(APP_CLIENT, 'heidi', {
      scope: 'openid mcp:tools',
      resource: mcp,
    });
    expect(refresh_token).toBeTruthy();
    expect((await initializeWith(mcp, access_token)).status).toBe(200);
    expect((await initializeWith(mcp, refresh_token!)).status).toBe(401);
  });
});

describe('verifier mode through userinfo (no introspection advertised)', () => {
  let idp: TestOidcProvider;
  let workspace: ReturnType<typeof oauthWorkspace>;
  let worker: RunningServer;
  let mcp: string;

  beforeAll(async () => {
    const port = await freePort();
    mcp = `http://127.0.0.1:${port}/mcp`;
    idp = await startOidcProvider({ clients });
    const discovery = (await (await fetch(idp.configUrl)).json()) as Record<string, unknown>;
    expect(discovery.introspection_endpoint).toBeUndefined();
    expect(discovery.userinfo_endpoint).toBe(`${idp.issuer}/me`);
    // Userinfo says nothing about audience or scope: no audience configured, and the token's
    // scopes are unknown, so no required scope either.
    workspace = oauthWorkspace(1, () =>
      verifierConfig(idp.configUrl, undefined).replace(
        "required_scopes: ['mcp:tools']",
        'required_scopes: []',
      ),
    );
    worker = await startServe(workspace.projects[0], ['--port', String(port)], workspace.env);
  });

  afterAll(async () => {
    await worker?.stop();
    await idp?.close();
    workspace?.cleanup();
  });

  it("accepts an opaque token the userinfo endpoint honours, and SQL sees the user's profile", async () => {
    const { access_token } = await idp.authorizationCodeTokens(APP_CLIENT, 'ivan', {
      scope: 'openid profile email',
    });
    expect(isJwt(access_token)).toBe(false);
    expect((await initializeWith(mcp, access_token)).status).toBe(200);
    expect(await whoami(mcp, access_token)).toMatchObject({
      username: 'ivan',
      email: 'ivan@example.test',
      provider: 'oidc',
    });
  });

  it('refuses a token the userinfo endpoint rejects', async () => {
    expect((await initializeWith(mcp, 'not-a-token-the-provider-ever-issued')).status).toBe(401);
    // A real client_credentials token carries no user: the userinfo endpoint refuses it.
    expect((await initializeWith(mcp, await idp.clientCredentialsToken())).status).toBe(401);
  });
});
