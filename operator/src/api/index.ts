// Public surface of the MxcpProject API: the schema (one source for the CRD
// and the types), conditions, and the generated CRD and reference page.
export * from './mxcpproject.js';
export * from './conditions.js';
export {
  buildCrd,
  openApiSchema,
  renderCrdYaml,
  toStructural,
  CRD_FILE,
  CRD_NAME,
  PRINTER_COLUMNS,
} from './crd.js';
export type { JsonSchema } from './crd.js';
export { renderCrdMarkdown } from './crd-docs.js';
export { MapOf, OpaqueObject, Quantity, StringEnum } from './openapi.js';
export type { CelRule, KubeOptions } from './openapi.js';
