// What the serving layer and the CLI see of a compiled project. The engine
// (worker/src/engine) implements this; server/ and cli/ only use it.
import type { ToolAnnotations, EndpointKind } from '../endpoints/schema.js';
import type { RequestContext } from './context.js';

export type JsonSchema = Record<string, unknown>;

export interface ToolInfo {
  name: string;
  description?: string;
  /** JSON Schema 2020-12 of the arguments (`type: object`). */
  inputSchema: JsonSchema;
  /** Present when the tool declares `return:`; non-object returns are wrapped as `{result: …}`. */
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  title?: string;
}

export interface ResourceInfo {
  /** The URI, or the URI template when `isTemplate`. */
  uri: string;
  name: string;
  description?: string;
  mimeType: string;
  isTemplate: boolean;
}

export interface PromptArgumentInfo {
  name: string;
  description?: string;
  required: boolean;
}

export interface PromptInfo {
  name: string;
  description?: string;
  arguments: PromptArgumentInfo[];
}

/** A tool's result as MCP wants it: the value, plus structured content when `return:` is declared. */
export interface ToolCallResult {
  value: unknown;
  /** `structuredContent`: the object itself, or `{result: value}` for arrays and scalars. */
  structuredContent?: Record<string, unknown>;
}

export interface ResourceReadResult {
  uri: string;
  mimeType: string;
  text: string;
}

export interface PromptMessageOut {
  role: 'user' | 'assistant';
  content: { type: 'text'; text: string };
}

export interface PromptGetResult {
  description?: string;
  messages: PromptMessageOut[];
}

/**
 * A failure of one call, with MXCP's message (e.g. "Error validating parameter 'x': …",
 * "Failed to execute SQL: …", "Output validation failed: …"). The server turns it into
 * `isError: true` for tools and a JSON-RPC error for resources and prompts.
 */
export class EndpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EndpointError';
  }
}

/** Unknown tool/resource/prompt name or URI. */
export class EndpointNotFoundError extends EndpointError {
  constructor(kind: EndpointKind, name: string) {
    super(`Unknown ${kind}: ${name}`);
    this.name = 'EndpointNotFoundError';
  }
}

export interface RunOptions {
  skipOutputValidation?: boolean;
}

/** What `completion/complete` asks about: a prompt argument or a resource template placeholder. */
export type CompletionRef = { type: 'prompt'; name: string } | { type: 'resource'; uri: string };

export interface Engine {
  listTools(): ToolInfo[];
  listResources(): ResourceInfo[];
  listPrompts(): PromptInfo[];
  callTool(name: string, args: Record<string, unknown>, ctx: RequestContext): Promise<ToolCallResult>;
  readResource(uri: string, ctx: RequestContext): Promise<ResourceReadResult>;
  getPrompt(name: string, args: Record<string, unknown>, ctx: RequestContext): Promise<PromptGetResult>;
  /** Suggested values for an argument (its `enum`, else its `examples`) that start with `value`. */
  complete(ref: CompletionRef, argument: string, value: string): string[];
  /**
   * Run one endpoint the way `mxcp run` and `mxcp test` do and return the plain result
   * (for prompts: the rendered `{prompt, role, type}` list). Resources are named by URI template.
   */
  run(
    kind: EndpointKind,
    name: string,
    args: Record<string, unknown>,
    ctx: RequestContext,
    options?: RunOptions,
  ): Promise<unknown>;
  close(): Promise<void>;
}
