// Prompt messages: Jinja-syntax templates rendered with nunjucks, then mapped to
// valid MCP prompt messages. MCP has only `user` and `assistant` roles, so a
// `system` message (which MXCP allows, and then fails to serve) is sent as a
// `user` message; see docs/compatibility.md.
import nunjucks from 'nunjucks';
import type { PromptMessage } from '../endpoints/schema.js';
import type { PromptMessageOut } from './types.js';

/** MXCP's rendered form, returned by `mxcp run prompt` and checked by `mxcp test`. */
export interface RenderedPromptMessage {
  prompt: string;
  role: string | null;
  type: string | null;
}

export interface CompiledPrompt {
  render(params: Record<string, unknown>): RenderedPromptMessage[];
}

// autoescape off: prompts are text for a model, not HTML.
const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });

export function compilePromptMessages(messages: PromptMessage[]): CompiledPrompt {
  const templates = messages.map((m) => nunjucks.compile(m.prompt, environment));
  return {
    render(params) {
      return messages.map((m, i) => ({
        prompt: templates[i].render(params),
        role: m.role ?? null,
        type: m.type ?? null,
      }));
    },
  };
}

export function toMcpMessages(rendered: RenderedPromptMessage[]): PromptMessageOut[] {
  return rendered.map((m) => ({
    role: m.role === 'assistant' ? 'assistant' : 'user',
    content: { type: 'text', text: m.prompt },
  }));
}
