// The MCP protocol surface of a project: one low-level SDK `Server` whose request
// handlers map tools/resources/prompts onto the `Engine` (MXCP-SPEC §13). Our
// schemas are plain JSON Schema, so we use `Server` + `setRequestHandler` rather
// than `McpServer` (which wants zod). Transports live in http.ts and stdio.ts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallerType, CallNotification, RequestContext, UserContext } from '../engine/context.js';
import type { Engine, ToolInfo } from '../engine/types.js';
import type { McpLogFanout } from './logging.js';
import { promptFailure, resourceFailure, resourceResult, toolFailure, toolResult } from './results.js';
import type { Activity } from './activity.js';
import { reportInvalidParams } from './invalid-params.js';

export const SERVER_NAME = 'MXCP Server';

/** The engine, or a getter for the current one (a reload swaps engines under live sessions). */
export type EngineRef = Engine | (() => Engine);

/** The part of a winston logger the server uses. */
export interface ServerLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface McpServerOptions {
  caller: Extract<CallerType, 'http' | 'stdio'>;
  /** Turns the verified bearer token (set by auth middleware) into the caller's user context. */
  resolveUser?: (authInfo: AuthInfo | undefined) => UserContext | null;
  /** Receives this session's `logging/setLevel` and forwards server log events to it. */
  logs?: McpLogFanout;
  logger?: ServerLogger;
  instructions?: string;
  /** Counts engine calls in progress, so shutdown can wait for them on every transport. */
  activity?: Activity;
}

type HandlerExtra = {
  sessionId?: string;
  authInfo?: AuthInfo;
  requestInfo?: { headers: Record<string, string | string[] | undefined> };
};

export function createMcpServer(engineRef: EngineRef, opts: McpServerOptions): Server {
  const engine = typeof engineRef === 'function' ? engineRef : () => engineRef;
  const server = new Server(
    { name: SERVER_NAME, version: packageVersion() },
    {
      capabilities: { tools: {}, resources: {}, prompts: {}, logging: {}, completions: {} },
      ...(opts.instructions ? { instructions: opts.instructions } : {}),
    },
  );
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    const end = opts.activity?.begin();
    try {
      return await work();
    } finally {
      end?.();
    }
  };
  const contextOf = (extra: HandlerExtra, notify?: RequestContext['notify']): RequestContext => {
    let headers: Record<string, string> | undefined;
    return {
      user: opts.resolveUser?.(extra.authInfo) ?? null,
      // Built on first use: only Python endpoints read them, and most calls are SQL.
      get headers() {
        return (headers ??= flattenHeaders(extra.requestInfo?.headers));
      },
      sessionId: extra.sessionId ?? null,
      caller: opts.caller,
      ...(notify ? { notify } : {}),
    };
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: engine().listTools().map(toMcpTool),
  }));

  // Server.setRequestHandler wraps tools/call to parse the request a second time and check the
  // result against CallToolResultSchema: two more zod parses per call. The Protocol's own
  // registration parses the request once; toolResult/toolFailure always build a CallToolResult
  // (the SDK client checks it in the tests).
  Protocol.prototype.setRequestHandler.call(server, CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args = {} } = request.params;
    // Python's mcp.info/progress reach this client as notifications tied to this request.
    const progressToken = request.params._meta?.progressToken;
    const notify = (n: CallNotification): void => {
      const sent =
        n.kind === 'log'
          ? extra.sendNotification({
              method: 'notifications/message',
              params: {
                level: n.level,
                logger: 'mxcp',
                data: n.extra ? { message: n.message, ...n.extra } : n.message,
              },
            })
          : progressToken !== undefined
            ? extra.sendNotification({
                method: 'notifications/progress',
                params: { progressToken, progress: n.progress, total: n.total, message: n.message },
              })
            : undefined;
      sent?.catch(() => undefined);
    };
    try {
      return toolResult(await counted(() => engine().callTool(name, args, contextOf(extra, notify))));
    } catch (error) {
      // A failing tool is a result, not a protocol error: the session keeps serving.
      // The error's type only: messages can echo parameter values (e.g. DuckDB constraint errors).
      opts.logger?.debug('tool call failed', {
        tool: name,
        errorType: error instanceof Error ? error.name : typeof error,
      });
      return toolFailure(name, error);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: engine()
      .listResources()
      .filter((r) => !r.isTemplate)
      .map((r) => ({
        uri: r.uri,
        name: r.name,
        mimeType: r.mimeType,
        ...(r.description ? { description: r.description } : {}),
      })),
  }));

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: engine()
      .listResources()
      .filter((r) => r.isTemplate)
      .map((r) => ({
        uriTemplate: r.uri,
        name: r.name,
        mimeType: r.mimeType,
        ...(r.description ? { description: r.description } : {}),
      })),
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    try {
      return resourceResult(await counted(() => engine().readResource(uri, contextOf(extra))));
    } catch (error) {
      throw resourceFailure(uri, error);
    }
  });

  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: engine()
      .listPrompts()
      .map((p) => ({
        name: p.name,
        ...(p.description ? { description: p.description } : {}),
        arguments: p.arguments.map((a) => ({
          name: a.name,
          required: a.required,
          ...(a.description ? { description: a.description } : {}),
        })),
      })),
  }));

  server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
    const { name, arguments: args = {} } = request.params;
    try {
      const result = await counted(() => engine().getPrompt(name, args, contextOf(extra)));
      return {
        ...(result.description ? { description: result.description } : {}),
        messages: result.messages,
      };
    } catch (error) {
      throw promptFailure(name, error);
    }
  });

  // completion/complete: suggestions from the argument's enum or examples.
  server.setRequestHandler(CompleteRequestSchema, async (request) => {
    const { ref, argument } = request.params;
    const target =
      ref.type === 'ref/prompt'
        ? { type: 'prompt' as const, name: ref.name }
        : { type: 'resource' as const, uri: ref.uri };
    const values = engine().complete(target, argument.name, argument.value);
    return { completion: { values, total: values.length, hasMore: false } };
  });

  // logging/setLevel: the SDK answers it already (capability declared); the fan-out
  // replaces that handler with one that also routes server log events to the session.
  opts.logs?.attach(server);
  reportInvalidParams(server);
  return server;
}

function toMcpTool(tool: ToolInfo): Tool {
  return {
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema as Tool['outputSchema'] } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}

/** Request headers with lower-cased names and repeated headers joined, as RequestContext wants them. */
function flattenHeaders(
  headers: Record<string, string | string[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

let cachedVersion: string | undefined;

/** Our package.json version; found by walking up so it works from source and from dist/. */
export function packageVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
      if (pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return (cachedVersion = '0.0.0');
    dir = parent;
  }
}
