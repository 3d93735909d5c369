// A local stand-in for GitHub's OAuth app endpoints and REST API, speaking their wire formats:
// GET /login/oauth/authorize (the user "approves" at once), POST /login/oauth/access_token (form
// in, JSON out with Accept: application/json; errors as 200 + {error}), GET /user (email null, as
// for a user with a private email) and GET /user/emails. GitHub itself cannot be reached from CI.
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';

export interface GithubStandIn {
  url: string;
  /** Access tokens handed out, to check they never reach the logs. */
  issuedTokens: string[];
  close(): Promise<void>;
}

export const GITHUB_USER = {
  login: 'octocat',
  id: 583231,
  name: 'The Octocat',
  email: 'octocat@users.example',
};

export async function startGithubStandIn(client: { id: string; secret: string }): Promise<GithubStandIn> {
  const codes = new Map<string, { redirectUri: string; challenge?: string }>();
  const tokens = new Set<string>();
  const app = express();
  app.get('/login/oauth/authorize', (req, res) => {
    const q = req.query as Record<string, string>;
    if (q.client_id !== client.id) return void res.status(404).send('unknown client');
    const code = randomBytes(10).toString('hex');
    codes.set(code, { redirectUri: q.redirect_uri, challenge: q.code_challenge });
    const back = new URL(q.redirect_uri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state);
    res.redirect(302, back.href);
  });
  app.post('/login/oauth/access_token', express.urlencoded({ extended: false }), (req, res) => {
    const body = req.body as Record<string, string>;
    const grant = codes.get(body.code);
    codes.delete(body.code);
    const verifierOk =
      !grant?.challenge ||
      createHash('sha256')
        .update(body.code_verifier ?? '')
        .digest('base64url') === grant.challenge;
    if (body.client_id !== client.id || body.client_secret !== client.secret) {
      return void res.json({ error: 'incorrect_client_credentials' });
    }
    if (!grant || grant.redirectUri !== body.redirect_uri || !verifierOk) {
      return void res.json({
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      });
    }
    const token = `gho_${randomBytes(18).toString('hex')}`;
    tokens.add(token);
    res.json({ access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
  });
  const authed: express.RequestHandler = (req, res, next) => {
    const token = req.header('authorization')?.replace(/^(Bearer|token) /, '');
    if (!token || !tokens.has(token)) return void res.status(401).json({ message: 'Bad credentials' });
    next();
  };
  app.get('/user', authed, (_req, res) => {
    res.json({
      login: GITHUB_USER.login,
      id: GITHUB_USER.id,
      name: GITHUB_USER.name,
      email: null,
      avatar_url: 'https://avatars.example/u/583231',
    });
  });
  app.get('/user/emails', authed, (_req, res) => {
    res.json([
      { email: 'old@users.example', primary: false, verified: true, visibility: null },
      { email: GITHUB_USER.email, primary: true, verified: true, visibility: 'private' },
    ]);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get issuedTokens() {
      return [...tokens];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
