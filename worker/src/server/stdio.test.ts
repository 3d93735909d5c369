// The stdio transport: the real `mxcp serve --transport stdio` in a child process on a
// copy of the fixture project (testdata/project), driven by the SDK's
// StdioClientTransport and by hand; and serveStdio in-process on the real engine.
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serveStdio } from './stdio.js';
import {
  CLI_MAIN,
  copyFixture,
  openFixture,
  SERVER_PROJECT,
  TSX_LOADER,
  watchEngine,
  type FixtureCopy,
} from './testdata/open-fixture.js';

const SERVE_ARGS = ['--import', TSX_LOADER, CLI_MAIN, 'serve', '--transport', 'stdio'];

function childEnv(copy: FixtureCopy): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...copy.env, NO_COLOR: '1' })) {
    if (value !== undefined && name !== 'MXCP_PROFILE') env[name] = value;
  }
  return env;
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

describe('stdio transport (mxcp serve --transport stdio)', () => {
  // A copy per test: each child process opens (and locks) its own DuckDB file.
  let copy: FixtureCopy;
  beforeEach(() => {
    copy = copyFixture(SERVER_PROJECT);
  });
  afterEach(() => {
    copy?.cleanup();
  });

  it('serves tools, resources and prompts to an SDK client in a child process, without request headers', async () => {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: SERVE_ARGS,
        cwd: copy.dir,
        env: childEnv(copy),
        stderr: 'pipe',
      }),
    );
    try {
      expect(client.getServerVersion()?.name).toBe('MXCP Server');
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('greet');
      const greet = await client.callTool({ name: 'greet', arguments: { name: 'stdio' } });
      expect(greet.content).toEqual([{ type: 'text', text: 'Hello, stdio!' }]);
      const whoami = (await client.callTool({ name: 'whoami', arguments: {} })) as {
        content: Array<{ text: string }>;
      };
      const [row] = JSON.parse(whoami.content[0].text);
      expect(row).toEqual({
        x_test: null,
        host: null,
        session_header: null,
        username: null,
        provider: null,
        token: null,
      });
      const failed = await client.callTool({ name: 'fail', arguments: {} });
      expect(failed.isError).toBe(true);
      expect((await client.listResourceTemplates()).resourceTemplates[0].uriTemplate).toBe('users://{id}');
      const status = await client.readResource({ uri: 'data://status' });
      expect(status.contents[0]).toMatchObject({ uri: 'data://status', text: '{\n  "ok": true\n}' });
      const prompt = await client.getPrompt({ name: 'review', arguments: { topic: 'T' } });
      expect(prompt.messages.map((m) => m.role)).toEqual(['user', 'user', 'assistant']);
      await expect(client.ping()).resolves.toEqual({});
    } finally {
      await client.close();
    }
  });

  it('writes only JSON-RPC messages to stdout and exits when stdin ends', async () => {
    const child = spawn(process.execPath, SERVE_ARGS, {
      cwd: copy.dir,
      env: childEnv(copy),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    child.stdin.write(`${JSON.stringify(init)}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_people', arguments: {} } })}\n`,
    );
    try {
      await expect.poll(() => lines(stdout).length, { timeout: 30_000 }).toBe(2);
      child.stdin.end();
      expect(await exited, `stderr: ${stderr}`).toBe(0);
    } finally {
      child.kill();
    }
    const messages = lines(stdout).map((line) => JSON.parse(line));
    expect(messages.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(messages[1].result.content).toHaveLength(1);
    expect(JSON.parse(messages[1].result.content[0].text)).toEqual([
      { id: 1, name: 'Ada' },
      { id: 2, name: 'Grace' },
    ]);
  });
});

describe('serveStdio', () => {
  it('hands the engine caller "stdio", no headers and no session, and resolves `closed` when input ends', async () => {
    const fixture = await openFixture();
    try {
      const watched = watchEngine(fixture.engine);
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (chunk) => (out += chunk));
      const handle = await serveStdio(watched, { stdin, stdout });
      const init = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      };
      stdin.write(`${JSON.stringify(init)}\n`);
      stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
      stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: { name: 'in-process' } } })}\n`,
      );
      await expect.poll(() => lines(out).length, { timeout: 30_000 }).toBe(2);
      expect(JSON.parse(lines(out)[1]).result.content).toEqual([
        { type: 'text', text: 'Hello, in-process!' },
      ]);
      expect(watched.contexts).toEqual([
        { user: null, headers: {}, sessionId: null, caller: 'stdio', notify: expect.any(Function) },
      ]);
      stdin.end();
      await expect(handle.closed).resolves.toBeUndefined();
    } finally {
      await fixture.cleanup();
    }
  });
});
