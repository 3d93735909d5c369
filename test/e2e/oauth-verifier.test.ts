// Verifier mode against a real OpenID provider (oidc-provider): the worker runs no login flow and
// checks bearer JWTs itself through the provider's JWKS. A token the provider really issued for
// the worker's /mcp is accepted (the user reaches SQL); tokens with the wrong audience, a foreign
// issuer, an expired one, a tampered one, or one missing the required scope are refused.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../support/mxcp.js';
import { freePort, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { initializeWith, oauthWorkspace } from '../support/oauth-flow.js';

let idp: TestOidcProvider;
let workspace: ReturnType<typeof oauthWorkspace>;
let worker: RunningServer;
let mcp: string;

beforeAll(async () => {
  const port = await freePort();
  mcp = `http://127.0.0.1:${port}/mcp`;
  idp = await startOidcProvider({ clients: [], resources: [mcp, 'http://127.0.0.1:1/other-api'] });
  workspace = oauthWorkspace(
    1,
    () => `mxcp: 1
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
            config_url: ${idp.configUrl}
            client_id: mxcp-worker
            client_secret: unused-in-verifier-mode
            scope: openid
            audience: ${mcp}
`,
  );
  worker = await startServe(workspace.projects[0], ['--port', String(port)], workspace.env);
});

afterAll(async () => {
  await worker?.stop();
  await idp?.close();
  workspace?.cleanup();
});

const valid = (overrides: Record<string, unknown> = {}) => ({
  iss: idp.issuer,
  aud: mcp,
  sub: 'frank',
  preferred_username: 'frank',
  email: 'frank@example.test',
  scope: 'mcp:tools',
  client_id: 'm2m',
  ...overrides,
});

describe('verifier mode', () => {
  it('accepts a JWT the provider issued for this resource, and SQL sees its subject', async () => {
    const token = await idp.clientCredentialsToken(mcp);
    expect((await initializeWith(mcp, token)).status).toBe(200);
    const client = new Client({ name: 'verifier-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcp), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect((who as { structuredContent: unknown }).structuredContent).toMatchObject({
      username: 'm2m',
      provider: 'oidc',
    });
    await client.close();
  });

  it('accepts a well-formed token signed by the provider key with the right issuer and audience', async () => {
    expect((await initializeWith(mcp, await idp.sign(valid(), { expiresIn: '5m' }))).status).toBe(200);
  });

  it('refuses a token for another audience', async () => {
    expect(
      (await initializeWith(mcp, await idp.clientCredentialsToken('http://127.0.0.1:1/other-api'))).status,
    ).toBe(401);
    expect(
      (await initializeWith(mcp, await idp.sign(valid({ aud: 'http://elsewhere/mcp' }), { expiresIn: '5m' })))
        .status,
    ).toBe(401);
  });

  it('refuses a token from another issuer', async () => {
    expect(
      (await initializeWith(mcp, await idp.sign(valid({ iss: 'http://127.0.0.1:1' }), { expiresIn: '5m' })))
        .status,
    ).toBe(401);
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 600;
    expect((await initializeWith(mcp, await idp.sign(valid(), { expiresIn: past }))).status).toBe(401);
  });

  it('refuses a tampered token', async () => {
    const token = await idp.clientCredentialsToken(mcp);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    expect((await initializeWith(mcp, `${header}.${forged}.${signature}`)).status).toBe(401);
  });

  it('answers 403 for a valid token without the required scope, and 401 without a token', async () => {
    const response = await initializeWith(
      mcp,
      await idp.sign(valid({ scope: 'openid' }), { expiresIn: '5m' }),
    );
    expect(response.status).toBe(403);
    const missing = await initializeWith(mcp);
    expect(missing.status).toBe(401);
    const prmUrl = /resource_metadata="([^"]+)"/.exec(missing.headers.get('www-authenticate') ?? '')![1];
    const prm = (await (await fetch(prmUrl)).json()) as { authorization_servers: string[]; resource: string };
    expect(prm).toMatchObject({ resource: mcp, authorization_servers: [idp.issuer] });
  });
});
