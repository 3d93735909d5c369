// OAuth for the worker (MXCP-SPEC §7): issuer mode, verifier mode, sealed cross-replica tokens.
export { createAuthLayer, MCP_RESOURCE_PATH, type AuthLayer, type AuthLayerOptions } from './layer.js';
export { AUTH_ENV, baseUrlOf, loadAuthKeys, loadLifetimes } from './settings.js';
export { TokenSealer, SealError, type SealedKind } from './sealer.js';
export { openLedger, type AuthLedger } from './ledger.js';
export { DEFAULT_LIFETIMES, type TokenLifetimes } from './session.js';
export { GITHUB_API_ENV } from './upstream/index.js';
export { claimMappingsFor, capabilitiesFromClaims, withClaimCapabilities } from './claim-mappings.js';
