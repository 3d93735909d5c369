// Request params that fail the SDK's schema (a number for `params.name`, a string for
// `params.arguments`, …) are the caller's mistake: JSON-RPC -32602 "Invalid params". The SDK
// parses params in the wrapper it puts around each handler and lets the ZodError escape, which
// carries no numeric code, so it goes out as -32603 "Internal error" with a zod dump. This
// re-wraps the registered handlers (after every handler is set) to report it as -32602 with a
// short list of the offending fields.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcError } from './results.js';

type RequestHandler = (request: unknown, extra: unknown) => Promise<unknown>;

interface SchemaIssue {
  path?: PropertyKey[];
  message?: string;
}

export function reportInvalidParams(server: Server): void {
  // The SDK keeps handlers in a private map; there is no public way to wrap them.
  const handlers = (server as unknown as { _requestHandlers?: Map<string, RequestHandler> })._requestHandlers;
  if (!(handlers instanceof Map)) return;
  for (const [method, handler] of handlers) {
    handlers.set(method, async (request, extra) => {
      try {
        return await handler(request, extra);
      } catch (error) {
        const issues = schemaIssues(error);
        if (!issues) throw error;
        const detail = issues
          .slice(0, 5)
          .map((i) => `${(i.path ?? []).map(String).join('.') || '(root)'}: ${i.message ?? 'invalid'}`)
          .join('; ');
        throw new JsonRpcError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${detail}`);
      }
    });
  }
}

/** The issues of a zod validation error (v3 `ZodError`, v4 mini `$ZodError`), or undefined for any other error. */
function schemaIssues(error: unknown): SchemaIssue[] | undefined {
  if (!(error instanceof Error) || !/^\$?ZodError$/.test(error.name)) return undefined;
  const issues = (error as { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as SchemaIssue[]) : undefined;
}
