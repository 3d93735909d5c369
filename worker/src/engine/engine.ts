// The compiled project behind the Engine interface: lookups by name and URI,
// and the MCP-facing shapes of results (structured content, resource text,
// prompt messages). Holds no file handles besides the database.
import type { Database } from '../db/index.js';
import type { EndpointKind } from '../endpoints/schema.js';
import { structuredContentFor } from '../types/index.js';
import type { BuiltinTool } from './builtin-tools.js';
import type { CompiledEndpoint, CompiledPromptEndpoint, CompiledResource, CompiledTool } from './compile.js';
import type { RequestContext } from './context.js';
import { asEndpointError, executePrompt, executeSqlEndpoint } from './execute.js';
import { toMcpMessages } from './prompts.js';
import { executePythonEndpoint } from './python/execute.js';
import type { PythonRuntime } from './python/runtime.js';
import {
  EndpointNotFoundError,
  type Engine,
  type CompletionRef,
  type PromptGetResult,
  type PromptInfo,
  type ResourceInfo,
  type ResourceReadResult,
  type RunOptions,
  type ToolCallResult,
  type ToolInfo,
} from './types.js';

export class ProjectEngine implements Engine {
  private readonly tools = new Map<string, CompiledTool>();
  private readonly builtins = new Map<string, BuiltinTool>();
  private readonly resources: CompiledResource[] = [];
  private readonly prompts = new Map<string, CompiledPromptEndpoint>();
  private readonly toolInfos: ToolInfo[];
  private readonly resourceInfos: ResourceInfo[];
  private readonly promptInfos: PromptInfo[];

  constructor(
    readonly db: Database,
    endpoints: CompiledEndpoint[],
    builtins: BuiltinTool[] = [],
    /** The project's Python host, when it has Python endpoints or plugins; closed with the engine. */
    readonly python?: PythonRuntime,
  ) {
    for (const endpoint of endpoints) {
      if (endpoint.kind === 'tool') this.tools.set(endpoint.name, endpoint);
      else if (endpoint.kind === 'resource') this.resources.push(endpoint);
      else this.prompts.set(endpoint.name, endpoint);
    }
    for (const tool of builtins) this.builtins.set(tool.info.name, tool);
    this.toolInfos = [...[...this.tools.values()].map(toolInfo), ...builtins.map((b) => b.info)];
    this.resourceInfos = this.resources.map(resourceInfo);
    this.promptInfos = [...this.prompts.values()].map(promptInfo);
  }

  get counts(): { tools: number; resources: number; prompts: number } {
    return {
      tools: this.toolInfos.length,
      resources: this.resourceInfos.length,
      prompts: this.promptInfos.length,
    };
  }

  listTools(): ToolInfo[] {
    return this.toolInfos;
  }

  listResources(): ResourceInfo[] {
    return this.resourceInfos;
  }

  listPrompts(): PromptInfo[] {
    return this.promptInfos;
  }

  async callTool(name: string, args: Record<string, unknown>, ctx: RequestContext): Promise<ToolCallResult> {
    const builtin = this.builtins.get(name);
    if (builtin) {
      try {
        const value = await builtin.call(args ?? {}, ctx);
        return { value, structuredContent: { result: value } };
      } catch (error) {
        throw asEndpointError(error);
      }
    }
    const tool = this.tools.get(name);
    if (!tool) throw new EndpointNotFoundError('tool', name);
    const value = await this.execute(tool, args ?? {}, ctx);
    return {
      value,
      structuredContent: tool.returnType ? structuredContentFor(value, tool.returnType) : undefined,
    };
  }

  async readResource(uri: string, ctx: RequestContext): Promise<ResourceReadResult> {
    for (const resource of this.resources) {
      const params = resource.matcher.match(uri);
      if (!params) continue;
      const value = await this.execute(resource, params, ctx);
      return {
        uri,
        mimeType: resource.mimeType,
        text: typeof value === 'string' ? value : JSON.stringify(value, null, 2),
      };
    }
    throw new EndpointNotFoundError('resource', uri);
  }

  async getPrompt(
    name: string,
    args: Record<string, unknown>,
    ctx: RequestContext,
  ): Promise<PromptGetResult> {
    const prompt = this.prompts.get(name);
    if (!prompt) throw new EndpointNotFoundError('prompt', name);
    const rendered = await executePrompt(prompt, args ?? {}, ctx);
    return { description: prompt.definition.description, messages: toMcpMessages(rendered) };
  }

  complete(ref: CompletionRef, argument: string, value: string): string[] {
    const endpoint =
      ref.type === 'prompt' ? this.prompts.get(ref.name) : this.resources.find((r) => r.uri === ref.uri);
    const parameter = endpoint?.parameters.find((p) => p.name === argument);
    if (!parameter) return [];
    const candidates = (parameter.enum ?? parameter.examples ?? []).map(String);
    const prefix = value.toLowerCase();
    return [...new Set(candidates)].filter((c) => c.toLowerCase().startsWith(prefix)).slice(0, 100);
  }

  async run(
    kind: EndpointKind,
    name: string,
    args: Record<string, unknown>,
    ctx: RequestContext,
    options: RunOptions = {},
  ): Promise<unknown> {
    if (kind === 'tool') {
      const builtin = this.builtins.get(name);
      if (builtin)
        return builtin.call(args, ctx).catch((error: unknown) => Promise.reject(asEndpointError(error)));
      const tool = this.tools.get(name);
      if (!tool) throw new EndpointNotFoundError('tool', name);
      return this.execute(tool, args, ctx, options);
    }
    if (kind === 'resource') {
      const resource = this.resources.find((r) => r.uri === name);
      if (!resource) throw new EndpointNotFoundError('resource', name);
      return this.execute(resource, args, ctx, options);
    }
    const prompt = this.prompts.get(name);
    if (!prompt) throw new EndpointNotFoundError('prompt', name);
    return executePrompt(prompt, args, ctx);
  }

  async close(): Promise<void> {
    // Python first: its on_shutdown hooks may still use db.execute.
    try {
      await this.python?.close();
    } finally {
      await this.db.close();
    }
  }

  private execute(
    endpoint: CompiledTool | CompiledResource,
    args: Record<string, unknown>,
    ctx: RequestContext,
    options: RunOptions = {},
  ): Promise<unknown> {
    if (endpoint.python) return executePythonEndpoint(endpoint, args, ctx, this.python, options);
    return executeSqlEndpoint(endpoint, args, ctx, this.db, options);
  }
}

function toolInfo(tool: CompiledTool): ToolInfo {
  const d = tool.definition;
  return {
    name: tool.name,
    description: d.description,
    title: d.annotations?.title,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    annotations: d.annotations,
  };
}

function resourceInfo(resource: CompiledResource): ResourceInfo {
  const d = resource.definition;
  return {
    uri: resource.uri,
    name: d.name ?? resource.uri,
    description: d.description,
    mimeType: resource.mimeType,
    isTemplate: resource.isTemplate,
  };
}

function promptInfo(prompt: CompiledPromptEndpoint): PromptInfo {
  return {
    name: prompt.name,
    description: prompt.definition.description,
    arguments: prompt.parameters.map((p) => ({
      name: p.name,
      description: p.description,
      required: !('default' in p),
    })),
  };
}
