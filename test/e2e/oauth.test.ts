// Issuer mode end to end, against a real OpenID provider started here (oidc-provider, with its
// own login and consent pages, driven programmatically): the SDK's MCP client registers itself,
// completes authorization code + PKCE, calls a tool whose SQL sees the user, refreshes, and is
// refused after revocation. Two worker processes share the key file and the ledger: tokens from
// one work on the other. Then the refusals: redirect-URI mismatch, PKCE mismatch, replayed code,
// tampered state, open redirects, tokens in the query string; and no secret in the logs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../support/mxcp.js';
import {
  freePort,
  loginThroughBrowserlessFlow,
  startOidcProvider,
  type TestOidcProvider,
} from '../support/oidc-provider.js';
import {
  authorizeUrl,
  exchangeCode,
  initializeWith,
  MemoryOAuthClient,
  oauthWorkspace,
  pkcePair,
  projectAuthConfig,
  registerClient,
  registeredClientId,
  tokenRequest,
  workerOidcSettings,
  workerProviderClient,
} from '../support/oauth-flow.js';

const UPSTREAM_SECRET = 'upstream-client-secret-value';
/** The MCP client's redirect URI: never served, the flow stops when it gets there. */
const CLIENT_REDIRECT = 'http://127.0.0.1:9/oauth/callback';

let idp: TestOidcProvider;
let workspace: ReturnType<typeof oauthWorkspace>;
let a: RunningServer;
let b: RunningServer;
let baseA: string;
let baseB: string;
const seenSecrets: string[] = [UPSTREAM_SECRET];

beforeAll(async () => {
  const [portA, portB] = [await freePort(), await freePort()];
  baseA = `http://127.0.0.1:${portA}`;
  baseB = `http://127.0.0.1:${portB}`;
  idp = await startOidcProvider({
    clients: [workerProviderClient(UPSTREAM_SECRET, [baseA, baseB])],
    accountClaims: { groups: ['finance'] },
  });
  workspace = oauthWorkspace(2, (root) =>
    projectAuthConfig({
      provider: 'oidc',
      clients: [
        {
          client_id: 'limited',
          name: 'A client with no scopes',
          redirect_uris: [CLIENT_REDIRECT],
          scopes: [],
        },
      ],
      authorization: { required_scopes: ['mcp:tools'] },
      persistence: { path: join(root, 'oauth.db') },
      oidc: {
        ...workerOidcSettings(idp.configUrl, UPSTREAM_SECRET),
        callback_path: '/oidc/callback',
        claim_mappings: { groups: { finance: ['reports:read'] } },
      },
    }),
  );
  seenSecrets.push(workspace.key);
  [a, b] = await Promise.all([
    startServe(workspace.projects[0], ['--port', String(portA)], workspace.env),
    startServe(workspace.projects[1], ['--port', String(portB)], workspace.env),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await idp?.close();
  workspace?.cleanup();
});

/** DCR + authorize + the provider's login and consent + the code exchange, all over plain HTTP. */
async function signIn(base: string, login = 'alice', scope?: string) {
  const clientId = await registeredClientId(base, CLIENT_REDIRECT);
  const { verifier, challenge } = pkcePair();
  const state = `state-${Math.random()}`;
  const landed = await loginThroughBrowserlessFlow(
    authorizeUrl(base, {
      clientId,
      redirectUri: CLIENT_REDIRECT,
      challenge,
      state,
      scope,
    }),
    login,
    CLIENT_REDIRECT,
  );
  expect(landed.searchParams.get('state')).toBe(state);
  const code = landed.searchParams.get('code')!;
  expect(code).toBeTruthy();
  return { clientId, code, verifier };
}

async function exchange(base: string, s: { clientId: string; code: string; verifier: string }) {
  const response = await exchangeCode(base, { ...s, redirectUri: CLIENT_REDIRECT });
  const body = (await response.json()) as Record<string, string>;
  if (body.access_token) seenSecrets.push(body.access_token, body.refresh_token, s.code);
  return { status: response.status, body };
}

async function sdkClient(mcpUrl: string, oauth: MemoryOAuthClient) {
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth }));
  return client;
}

const structured = (result: unknown) => (result as { structuredContent?: unknown }).structuredContent;

describe('issuer mode with a generic OIDC provider', () => {
  it('publishes authorization-server and protected-resource metadata', async () => {
    const as = (await (await fetch(`${baseA}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(as.issuer).toBe(`${baseA}/`);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.registration_endpoint).toBe(`${baseA}/register`);
    expect(as.revocation_endpoint).toBe(`${baseA}/revoke`);
    const prm = (await (await fetch(`${baseA}/.well-known/oauth-protected-resource`)).json()) as Record<
      string,
      unknown
    >;
    expect(prm).toMatchObject({
      resource: `${baseA}/mcp`,
      authorization_servers: [baseA],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
    });
  });

  it('answers 401 with the resource metadata URL when the token is missing or invalid', async () => {
    const missing = await initializeWith(a.url);
    expect(missing.status).toBe(401);
    const challenge = missing.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`resource_metadata="${baseA}/.well-known/oauth-protected-resource/mcp"`);
    const prm = await fetch(/resource_metadata="([^"]+)"/.exec(challenge)![1]);
    expect(((await prm.json()) as { resource: string }).resource).toBe(`${baseA}/mcp`);
    expect((await initializeWith(a.url, 'not-a-token')).status).toBe(401);
  });

  it('lets the SDK client register, sign in with PKCE, call a tool as the user, refresh, and be refused after revocation', async () => {
    const oauth = new MemoryOAuthClient(CLIENT_REDIRECT);
    const first = new Client({ name: 'oauth-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(a.url), { authProvider: oauth });
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(oauth.info?.client_id).toBeTruthy();
    const authUrl = oauth.lastAuthorizationUrl!;
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    const landed = await loginThroughBrowserlessFlow(authUrl.href, 'alice', CLIENT_REDIRECT);
    expect(landed.searchParams.get('state')).toBe(oauth.expectedState);
    await transport.finishAuth(landed.searchParams.get('code')!);
    const firstTokens = oauth.saved!;
    seenSecrets.push(firstTokens.access_token, firstTokens.refresh_token!);

    const client = await sdkClient(a.url, oauth);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(structured(who)).toEqual({
      username: 'alice',
      email: 'alice@example.test',
      provider: 'oidc',
      has_external_token: true,
    });
    // claim_mappings: groups=finance → reports:read, checked by the tool's CEL policy.
    const report = await client.callTool({ name: 'finance_report', arguments: {} });
    expect(report.isError).toBeFalsy();
    await client.close();

    // Refresh: the SDK refreshes on 401 when it holds a refresh token.
    oauth.saved = { ...firstTokens, access_token: 'expired-or-garbage' };
    const refreshed = await sdkClient(a.url, oauth);
    expect(oauth.saved.access_token).not.toBe(firstTokens.access_token);
    expect(oauth.saved.refresh_token).not.toBe(firstTokens.refresh_token);
    seenSecrets.push(oauth.saved.access_token, oauth.saved.refresh_token!);
    expect(structured(await refreshed.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({
      username: 'alice',
    });
    await refreshed.close();
    // The rotated refresh token is one-time.
    const reuse = await tokenRequest(baseA, {
      grant_type: 'refresh_token',
      client_id: oauth.info!.client_id,
      refresh_token: firstTokens.refresh_token!,
    });
    expect(reuse.status).toBe(400);

    // Revocation: on replica A, and replica B refuses too (the ledger is shared).
    const current = oauth.saved.access_token;
    const revoke = await fetch(`${baseA}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: oauth.saved.refresh_token!, client_id: oauth.info!.client_id }),
    });
    expect(revoke.status).toBe(200);
    expect((await initializeWith(a.url, current)).status).toBe(401);
    expect((await initializeWith(b.url, current)).status).toBe(401);
    const afterRevoke = await tokenRequest(baseB, {
      grant_type: 'refresh_token',
      client_id: oauth.info!.client_id,
      refresh_token: oauth.saved.refresh_token!,
    });
    expect(afterRevoke.status).toBe(400);
  });

  it('accepts tokens, codes and refresh tokens issued by the other replica', async () => {
    // Registered on A, authorized on A, code redeemed on B, refreshed on A, used on B.
    const signedIn = await signIn(baseA, 'bob');
    const tokens = await exchange(baseB, signedIn);
    expect(tokens.status).toBe(200);
    expect((await initializeWith(b.url, tokens.body.access_token)).status).toBe(200);
    const refreshed = await tokenRequest(baseA, {
      grant_type: 'refresh_token',
      client_id: signedIn.clientId,
      refresh_token: tokens.body.refresh_token,
    });
    const body = (await refreshed.json()) as { access_token: string; refresh_token: string };
    seenSecrets.push(body.access_token, body.refresh_token);
    expect(refreshed.status).toBe(200);
    const oauth = new MemoryOAuthClient(CLIENT_REDIRECT);
    oauth.info = { client_id: signedIn.clientId };
    oauth.saved = {
      access_token: body.access_token,
      refresh_token: body.refresh_token,
      token_type: 'Bearer',
    };
    const client = await sdkClient(b.url, oauth);
    expect(structured(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({
      username: 'bob',
    });
    await client.close();
  });

  it('answers 403 when the token lacks a required scope', async () => {
    // The pre-registered client "limited" may hold no scope, and /mcp requires mcp:tools.
    const { verifier, challenge } = pkcePair();
    const landed = await loginThroughBrowserlessFlow(
      authorizeUrl(baseA, { clientId: 'limited', redirectUri: CLIENT_REDIRECT, challenge, state: 's' }),
      'carol',
      CLIENT_REDIRECT,
    );
    const tokens = await exchange(baseA, {
      clientId: 'limited',
      code: landed.searchParams.get('code')!,
      verifier,
    });
    expect(tokens.status).toBe(200);
    const response = await initializeWith(a.url, tokens.body.access_token);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it('refuses a redirect URI that was not registered, without redirecting', async () => {
    const clientId = await registeredClientId(baseA, CLIENT_REDIRECT);
    const response = await fetch(
      authorizeUrl(baseA, {
        clientId,
        redirectUri: 'https://attacker.example/steal',
        challenge: pkcePair().challenge,
        state: 'x',
      }),
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('refuses to register script, data or plain-http redirect URIs (open redirects)', async () => {
    for (const uri of ['javascript:alert(1)', 'data:text/html,hi', 'http://attacker.example/cb']) {
      const response = await registerClient(baseA, [uri]);
      expect(response.status, uri).toBe(400);
    }
    // The callback never redirects on a state it did not seal.
    const forged = await fetch(`${baseA}/oidc/callback?error=access_denied&state=https://attacker.example`, {
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('refuses a wrong PKCE verifier, then a replayed code, and withdraws what the code produced', async () => {
    const signedIn = await signIn(baseA, 'dave');
    const wrong = await exchange(baseA, { ...signedIn, verifier: pkcePair().verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    const good = await exchange(baseA, signedIn);
    expect(good.status).toBe(200);
    expect((await initializeWith(a.url, good.body.access_token)).status).toBe(200);
    const replay = await exchange(baseB, signedIn);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await initializeWith(a.url, good.body.access_token)).status).toBe(401);
  });

  it('refuses a tampered state at the callback', async () => {
    const clientId = await registeredClientId(baseA, CLIENT_REDIRECT);
    const toIdp = await fetch(
      authorizeUrl(baseA, {
        clientId,
        redirectUri: CLIENT_REDIRECT,
        challenge: pkcePair().challenge,
        state: 'x',
      }),
      { redirect: 'manual' },
    );
    expect(toIdp.status).toBe(302);
    const upstream = new URL(toIdp.headers.get('location')!);
    expect(upstream.origin).toBe(idp.issuer);
    const state = upstream.searchParams.get('state')!;
    const flipped = state.slice(0, -6) + (state.at(-6) === 'A' ? 'B' : 'A') + state.slice(-5);
    const response = await fetch(
      `${baseA}/oidc/callback?code=anything&state=${encodeURIComponent(flipped)}`,
      {
        redirect: 'manual',
      },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses an access token in the query string', async () => {
    const tokens = await exchange(baseA, await signIn(baseA, 'erin'));
    expect((await initializeWith(a.url, undefined, `?access_token=${tokens.body.access_token}`)).status).toBe(
      400,
    );
    expect((await initializeWith(a.url, tokens.body.access_token)).status).toBe(200);
  });

  it('writes no token, code or secret to its logs, and audits calls with the user id', async () => {
    await Promise.all([a.stop(), b.stop()]);
    const logs = a.output() + b.output();
    for (const secret of seenSecrets.filter(Boolean))
      expect(logs.includes(secret), 'a secret in the logs').toBe(false);
    const auditDir = join(workspace.projects[0], 'audit');
    const records = readdirSync(auditDir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(auditDir, f), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { user_id: string | null; operation_name: string });
    expect(records.some((r) => r.operation_name === 'whoami' && r.user_id === 'alice')).toBe(true);
  });
});
