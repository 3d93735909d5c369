// Public surface of endpoint loading: discovery with all static checks, the
// loaded-endpoint types, and the endpoint schema (the MXCP definition types).
export { discoverEndpoints } from './discover.js';
export { loadEndpointFile, ENDPOINT_KINDS } from './load-file.js';
export type { FileOutcome } from './load-file.js';
export type { DiscoveryResult, EndpointFailure, EndpointSource, LoadedEndpoint } from './loaded.js';
export {
  placeholders as uriPlaceholders,
  compileUriTemplate,
  isTemplate,
  type UriMatcher,
} from './uri-template.js';
export { templateVariables, TemplateSyntaxError } from './prompt-variables.js';
export * from './schema.js';
