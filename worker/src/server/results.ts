// How engine results and failures become MCP wire shapes (MXCP-SPEC §13 "Result
// shaping", "Error shapes"). Tools answer with ONE text block for the whole value
// (not one block per row, DESIGN §5) plus `structuredContent` when declared;
// resources and prompts fail as JSON-RPC errors with FastMCP's message prefixes.
import { ErrorCode, type CallToolResult, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { EndpointNotFoundError, type ResourceReadResult, type ToolCallResult } from '../engine/types.js';

/** MCP's "resource not found" JSON-RPC code (not in the SDK's ErrorCode enum). */
export const RESOURCE_NOT_FOUND = -32002;

/** The text MCP clients see for a value: the raw string, or JSON with indent 2. */
export function valueToText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value === undefined ? null : value, jsonSafe, 2);
}

// The engine converts DuckDB values already; a stray BigInt must still not crash serialisation.
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function toolResult(result: ToolCallResult): CallToolResult {
  const out: CallToolResult = { content: [{ type: 'text', text: valueToText(result.value) }] };
  if (result.structuredContent !== undefined) out.structuredContent = result.structuredContent;
  return out;
}

export function toolFailure(name: string, error: unknown): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `Error executing tool ${name}: ${errorMessage(error)}` }],
  };
}

export function resourceResult(result: ResourceReadResult): ReadResourceResult {
  return { contents: [{ uri: result.uri, mimeType: result.mimeType, text: result.text }] };
}

/**
 * A JSON-RPC error to throw from a request handler. The SDK sends `error.code` and
 * `error.message` as they are; an McpError would prefix "MCP error -32603:" twice.
 */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }
}

export function resourceFailure(uri: string, error: unknown): JsonRpcError {
  const code = error instanceof EndpointNotFoundError ? RESOURCE_NOT_FOUND : ErrorCode.InternalError;
  return new JsonRpcError(code, `Error reading resource ${uri}: ${errorMessage(error)}`);
}

export function promptFailure(name: string, error: unknown): JsonRpcError {
  const code = error instanceof EndpointNotFoundError ? ErrorCode.InvalidParams : ErrorCode.InternalError;
  return new JsonRpcError(code, `Error rendering prompt ${name}: ${errorMessage(error)}`);
}
