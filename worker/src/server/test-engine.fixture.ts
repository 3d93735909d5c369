// TEST STAND-IN for the real engine (worker/src/engine, written in parallel).
// A tiny hand-written `Engine` so the serving layer can be tested through real MCP
// clients before the real engine exists; end-to-end tests with the real engine
// live elsewhere. Used only by server/*.test.ts and the stdio fixture script.
import {
  EndpointError,
  EndpointNotFoundError,
  type Engine,
  type PromptGetResult,
  type PromptInfo,
  type ResourceInfo,
  type ResourceReadResult,
  type ToolCallResult,
  type ToolInfo,
} from '../engine/types.js';
import type { RequestContext } from '../engine/context.js';

export const TEST_ROWS = [
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Grace' },
];

const tools: ToolInfo[] = [
  {
    name: 'greet',
    description: 'Returns a greeting string.',
    inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    annotations: { title: 'Greeter', readOnlyHint: true },
    title: 'Greeter',
  },
  {
    name: 'list_people',
    description: 'Returns rows, with a declared array return.',
    inputSchema: { type: 'object', properties: {} },
    outputSchema: {
      type: 'object',
      properties: { result: { type: 'array', items: { type: 'object' } } },
      required: ['result'],
    },
  },
  {
    name: 'stats',
    description: 'Returns an object without a declared return.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'fail',
    description: 'Always fails the way a broken SQL tool does.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'sleep',
    description: 'Waits `ms` milliseconds, to have a call in flight.',
    inputSchema: { type: 'object', properties: { ms: { type: 'number' } } },
  },
  {
    name: 'whoami',
    description: 'Returns the request context the server built.',
    inputSchema: { type: 'object', properties: {} },
  },
];

const resources: ResourceInfo[] = [
  {
    uri: 'data://status',
    name: 'status',
    description: 'Service status',
    mimeType: 'application/json',
    isTemplate: false,
  },
  {
    uri: 'users://{id}',
    name: 'user',
    description: 'One user by id',
    mimeType: 'application/json',
    isTemplate: true,
  },
];

const prompts: PromptInfo[] = [
  {
    name: 'review',
    description: 'Asks for a review of a topic.',
    arguments: [
      { name: 'topic', description: 'What to review', required: true },
      { name: 'tone', required: false },
    ],
  },
];

export function createTestEngine(): Engine & { closed: boolean; activeCalls: number } {
  return {
    closed: false,
    activeCalls: 0,
    listTools: () => tools,
    listResources: () => resources,
    listPrompts: () => prompts,
    complete: () => [],
    async callTool(
      name: string,
      args: Record<string, unknown>,
      ctx: RequestContext,
    ): Promise<ToolCallResult> {
      this.activeCalls++;
      try {
        return await callOne(name, args, ctx);
      } finally {
        this.activeCalls--;
      }
    },
    async readResource(uri: string): Promise<ResourceReadResult> {
      if (uri === 'data://status')
        return { uri, mimeType: 'application/json', text: JSON.stringify({ ok: true }, null, 2) };
      const user = /^users:\/\/(\d+)$/.exec(uri);
      if (user) {
        const row = TEST_ROWS.find((r) => r.id === Number(user[1]));
        if (!row) throw new EndpointError('No results returned');
        return { uri, mimeType: 'application/json', text: JSON.stringify(row, null, 2) };
      }
      throw new EndpointNotFoundError('resource', uri);
    },
    async getPrompt(name: string, args: Record<string, unknown>): Promise<PromptGetResult> {
      if (name !== 'review') throw new EndpointNotFoundError('prompt', name);
      if (typeof args.topic !== 'string')
        throw new EndpointError("Error validating parameter 'topic': required");
      return {
        description: 'Asks for a review of a topic.',
        messages: [
          { role: 'user', content: { type: 'text', text: `Please review ${args.topic}.` } },
          {
            role: 'assistant',
            content: {
              type: 'text',
              text: `I will review ${args.topic} in a ${String(args.tone ?? 'neutral')} tone.`,
            },
          },
        ],
      };
    },
    async run(): Promise<unknown> {
      throw new EndpointError('run() is not used by the server');
    },
    async close() {
      this.closed = true;
    },
  };
}

async function callOne(
  name: string,
  args: Record<string, unknown>,
  ctx: RequestContext,
): Promise<ToolCallResult> {
  switch (name) {
    case 'greet':
      return { value: `Hello, ${String(args.name)}!` };
    case 'list_people':
      return { value: TEST_ROWS, structuredContent: { result: TEST_ROWS } };
    case 'stats':
      return { value: { count: 2, big: 9007199254740993n } };
    case 'fail':
      throw new EndpointError('Failed to execute SQL: Catalog Error: Table with name nope does not exist!');
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, Number(args.ms ?? 0)));
      return { value: 'slept' };
    case 'whoami':
      return {
        value: { headers: ctx.headers, sessionId: ctx.sessionId, caller: ctx.caller, user: ctx.user },
      };
    default:
      throw new EndpointNotFoundError('tool', name);
  }
}
