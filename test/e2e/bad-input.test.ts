// Bad input at run time and at startup: each failure gives MXCP's message (and
// for files, the file and line), parameters never reach SQL as text, and a
// running server keeps serving other calls.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, runMxcp, startServe, type RunningServer } from '../support/mxcp.js';

const TOOLS: Record<string, string> = {
  'find_item.yml': `
tool:
  name: find_item
  description: Items whose name equals the argument
  parameters:
    - name: name
      type: string
      description: exact name
  return:
    type: array
    items: { type: object }
  source:
    code: SELECT id, name FROM items WHERE name = $name ORDER BY id
`,
  'count_items.yml': `
tool:
  name: count_items
  description: How many items exist
  return: { type: integer }
  source:
    code: SELECT count(*) AS n FROM items
`,
  'bounded.yml': `
tool:
  name: bounded
  description: An integer between 1 and 10, doubled
  parameters:
    - name: n
      type: integer
      description: the number
      minimum: 1
      maximum: 10
  return: { type: integer }
  source:
    code: SELECT $n * 2 AS doubled
`,
  'to_int.yml': `
tool:
  name: to_int
  description: Casts text to an integer in SQL (fails at run time for non-numbers)
  parameters:
    - name: text
      type: string
      description: the text
  source:
    code: SELECT CAST($text AS INTEGER) AS value
`,
  'one_item.yml': `
tool:
  name: one_item
  description: Declares an object result but returns every row
  return:
    type: object
    properties:
      id: { type: integer }
  source:
    code: SELECT id FROM items
`,
  'wrong_type.yml': `
tool:
  name: wrong_type
  description: Declares a boolean but returns text
  return: { type: boolean }
  source:
    code: SELECT 'not a boolean' AS v
`,
};

function writeProject(): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-bad-input-'));
  const dir = join(root, 'project');
  mkdirSync(join(dir, 'tools'), { recursive: true });
  writeFileSync(join(dir, 'mxcp-site.yml'), 'mxcp: 1\nproject: badinput\nprofile: default\n');
  for (const [file, body] of Object.entries(TOOLS))
    writeFileSync(join(dir, 'tools', file), `mxcp: 1\n${body}`);
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const INJECTIONS = [
  "'; DROP TABLE items; --",
  "x' OR '1'='1",
  '1 OR 1=1',
  '$name',
  "a\\'; DELETE FROM items; --",
  'Robert"); DROP TABLE items;--',
];

describe('a running server facing bad input', () => {
  let project: { dir: string; cleanup: () => void };
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    project = writeProject();
    // The table exists before serve starts, so SQL validation can PREPARE against it.
    const setup = await runMxcp(
      [
        'query',
        "CREATE TABLE items AS SELECT * FROM (VALUES (1, 'apple'), (2, 'pear'), (3, 'plum')) t(id, name)",
      ],
      { cwd: project.dir },
    );
    expect(setup.code, setup.stderr).toBe(0);
    server = await startServe(project.dir);
    client = new Client({ name: 'bad-input', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    project?.cleanup();
  });

  async function callError(name: string, args: Record<string, unknown>): Promise<string> {
    const r = await client.callTool({ name, arguments: args });
    expect(r.isError, JSON.stringify(r.content)).toBe(true);
    return (r.content as { text: string }[])[0].text;
  }

  async function expectStillServing() {
    const r = await client.callTool({ name: 'bounded', arguments: { n: 3 } });
    expect(r.isError).toBeFalsy();
    expect(JSON.parse((r.content as { text: string }[])[0].text)).toBe(6);
  }

  it('missing required parameter', async () => {
    expect(await callError('bounded', {})).toContain('Required parameter missing: n');
    await expectStillServing();
  });

  it('out-of-range value', async () => {
    const text = await callError('bounded', { n: 11 });
    expect(text).toContain("Error executing tool bounded: Error validating parameter 'n'");
    expect(text).toMatch(/10/);
    await expectStillServing();
  });

  it('unknown parameter', async () => {
    expect(await callError('bounded', { n: 2, extra: 1 })).toContain('Unknown parameter: extra');
    await expectStillServing();
  });

  it('SQL error at run time', async () => {
    expect(await callError('to_int', { text: 'abc' })).toMatch(/Failed to execute SQL: .*Conversion/i);
    await expectStillServing();
  });

  it('a result that does not match its return type', async () => {
    expect(await callError('one_item', {})).toContain(
      "Expected single result for return type 'object', but got 3 results",
    );
    expect(await callError('wrong_type', {})).toContain('Output validation failed');
    await expectStillServing();
  });

  it('parameters cannot inject SQL: values are compared literally and nothing changes', async () => {
    for (const attempt of INJECTIONS) {
      const r = await client.callTool({ name: 'find_item', arguments: { name: attempt } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(JSON.parse((r.content as { text: string }[])[0].text)).toEqual([]);
    }
    const count = await client.callTool({ name: 'count_items', arguments: {} });
    expect(JSON.parse((count.content as { text: string }[])[0].text)).toBe(3);
    const apple = await client.callTool({ name: 'find_item', arguments: { name: 'apple' } });
    expect(JSON.parse((apple.content as { text: string }[])[0].text)).toEqual([{ id: 1, name: 'apple' }]);
  });
});

describe('startup with broken endpoint files', () => {
  it('aborts listing every failed file unless --ignore-errors, then serves the good ones', async () => {
    const project = copyProject('test/fixtures/bad-project');
    try {
      const refused = await runMxcp(['serve', '--port', '0'], { cwd: project.dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('Server startup failed');
      const json = await runMxcp(['serve', '--port', '0', '--json-output'], { cwd: project.dir });
      expect(json.code).toBe(1);
      const body = JSON.parse(json.stdout);
      expect(body.status).toBe('error');
      expect(body.failed_endpoints.length).toBeGreaterThanOrEqual(7);
      for (const f of body.failed_endpoints) expect(f.error).toContain(f.path);

      const server = await startServe(project.dir, ['--ignore-errors']);
      const client = new Client({ name: 'ignore-errors', version: '1.0.0' });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
        const tools = (await client.listTools()).tools;
        expect(tools.length).toBeGreaterThanOrEqual(1);
        for (const tool of tools) {
          const r = await client.callTool({ name: tool.name, arguments: {} });
          expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
        }
      } finally {
        await client.close();
        await server.stop();
      }
    } finally {
      project.cleanup();
    }
  });
});
