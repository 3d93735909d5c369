// OAuth clients of the issuer: the ones pre-registered in `auth.clients`, and the ones MCP clients
// register themselves (RFC 7591). A registered client's metadata is sealed into its client_id, so
// every replica knows every client without a shared table.
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { InvalidClientMetadataError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { OAuthClientConfig } from '../config/user-schema.js';
import { isLoopback } from './upstream/oidc.js';
import { SealError, type TokenSealer } from './sealer.js';

/** Schemes a browser must never be redirected to with a code in hand. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

export class IssuerClients implements OAuthRegisteredClientsStore {
  private readonly configured = new Map<string, OAuthClientInformationFull>();

  constructor(
    private readonly sealer: TokenSealer,
    clients: OAuthClientConfig[],
    /** Scopes a dynamically registered client may be granted. */
    private readonly supportedScopes: string[],
  ) {
    for (const c of clients) {
      this.configured.set(c.client_id, {
        client_id: c.client_id,
        client_name: c.name,
        redirect_uris: c.redirect_uris,
        grant_types: c.grant_types,
        response_types: ['code'],
        ...(c.scopes.length ? { scope: c.scopes.join(' ') } : {}),
        ...(c.client_secret
          ? { client_secret: c.client_secret, token_endpoint_auth_method: 'client_secret_post' }
          : { token_endpoint_auth_method: 'none' }),
      });
    }
  }

  async getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    const known = this.configured.get(clientId);
    if (known) return known;
    try {
      const {
        iat: _iat,
        exp: _exp,
        ...client
      } = await this.sealer.open<OAuthClientInformationFull>('client', clientId);
      return { ...client, client_id: clientId };
    } catch (error) {
      if (error instanceof SealError) return undefined;
      throw error;
    }
  }

  async registerClient(
    client: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>,
  ): Promise<OAuthClientInformationFull> {
    for (const uri of client.redirect_uris) checkRedirectUri(uri);
    const { client_id: _minted, ...metadata } = client as OAuthClientInformationFull;
    const clientId = await this.sealer.seal('client', metadata);
    return { ...metadata, client_id: clientId };
  }

  /** Scopes this client may hold: its configured `scopes`, or the server's supported scopes. */
  allowedScopes(client: OAuthClientInformationFull): string[] {
    if (this.configured.has(client.client_id)) return client.scope ? client.scope.split(' ') : [];
    return this.supportedScopes;
  }
}

/** OAuth 2.1 §2.3.1 / RFC 8252: https, loopback http, or a private-use scheme; nothing script-like. */
export function checkRedirectUri(uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidClientMetadataError(`redirect_uri is not a URL: ${uri}`);
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol))
    throw new InvalidClientMetadataError(`redirect_uri scheme ${url.protocol} is not allowed`);
  if (url.hash) throw new InvalidClientMetadataError('redirect_uri must not contain a fragment');
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new InvalidClientMetadataError('http redirect_uris are allowed only on loopback addresses');
  }
}
