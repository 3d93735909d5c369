// Issuer mode with provider github, against a local stand-in that speaks GitHub's OAuth and REST
// wire formats (test/support/github-standin.ts): GitHub itself cannot be reached from CI. The
// user's email comes from /user/emails (the profile hides it), the username is the login, and
// the GitHub token reaches SQL as get_user_external_token().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../support/mxcp.js';
import { freePort } from '../support/oidc-provider.js';
import { GITHUB_USER, startGithubStandIn, type GithubStandIn } from '../support/github-standin.js';
import {
  authorizeUrl,
  exchangeCode,
  initializeWith,
  oauthWorkspace,
  pkcePair,
  projectAuthConfig,
  registeredClientId,
} from '../support/oauth-flow.js';

const CLIENT_REDIRECT = 'http://127.0.0.1:9/oauth/callback';
const GITHUB_SECRET = 'github-app-secret-value';
let github: GithubStandIn;
let workspace: ReturnType<typeof oauthWorkspace>;
let worker: RunningServer;
let base: string;

beforeAll(async () => {
  github = await startGithubStandIn({ id: 'Iv1.test', secret: GITHUB_SECRET });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  workspace = oauthWorkspace(1, (root) =>
    projectAuthConfig({
      provider: 'github',
      persistence: { path: `${root}/oauth.db` },
      github: {
        client_id: 'Iv1.test',
        client_secret: GITHUB_SECRET,
        scope: 'read:user user:email',
        callback_path: '/github/callback',
        auth_url: `${github.url}/login/oauth/authorize`,
        token_url: `${github.url}/login/oauth/access_token`,
      },
    }),
  );
  worker = await startServe(workspace.projects[0], ['--port', String(port)], {
    ...workspace.env,
    MXCP_GITHUB_API_URL: github.url,
  });
});

afterAll(async () => {
  await worker?.stop();
  await github?.close();
  workspace?.cleanup();
});

describe('issuer mode with GitHub (local stand-in)', () => {
  it('signs a user in through GitHub and gives SQL their login, primary email and GitHub token', async () => {
    const clientId = await registeredClientId(base, CLIENT_REDIRECT);
    const { verifier, challenge } = pkcePair();
    // /authorize → stand-in's authorize (approves at once) → worker's /github/callback → client.
    let url = authorizeUrl(base, {
      clientId,
      redirectUri: CLIENT_REDIRECT,
      challenge,
      state: 'gh-state',
    });
    const hops: string[] = [];
    while (!url.startsWith(CLIENT_REDIRECT)) {
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status, url).toBe(302);
      url = new URL(response.headers.get('location')!, url).href;
      hops.push(new URL(url).pathname);
    }
    expect(hops).toEqual(['/login/oauth/authorize', '/github/callback', '/oauth/callback']);
    const landed = new URL(url);
    expect(landed.searchParams.get('state')).toBe('gh-state');
    const tokens = (await (
      await exchangeCode(base, {
        clientId,
        code: landed.searchParams.get('code')!,
        verifier,
        redirectUri: CLIENT_REDIRECT,
      })
    ).json()) as { access_token: string };
    expect((await initializeWith(`${base}/mcp`, tokens.access_token)).status).toBe(200);

    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import(
      '@modelcontextprotocol/sdk/client/streamableHttp.js'
    );
    const client = new Client({ name: 'github-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${tokens.access_token}` } },
      }),
    );
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect((who as { structuredContent: unknown }).structuredContent).toEqual({
      username: GITHUB_USER.login,
      email: GITHUB_USER.email,
      provider: 'github',
      has_external_token: true,
    });
    await client.close();
    await worker.stop();
    const logs = worker.output();
    for (const secret of [GITHUB_SECRET, tokens.access_token, ...github.issuedTokens])
      expect(logs.includes(secret)).toBe(false);
  });
});
