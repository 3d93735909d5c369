// Capabilities from claim_mappings: claim lookup by exact key or dotted path,
// list / space-separated / scalar / boolean claim values, and the provider's
// block chosen from the profile's auth config.
import { describe, expect, it } from 'vitest';
import type { AuthConfig } from '../config/user-schema.js';
import { capabilitiesFromClaims, claimMappingsFor, withClaimCapabilities } from './claim-mappings.js';

describe('capabilitiesFromClaims', () => {
  const mappings = {
    'https://example.com/roles': { admin: ['users:write', 'users:read'], viewer: ['users:read'] },
    'realm_access.roles': { auditor: ['audit:read'] },
    scope: { 'reports.read': ['reports:read'], 'reports.write': ['reports:write'] },
    email_verified: { true: ['verified'] },
    tier: { '2': ['tier:gold'] },
  };

  it('maps list claims under an exact URI key, each capability once, in mapping order', () => {
    const profile = { 'https://example.com/roles': ['viewer', 'admin'] };
    expect(capabilitiesFromClaims(mappings, profile)).toEqual(['users:read', 'users:write']);
  });

  it('follows dotted paths into nested claims', () => {
    expect(capabilitiesFromClaims(mappings, { realm_access: { roles: ['auditor', 'other'] } })).toEqual([
      'audit:read',
    ]);
  });

  it('splits space-separated strings such as scope', () => {
    expect(capabilitiesFromClaims(mappings, { scope: 'openid reports.read reports.write' })).toEqual([
      'reports:read',
      'reports:write',
    ]);
  });

  it('turns booleans and numbers into their string form', () => {
    expect(capabilitiesFromClaims(mappings, { email_verified: true, tier: 2 })).toEqual([
      'verified',
      'tier:gold',
    ]);
    expect(capabilitiesFromClaims(mappings, { email_verified: false })).toEqual([]);
  });

  it('grants nothing for missing claims, unmapped values or no mappings', () => {
    expect(capabilitiesFromClaims(mappings, { realm_access: 'flat' })).toEqual([]);
    expect(capabilitiesFromClaims(mappings, { 'https://example.com/roles': ['nobody'] })).toEqual([]);
    expect(capabilitiesFromClaims(undefined, { scope: 'reports.read' })).toEqual([]);
    expect(
      capabilitiesFromClaims(mappings, { 'https://example.com/roles': ['constructor', 'toString'] }),
    ).toEqual([]);
  });
});

describe('claimMappingsFor and withClaimCapabilities', () => {
  const auth = {
    mode: 'issuer',
    provider: 'oidc',
    oidc: { claim_mappings: { groups: { eng: ['deploy'] } } },
    github: { claim_mappings: { login: { ada: ['github-only'] } } },
  } as AuthConfig;

  it('uses the active provider block only', () => {
    expect(claimMappingsFor(auth)).toEqual({ groups: { eng: ['deploy'] } });
    expect(claimMappingsFor({ ...auth, provider: 'none' })).toBeUndefined();
    expect(claimMappingsFor(undefined)).toBeUndefined();
  });

  it('adds mapped capabilities to those the user already has', () => {
    const user = { raw_profile: { groups: ['eng'] }, capabilities: ['existing', 'deploy'] };
    expect(withClaimCapabilities(user, claimMappingsFor(auth)).capabilities).toEqual(['existing', 'deploy']);
    const plain = { raw_profile: { groups: ['eng'] }, capabilities: ['existing'] };
    expect(withClaimCapabilities(plain, claimMappingsFor(auth)).capabilities).toEqual(['existing', 'deploy']);
    expect(plain.capabilities).toEqual(['existing']);
  });
});
