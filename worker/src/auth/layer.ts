// The auth layer `mxcp serve` puts on its HTTP listener, from `auth` in the profile: OAuth routes
// and metadata (issuer mode), protected-resource metadata, bearer checks on the MCP routes (401
// with the metadata URL, 403 for missing scopes), and the user context each call runs as.
import { type Express, type Request, type RequestHandler } from 'express';
import { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AuthConfig, TransportConfig } from '../config/user-schema.js';
import type { UserContext } from '../engine/context.js';
import type { ServerLogger } from '../server/mcp.js';
import { claimMappingsFor, withClaimCapabilities } from './claim-mappings.js';
import { IssuerClients } from './clients.js';
import { IssuerProvider } from './issuer.js';
import { openLedger, type AuthLedger } from './ledger.js';
import { TokenSealer } from './sealer.js';
import { baseUrlOf, ledgerPath, loadAuthKeys, loadLifetimes } from './settings.js';
import { createUpstream } from './upstream/index.js';
import { createVerifier } from './verifier.js';

export const MCP_RESOURCE_PATH = '/mcp';
const PRM_PATH = '/.well-known/oauth-protected-resource';
/** Distinct public base URLs remembered (only trust_proxy or Host can make more than one). */
const MAX_BASES = 16;

export interface AuthLayer {
  mode: 'issuer' | 'verifier';
  configureApp(app: Express): void;
  mcpMiddleware: RequestHandler[];
  resolveUser(authInfo: AuthInfo | undefined): UserContext | null;
  close(): void;
}

export interface AuthLayerOptions {
  auth: AuthConfig | null | undefined;
  http: Pick<TransportConfig['http'], 'base_url' | 'trust_proxy' | 'scheme'>;
  logger?: ServerLogger;
  env?: NodeJS.ProcessEnv;
}

/** Null when the profile has no auth (`provider: none`): the MCP routes stay open. */
export async function createAuthLayer(opts: AuthLayerOptions): Promise<AuthLayer | null> {
  const { auth, logger } = opts;
  if (!auth || auth.provider === 'none') return null;
  const requiredScopes = auth.authorization?.required_scopes ?? [];
  const mappings = claimMappingsFor(auth);
  const baseOf = (req: Request) => baseUrlOf(req, opts.http);
  const resolveUser = (authInfo: AuthInfo | undefined): UserContext | null => {
    const user = (authInfo?.extra as { user?: UserContext } | undefined)?.user;
    return user ? withClaimCapabilities(user, mappings) : null;
  };

  let verifier: OAuthTokenVerifier;
  let authorizationServer: (base: string) => string;
  let mountIssuer: ((app: Express) => void) | undefined;
  let ledger: AuthLedger | undefined;

  if (auth.mode === 'verifier') {
    if (auth.provider !== 'oidc')
      throw new Error(`auth.mode verifier supports provider oidc only (got ${auth.provider})`);
    const v = await createVerifier(auth.oidc ?? {}, 'oidc');
    if (!auth.oidc?.audience) {
      // Without an audience, an opaque token's introspection cannot tell an access token for this
      // server from another client's token or a refresh token: say so at startup.
      logger?.warn(
        'OAuth verifier: auth.oidc.audience is not set, so tokens issued for other resources are accepted; set it to this server',
      );
    }
    verifier = v;
    authorizationServer = () => v.issuer;
  } else {
    const keys = loadAuthKeys(auth, opts.env);
    if (!keys.shared) {
      logger?.warn(
        'OAuth: no shared key (MXCP_AUTH_KEY_FILE or auth.persistence.auth_encryption_key): tokens are valid on this process only and die with it',
      );
    }
    const sealer = new TokenSealer(keys.keys);
    ledger = openLedgerOrMemory(ledgerPath(auth), logger);
    const upstream = await createUpstream(auth);
    const provider = new IssuerProvider({
      sealer,
      ledger,
      clients: new IssuerClients(sealer, auth.clients ?? [], requiredScopes),
      upstream,
      lifetimes: loadLifetimes(opts.env),
      baseUrlOf: baseOf,
      logger,
    });
    verifier = provider;
    authorizationServer = (base) => base;
    const routers = perBase((base) =>
      mcpAuthRouter({
        provider,
        issuerUrl: new URL(base),
        resourceServerUrl: new URL(`${base}${MCP_RESOURCE_PATH}`),
        ...(requiredScopes.length ? { scopesSupported: requiredScopes } : {}),
        resourceName: 'MXCP',
      }),
    );
    mountIssuer = (app) => {
      app.get(upstream.callbackPath, (req, res, next) => {
        provider.handleCallback(req, res).catch(next);
      });
      app.use((req, res, next) => routers(baseOf(req))(req, res, next));
    };
  }

  const bearer = perBase((base) =>
    requireBearerAuth({
      verifier,
      requiredScopes,
      resourceMetadataUrl: `${base}${PRM_PATH}${MCP_RESOURCE_PATH}`,
    }),
  );
  const metadata = (base: string) => ({
    resource: `${base}${MCP_RESOURCE_PATH}`,
    authorization_servers: [authorizationServer(base)],
    ...(requiredScopes.length ? { scopes_supported: requiredScopes } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'MXCP',
  });

  return {
    mode: auth.mode === 'verifier' ? 'verifier' : 'issuer',
    configureApp(app) {
      // Protected-resource metadata at both RFC 9728 places (root, as MXCP, and per resource path).
      const prm: RequestHandler = (req, res) => {
        res.set('Access-Control-Allow-Origin', '*').json(metadata(baseOf(req)));
      };
      app.get(PRM_PATH, prm);
      app.get(`${PRM_PATH}${MCP_RESOURCE_PATH}`, prm);
      mountIssuer?.(app);
    },
    mcpMiddleware: [rejectQueryTokens, (req, res, next) => bearer(baseOf(req))(req, res, next)],
    resolveUser,
    close: () => ledger?.close(),
  };
}

/** RFC 6750 §2.3 tokens in URLs end up in logs and Referer headers: refused outright. */
const rejectQueryTokens: RequestHandler = (req, res, next) => {
  if (new URL(req.url, 'http://x').searchParams.has('access_token')) {
    res
      .status(400)
      .set(
        'WWW-Authenticate',
        'Bearer error="invalid_request", error_description="Send the token in the Authorization header"',
      )
      .json({
        error: 'invalid_request',
        error_description: 'Access tokens in the query string are not accepted',
      });
    return;
  }
  next();
};

function perBase(build: (base: string) => RequestHandler): (base: string) => RequestHandler {
  const cache = new Map<string, RequestHandler>();
  return (base) => {
    let handler = cache.get(base);
    if (!handler) {
      if (cache.size >= MAX_BASES) cache.delete(cache.keys().next().value!);
      handler = build(base);
      cache.set(base, handler);
    }
    return handler;
  };
}

function openLedgerOrMemory(path: string, logger?: ServerLogger): AuthLedger {
  try {
    return openLedger(path);
  } catch (error) {
    logger?.warn('OAuth: cannot open the revocation ledger; revocations stay in this process', {
      path,
      error: error instanceof Error ? error.message : String(error),
    });
    return openLedger(null);
  }
}
