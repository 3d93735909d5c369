// The MXCP type system (MXCP-SPEC §4.4, §4.5, §13): JSON Schemas for MCP,
// input coercion, result reshaping and output validation. Pure; compile once
// per endpoint, run per request.
export { ValidationError } from './errors.js';
export {
  typeToJsonSchema,
  inputSchemaFor,
  outputSchemaFor,
  structuredContentFor,
  type JsonSchema,
} from './json-schema.js';
export { compileConverter, type Converter } from './coerce.js';
export { compileParameters, type ParameterValidator } from './parameters.js';
export { reshapeResult, compileOutputValidator, type OutputValidator } from './result.js';
export {
  REDACTED,
  hasSensitive,
  compileSensitiveFilter,
  compileSensitiveMask,
  compileParameterMask,
} from './sensitive.js';
