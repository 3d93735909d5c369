// Serve and run options end to end: transports (SSE, stateless), the built-in
// SQL tools, read-only mode, the SQL helper functions fed by user context and
// request headers, DuckDB extensions, and user-config secrets as DuckDB secrets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMxcp, startServe } from '../support/mxcp.js';

interface Project {
  dir: string;
  cleanup: () => void;
}

function writeProject(files: Record<string, string>): Project {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-options-'));
  const dir = join(root, 'project');
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const WHOAMI = `mxcp: 1
tool:
  name: whoami
  description: The caller as the SQL helper functions see it
  return:
    type: object
  source:
    code: >
      SELECT get_username() AS username, get_user_email() AS email, get_user_provider() AS provider,
             get_request_header('X-Tenant') AS tenant
`;

/** A raw `initialize` POST, as any streamable-HTTP client sends it first. */
function initialize(url: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content[0].text;
}

describe('transports and built-in SQL tools', () => {
  let project: Project;
  beforeAll(async () => {
    project = writeProject({
      'mxcp-site.yml': 'mxcp: 1\nproject: options\nprofile: default\n',
      'tools/whoami.yml': WHOAMI,
    });
    const setup = await runMxcp(['query', "CREATE TABLE notes AS SELECT 1 AS id, 'first' AS body"], {
      cwd: project.dir,
    });
    expect(setup.code, setup.stderr).toBe(0);
  });
  afterAll(() => project?.cleanup());

  it('serves the legacy SSE transport at /sse', async () => {
    const server = await startServe(project.dir, ['--transport', 'sse']);
    const client = new Client({ name: 'sse', version: '1.0.0' });
    try {
      await client.connect(
        new SSEClientTransport(new URL(server.url.replace(/\/mcp$/, '/sse'))) as Transport,
      );
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(['whoami']);
      const r = await client.callTool({ name: 'whoami', arguments: {} });
      expect(r.isError).toBeFalsy();
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('--stateless answers without MCP sessions, and request headers reach get_request_header()', async () => {
    const server = await startServe(project.dir, ['--stateless']);
    try {
      const init = await initialize(server.url);
      expect(init.status).toBe(200);
      expect(init.headers.get('mcp-session-id')).toBeNull();
      await init.text();

      const client = new Client({ name: 'stateless', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { 'X-Tenant': 'acme' } },
      });
      await client.connect(transport as Transport);
      try {
        const r = await client.callTool({ name: 'whoami', arguments: {} });
        expect(JSON.parse(textOf(r))).toEqual({
          username: null,
          email: null,
          provider: null,
          tenant: 'acme',
        });
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('--json-response answers POSTs with one JSON body instead of an SSE stream', async () => {
    const server = await startServe(project.dir, ['--json-response']);
    try {
      const init = await initialize(server.url);
      expect(init.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await init.json()) as { result: { serverInfo: { name: string } } };
      expect(body.result.serverInfo.name).toBe('MXCP Server');

      const client = new Client({ name: 'json-response', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
      try {
        const r = await client.callTool({ name: 'whoami', arguments: {} });
        expect(r.isError).toBeFalsy();
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('a port already in use is a clear startup error, exit 1', async () => {
    const first = await startServe(project.dir, ['--readonly']);
    try {
      const second = await runMxcp(
        ['serve', '--host', '127.0.0.1', '--port', String(first.port), '--readonly'],
        {
          cwd: project.dir,
        },
      );
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use|EADDRINUSE/i);
      expect(second.stderr).toContain(String(first.port));
    } finally {
      await first.stop();
    }
  });

  it('--sql-tools true adds execute_sql_query, list_tables and get_table_schema', async () => {
    const server = await startServe(project.dir, ['--sql-tools', 'true']);
    const client = new Client({ name: 'sql-tools', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(['execute_sql_query', 'get_table_schema', 'list_tables', 'whoami']);
      const tables = await client.callTool({ name: 'list_tables', arguments: {} });
      expect(tables.structuredContent).toEqual({ result: [{ name: 'notes', type: 'BASE TABLE' }] });
      const schema = await client.callTool({ name: 'get_table_schema', arguments: { table_name: 'notes' } });
      expect((schema.structuredContent as { result: { name: string }[] }).result.map((c) => c.name)).toEqual([
        'id',
        'body',
      ]);
      const rows = await client.callTool({
        name: 'execute_sql_query',
        arguments: { sql: 'SELECT body FROM notes' },
      });
      expect(rows.structuredContent).toEqual({ result: [{ body: 'first' }] });
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('--readonly makes writes fail while reads work', async () => {
    const server = await startServe(project.dir, ['--sql-tools', 'true', '--readonly']);
    const client = new Client({ name: 'readonly', version: '1.0.0' });
    try {
      expect(server.output()).toContain('Read-only');
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
      const write = await client.callTool({
        name: 'execute_sql_query',
        arguments: { sql: 'DELETE FROM notes' },
      });
      expect(write.isError).toBe(true);
      expect(textOf(write)).toMatch(/read-only/i);
      const read = await client.callTool({
        name: 'execute_sql_query',
        arguments: { sql: 'SELECT count(*) AS n FROM notes' },
      });
      expect(read.structuredContent).toEqual({ result: [{ n: 1 }] });
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('mxcp run passes --user-context and --request-headers to the SQL helper functions', async () => {
    const r = await runMxcp(
      [
        'run',
        'tool',
        'whoami',
        '--user-context',
        '{"username": "ada", "email": "ada@example.com"}',
        '--request-headers',
        '{"x-tenant": "acme"}',
        '--json-output',
      ],
      { cwd: project.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toEqual({
      username: 'ada',
      email: 'ada@example.com',
      provider: 'cli',
      tenant: 'acme',
    });
  });
});

describe('site extensions and user-config secrets', () => {
  it('a DuckDB extension that cannot load stops startup with its name in the message', async () => {
    const project = writeProject({
      'mxcp-site.yml':
        'mxcp: 1\nproject: ext\nprofile: default\nextensions:\n  - json\n  - no_such_extension_xyz\n',
      'tools/whoami.yml': WHOAMI,
    });
    try {
      const r = await runMxcp(['validate'], { cwd: project.dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no_such_extension_xyz');
    } finally {
      project.cleanup();
    }
  });

  it('user-config secrets become DuckDB secrets, with ${ENV} resolved and values never printed', async () => {
    const project = writeProject({
      'mxcp-site.yml': 'mxcp: 1\nproject: sec\nprofile: default\n',
      'config.yml': [
        'mxcp: 1',
        'projects:',
        '  sec:',
        '    profiles:',
        '      default:',
        '        secrets:',
        '          - name: api_http',
        '            type: http',
        '            parameters:',
        '              BEARER_TOKEN: "${API_TOKEN}"',
        '',
      ].join('\n'),
    });
    try {
      const env = { MXCP_CONFIG: join(project.dir, 'config.yml'), API_TOKEN: "s3cr3t-'quoted" };
      const r = await runMxcp(
        ['query', "SELECT name, type FROM duckdb_secrets() WHERE name = 'api_http'", '--json-output'],
        {
          cwd: project.dir,
          env,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).result).toEqual([{ name: 'api_http', type: 'http' }]);
      expect(r.stdout + r.stderr).not.toContain('s3cr3t');

      const missing = await runMxcp(['list'], { cwd: project.dir, env: { MXCP_CONFIG: env.MXCP_CONFIG } });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('API_TOKEN');
    } finally {
      project.cleanup();
    }
  });
});
