// Python endpoints end to end on the real CLI: the python-demo fixture's tests (`mxcp test`),
// `mxcp run`, `mxcp validate` on broken Python, and `mxcp serve` with an MCP client — logging
// and progress notifications, user context, faults (exception, killed process, timeout), plugin
// UDFs from SQL, and on_init/on_shutdown hooks across a SIGHUP reload that picks up edited code.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, runMxcp, startServe, type RunningServer } from '../support/mxcp.js';

const FIXTURE = 'test/fixtures/python-demo';

function projectEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MXCP_CONFIG: join(dir, 'user-config.yml'), ...extra };
}

describe('python endpoints through the CLI', () => {
  it('mxcp test passes the python-demo fixture (sync, async, db, enums, plugin UDF, runtime API)', async () => {
    const project = copyProject(FIXTURE);
    try {
      const result = await runMxcp(['test'], { cwd: project.dir, env: projectEnv(project.dir) });
      expect(result.stdout + result.stderr).toContain('rotates by the configured 3');
      expect(result.stdout).not.toContain('✗');
      expect(result.code).toBe(0);
    } finally {
      project.cleanup();
    }
  }, 120_000);

  it('mxcp run calls a Python tool with coerced parameters and reports a Python exception', async () => {
    const project = copyProject(FIXTURE);
    try {
      const env = projectEnv(project.dir);
      const ok = await runMxcp(
        [
          'run',
          'tool',
          'analyze_numbers',
          '--param',
          'numbers=[2,4]',
          '--param',
          'operation=max',
          '--json-output',
        ],
        { cwd: project.dir, env },
      );
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({
        status: 'ok',
        result: { operation: 'max', result: 4, count: 2 },
      });
      const bad = await runMxcp(['run', 'tool', 'explode', '--param', 'message=hi', '--json-output'], {
        cwd: project.dir,
        env,
      });
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toContain('boom: hi');
      const range = await runMxcp(['run', 'tool', 'process_time_series', '--param', 'window=9'], {
        cwd: project.dir,
        env,
      });
      expect(range.code).not.toBe(0);
    } finally {
      project.cleanup();
    }
  }, 120_000);

  it('mxcp validate names the file and line of a module that fails to import, and signature mismatches', async () => {
    const project = copyProject(FIXTURE);
    try {
      writeFileSync(
        join(project.dir, 'python', 'broken.py'),
        'import os\n\nVALUE = undefined_name + 1\n\ndef broken():\n    return 1\n',
      );
      writeFileSync(
        join(project.dir, 'tools', 'broken.yml'),
        'mxcp: 1\ntool:\n  name: broken\n  language: python\n  source: { file: ../python/broken.py }\n',
      );
      writeFileSync(join(project.dir, 'python', 'sig.py'), 'def sig_tool(count):\n    return count\n');
      writeFileSync(
        join(project.dir, 'tools', 'sig_tool.yml'),
        'mxcp: 1\ntool:\n  name: sig_tool\n  language: python\n  source: { file: ../python/sig.py }\n  parameters:\n    - { name: amount, type: integer, description: x }\n',
      );
      const result = await runMxcp(['validate'], { cwd: project.dir, env: projectEnv(project.dir) });
      const out = result.stdout + result.stderr;
      expect(result.code).not.toBe(0);
      expect(out).toContain('python/broken.py:3');
      expect(out).toContain("NameError: name 'undefined_name' is not defined");
      expect(out).toMatch(/python\/sig.py:1.*Function 'sig_tool' does not accept parameter\(s\) 'amount'/);
    } finally {
      project.cleanup();
    }
  }, 120_000);
});

describe('python endpoints over MCP', () => {
  let project: ReturnType<typeof copyProject>;
  let server: RunningServer;

  const connect = async (): Promise<Client> => {
    const client = new Client({ name: 'python-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });

  beforeAll(async () => {
    project = copyProject(FIXTURE);
    server = await startServe(
      project.dir,
      [],
      projectEnv(project.dir, { MXCP_PYTHON_POOL_SIZE: '1', MXCP_PYTHON_TIMEOUT: '4' }),
    );
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    project?.cleanup();
  });

  it('serves sync, async, list and primitive-array tools with structured content', async () => {
    const client = await connect();
    try {
      const made = await call(client, 'create_sample_data', { table_name: 'demo', row_count: 6 });
      expect(made.structuredContent).toEqual({ table: 'demo', rows: 6 });
      const grouped = await call(client, 'aggregate_by_category', { table_name: 'demo' });
      expect(grouped.structuredContent).toEqual({
        result: [
          { category: 'a', n: 2, total: 4.5 },
          { category: 'b', n: 2, total: 7.5 },
          { category: 'c', n: 2, total: 10.5 },
        ],
      });
      const primes = await call(client, 'first_primes', { count: 3 });
      expect(primes.structuredContent).toEqual({ result: [2, 3, 5] });
      const series = await call(client, 'process_time_series', { window: 5 });
      expect(series.structuredContent).toMatchObject({ window: 5, averages: [2, 3, 4, 5, 6, 7] });
      const sql = await call(client, 'rot_text', { text: 'Hello' });
      expect(sql.structuredContent).toEqual({ secret: 'Khoor', plain: 'Hello' });
      const names = await call(client, 'plugin_names');
      expect(names.structuredContent).toEqual({ result: ['rotator'] });
    } finally {
      await client.close();
    }
  }, 60_000);

  it('delivers mcp.info/warning as log notifications and mcp.progress as progress notifications', async () => {
    const client = await connect();
    try {
      const logs: unknown[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(n.params);
      });
      const progress: unknown[] = [];
      const result = await client.callTool({ name: 'chatty', arguments: { steps: 3 } }, undefined, {
        timeout: 60_000,
        onprogress: (p) => progress.push(p),
      });
      expect(result.structuredContent).toEqual({ steps: 3 });
      expect(logs).toContainEqual(
        expect.objectContaining({ level: 'info', data: { message: 'starting', steps: 3 } }),
      );
      expect(logs).toContainEqual(expect.objectContaining({ level: 'warning', data: 'done' }));
      expect(progress).toEqual([
        { progress: 1, total: 3, message: 'step 1' },
        { progress: 2, total: 3, message: 'step 2' },
        { progress: 3, total: 3, message: 'step 3' },
      ]);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('fails a call whose function raises, times out an infinite loop, and survives a killed process', async () => {
    const client = await connect();
    try {
      const raised = await call(client, 'explode', { message: 'now' });
      expect(raised.isError).toBe(true);
      expect(JSON.stringify(raised.content)).toContain('boom: now');

      const looped = await call(client, 'spin');
      expect(looped.isError).toBe(true);
      expect(JSON.stringify(looped.content)).toMatch(/timed out after 4 s/);
      await expect.poll(async () => (await call(client, 'pid')).isError, { timeout: 30_000 }).not.toBe(true);

      const before = (await call(client, 'pid')).structuredContent as { pid: number };
      const sleeping = call(client, 'sleepy', { seconds: 30 });
      await new Promise((r) => setTimeout(r, 500));
      process.kill(before.pid, 'SIGKILL');
      const killed = await sleeping;
      expect(killed.isError).toBe(true);
      expect(JSON.stringify(killed.content)).toMatch(
        /Python process exited unexpectedly \(killed by SIGKILL\)/,
      );
      await expect
        .poll(
          async () => ((await call(client, 'pid')).structuredContent as { pid?: number } | undefined)?.pid,
          { timeout: 30_000 },
        )
        .not.toBe(before.pid);
    } finally {
      await client.close();
    }
  }, 90_000);

  it('runs hooks at start, and on SIGHUP runs on_shutdown, restarts Python with edited code and runs on_init again', async () => {
    const client = await connect();
    try {
      const first = (await call(client, 'hook_state')).structuredContent as {
        init_runs: number;
        version: string;
      };
      expect(first).toMatchObject({ init_runs: 1, version: 'v1' });
      const file = join(project.dir, 'python', 'runtime_api.py');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"version": "v1"', '"version": "v2"'));
      const { ppid } = (await call(client, 'pid')).structuredContent as { ppid: number };
      process.kill(ppid, 'SIGHUP');
      await expect
        .poll(
          async () =>
            ((await call(client, 'hook_state')).structuredContent as { version?: string } | undefined)
              ?.version,
          {
            timeout: 60_000,
            interval: 250,
          },
        )
        .toBe('v2');
      const events = (await call(client, 'hook_events')).structuredContent as {
        result: { event: string; n: number }[];
      };
      const count = (event: string) => events.result.find((e) => e.event === event)?.n ?? 0;
      // One process: start + crash replacement(s) from the fault test + reload → at least 2 inits.
      expect(count('init')).toBeGreaterThanOrEqual(2);
      expect(count('shutdown')).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  }, 90_000);

  it('passes the caller context to Python (anonymous over HTTP: no user)', async () => {
    const client = await connect();
    try {
      const who = await call(client, 'whoami');
      expect(who.structuredContent).toEqual({ username: null });
    } finally {
      await client.close();
    }
  }, 30_000);
});
