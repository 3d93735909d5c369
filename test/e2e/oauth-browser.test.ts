// The OAuth login once in a real browser: headless Debian Chromium (driven by playwright-core)
// goes from the worker's /authorize to the OpenID provider's own login and consent pages, a
// person's clicks sign in, and the browser lands on the MCP client's redirect URI with a code the
// client then exchanges for a token that works on /mcp. `make test` installs chromium when missing.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../support/mxcp.js';
import { freePort, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import {
  authorizeUrl,
  exchangeCode,
  initializeWith,
  oauthWorkspace,
  pkcePair,
  projectAuthConfig,
  registeredClientId,
  workerOidcSettings,
  workerProviderClient,
} from '../support/oauth-flow.js';

const CHROMIUM = '/usr/bin/chromium';
const UPSTREAM_SECRET = 'browser-upstream-secret';
let idp: TestOidcProvider;
let workspace: ReturnType<typeof oauthWorkspace>;
let worker: RunningServer;
let browser: Browser;
let base: string;
let clientRedirect: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run "make browser" (installs Debian's chromium)`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  clientRedirect = `http://127.0.0.1:${await freePort()}/oauth/callback`;
  idp = await startOidcProvider({ clients: [workerProviderClient(UPSTREAM_SECRET, [base])] });
  workspace = oauthWorkspace(1, (root) =>
    projectAuthConfig({
      provider: 'oidc',
      persistence: { path: `${root}/oauth.db` },
      oidc: workerOidcSettings(idp.configUrl, UPSTREAM_SECRET),
    }),
  );
  worker = await startServe(workspace.projects[0], ['--port', String(port)], workspace.env);
  // Playwright gives the browser a fresh, empty profile of its own (its --user-data-dir).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await idp?.close();
  workspace?.cleanup();
});

describe('OAuth login in a real browser', () => {
  it('signs in on the provider login and consent pages and lands on the client with a working code', async () => {
    const clientId = await registeredClientId(base, clientRedirect);
    const { verifier, challenge } = pkcePair();
    const page = await browser.newPage();
    // The provider's pages import a web font: this machine has no network, so answer it empty.
    await page.route(/fonts\.googleapis\.com/, (route) => route.fulfill({ status: 200, body: '' }));
    let landed: URL | undefined;
    await page.route(`${clientRedirect}**`, async (route) => {
      landed = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>signed in</p>' });
    });
    await page.goto(
      authorizeUrl(base, {
        clientId,
        redirectUri: clientRedirect,
        challenge,
        state: 'browser-state',
      }),
    );
    expect(new URL(page.url()).origin).toBe(idp.issuer);
    await page.fill('input[name="login"]', 'grace');
    await page.fill('input[name="password"]', 'any password');
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=signed in');
    await page.close();

    expect(landed?.searchParams.get('state')).toBe('browser-state');
    const response = await exchangeCode(base, {
      clientId,
      code: landed!.searchParams.get('code')!,
      verifier,
      redirectUri: clientRedirect,
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    expect((await initializeWith(`${base}/mcp`, access_token)).status).toBe(200);
  });
});
