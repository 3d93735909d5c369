// The README's main job: `mxcp serve` on examples/quickstart, used by a real MCP
// client (the SDK's Client) over streamable HTTP and over stdio. Every tool is
// called, every resource read and every prompt fetched, with the arguments of
// the endpoint's own first test.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, TSX_LOADER, copyProject, startServe, type RunningServer } from '../support/mxcp.js';
import { endpointCases, fillUri } from '../support/project-tests.js';

async function exerciseEveryEndpoint(client: Client, projectDir: string): Promise<void> {
  const cases = endpointCases(projectDir);
  expect(cases.length).toBeGreaterThan(4);

  const tools = await client.listTools();
  const toolNames = tools.tools.map((t) => t.name).sort();
  expect(toolNames).toEqual(
    cases
      .filter((c) => c.kind === 'tool')
      .map((c) => c.name)
      .sort(),
  );
  for (const tool of tools.tools) {
    expect(tool.description, `${tool.name} has a description`).toBeTruthy();
    expect(tool.inputSchema.type).toBe('object');
  }

  for (const c of cases.filter((c) => c.kind === 'tool')) {
    const result = await client.callTool({ name: c.name, arguments: c.args });
    expect(result.isError, `${c.name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    const content = result.content as { type: string; text: string }[];
    expect(content).toHaveLength(1);
    expect(content[0].type).toBe('text');
    if (c.hasExpected) {
      const value = typeof c.expected === 'string' ? content[0].text : JSON.parse(content[0].text);
      expect(value).toEqual(c.expected);
      const structured = result.structuredContent as Record<string, unknown> | undefined;
      if (structured && 'result' in structured) expect(structured.result).toEqual(c.expected);
    }
  }

  const resources = await client.listResources();
  const templates = await client.listResourceTemplates();
  const resourceCases = cases.filter((c) => c.kind === 'resource');
  expect(resourceCases.length).toBeGreaterThanOrEqual(2);
  for (const c of resourceCases) {
    const templated = c.name.includes('{');
    if (templated) expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toContain(c.name);
    else expect(resources.resources.map((r) => r.uri)).toContain(c.name);
    const read = await client.readResource({ uri: fillUri(c.name, c.args) });
    expect(read.contents).toHaveLength(1);
    expect((read.contents[0] as { text: string }).text.length).toBeGreaterThan(0);
  }

  const prompts = await client.listPrompts();
  const promptCases = cases.filter((c) => c.kind === 'prompt');
  expect(prompts.prompts.map((p) => p.name).sort()).toEqual(promptCases.map((c) => c.name).sort());
  for (const c of promptCases) {
    const args = Object.fromEntries(Object.entries(c.args).map(([k, v]) => [k, String(v)]));
    const got = await client.getPrompt({ name: c.name, arguments: args });
    expect(got.messages.length).toBeGreaterThan(0);
    for (const m of got.messages) {
      expect(['user', 'assistant']).toContain(m.role);
      expect(m.content.type).toBe('text');
    }
  }
}

describe('quickstart over streamable HTTP', () => {
  let project: ReturnType<typeof copyProject>;
  let server: RunningServer;

  beforeAll(async () => {
    project = copyProject('examples/quickstart');
    server = await startServe(project.dir);
  });
  afterAll(async () => {
    const code = await server?.stop();
    project?.cleanup();
    expect(code).toBe(0);
  });

  it('prints a banner that says where it listens and how to connect', () => {
    expect(server.output()).toContain('quickstart');
    expect(server.output()).toContain(server.url);
  });

  it('lists and calls every tool, reads every resource and gets every prompt', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
    try {
      await exerciseEveryEndpoint(client, project.dir);
    } finally {
      await client.close();
    }
  });

  it('answers /health and /ready', async () => {
    const base = server.url.replace(/\/mcp$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });
});

describe('quickstart over stdio', () => {
  it('lists and calls every tool, reads every resource and gets every prompt', async () => {
    const project = copyProject('examples/quickstart');
    const client = new Client({ name: 'e2e-stdio', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX_LOADER, CLI, 'serve', '--transport', 'stdio'],
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
      stderr: 'pipe',
    });
    try {
      await client.connect(transport);
      await exerciseEveryEndpoint(client, project.dir);
    } finally {
      await client.close();
      project.cleanup();
    }
  });
});
