// The upstream provider named by `auth.provider`, built from its config block.
import type { AuthConfig } from '../../config/user-schema.js';
import { createOAuth2Upstream, type OAuth2ProviderName } from './oauth2.js';
import { createOidcUpstream } from './oidc.js';
import { UpstreamError, type UpstreamProvider } from './types.js';

export type { UpstreamProvider, UpstreamTokens, UpstreamUser } from './types.js';
export { UpstreamError } from './types.js';
export { GITHUB_API_ENV } from './oauth2.js';

export async function createUpstream(auth: AuthConfig): Promise<UpstreamProvider> {
  const provider = auth.provider as 'none' | 'oidc' | 'keycloak' | OAuth2ProviderName;
  if (provider === 'none') throw new UpstreamError('auth.provider is none');
  const block = auth[provider];
  if (!block) throw new UpstreamError(`auth.provider is ${provider} but auth.${provider} is missing`);
  switch (provider) {
    case 'oidc':
      if (!block.config_url) throw new UpstreamError('auth.oidc.config_url is required');
      return createOidcUpstream({
        name: 'oidc',
        configUrl: block.config_url,
        block,
        defaultCallbackPath: '/oidc/callback',
      });
    case 'keycloak': {
      if (!block.server_url || !block.realm)
        throw new UpstreamError('auth.keycloak needs server_url and realm');
      const configUrl = `${block.server_url.replace(/\/$/, '')}/realms/${encodeURIComponent(block.realm)}/.well-known/openid-configuration`;
      return createOidcUpstream({
        name: 'keycloak',
        configUrl,
        block: { ...block, scope: block.scope || 'openid profile email' },
        defaultCallbackPath: '/keycloak/callback',
      });
    }
    case 'github':
    case 'google':
    case 'atlassian':
    case 'salesforce':
      return createOAuth2Upstream(provider, block);
    default:
      throw new UpstreamError(`Unknown auth.provider ${String(provider)}`);
  }
}
