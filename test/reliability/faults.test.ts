// Faults injected into a real `mxcp serve` (audit on, admin API for its pid and reloads):
// - the DuckDB folder made read-only (`chattr +i`, which binds even root): writes fail with a
//   clear error while reads keep working; writes work again once it is restored. A checkpoint
//   in that state makes DuckDB invalidate the database: /ready goes 503 with a clear log line,
//   and after the folder is restored a SIGHUP reload brings it back with the data intact.
// - the audit folder on a 64 KiB tmpfs that is then filled: calls still answer, the log says
//   "CRITICAL: Audit logging failed", /ready is 503; once space is freed the queued records
//   are written and /ready is 200 again, with every call audited.
// - the worker SIGKILLed with a call in flight: the client gets an error, every audit line on
//   disk is a complete record, the killed call has none, and a restarted worker and `mxcp log`
//   read the log fine.
// We run as root: `chattr` and `mount -t tmpfs` are available.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMxcp, startServe, type RunningServer } from '../support/mxcp.js';
import {
  auditLines,
  connectClient,
  emptyUserConfig,
  pick,
  sleep,
  textOf,
  waitFor,
  writeProject,
  type Project,
} from './support.js';

const TOKEN = 'faults-admin-token';
const CALLS_WHILE_FULL = pick(20, 200);

function site(): string {
  return 'mxcp: 1\nproject: faults\nprofile: default\nprofiles:\n  default:\n    audit:\n      enabled: true\n      path: audit/logs.jsonl\n';
}

const TOOLS = {
  'tools/count_items.yml': `mxcp: 1
tool:
  name: count_items
  description: How many items exist
  return: { type: integer }
  source:
    code: SELECT count(*)::INTEGER FROM items
`,
  'tools/add_item.yml': `mxcp: 1
tool:
  name: add_item
  description: Adds an item
  parameters:
    - { name: name, type: string, description: the name }
  return: { type: integer }
  source:
    code: INSERT INTO items VALUES ($name) RETURNING 1
`,
  'tools/checkpoint.yml': `mxcp: 1
tool:
  name: checkpoint
  description: Forces a DuckDB checkpoint
  source:
    code: CHECKPOINT
`,
  'tools/echo.yml': `mxcp: 1
tool:
  name: echo
  description: Returns its text
  parameters:
    - { name: s, type: string, description: text }
  return: { type: string }
  source:
    code: SELECT $s
`,
};

interface Served {
  project: Project;
  server: RunningServer;
  admin: string;
  pid: number;
  base: string;
  /** Set after SIGKILL: test/support's stop() waits forever for a child killed by a signal. */
  killed?: boolean;
}

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error('cleanup failed:', error);
    }
  }
});

async function serve(extraFiles: Record<string, string> = {}, reuse?: Project): Promise<Served> {
  const project = reuse ?? writeProject({ 'mxcp-site.yml': site(), ...TOOLS, ...extraFiles });
  if (!reuse) {
    cleanups.push(project.cleanup);
    writeFileSync(join(project.root, 'config.yml'), emptyUserConfig('faults'));
    writeFileSync(join(project.root, 'token'), TOKEN);
    const setup = await runMxcp(
      ['query', "CREATE TABLE items(name VARCHAR); INSERT INTO items VALUES ('a')"],
      {
        cwd: project.dir,
        env: { MXCP_CONFIG: join(project.root, 'config.yml') },
      },
    );
    expect(setup.code, setup.stderr).toBe(0);
  }
  const server = await startServe(
    project.dir,
    ['--admin-port', '0', '--admin-host', '127.0.0.1', '--admin-token-file', join(project.root, 'token')],
    { MXCP_CONFIG: join(project.root, 'config.yml') },
  );
  const served = { killed: false };
  cleanups.push(() => (served.killed ? undefined : server.stop().then(() => undefined)));
  const admin = /Admin API listening on (http:\/\/\S+)/.exec(server.output())![1];
  const status = (await (
    await fetch(`${admin}/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).json()) as {
    pid: number;
  };
  return Object.assign(served, {
    project,
    server,
    admin,
    pid: status.pid,
    base: server.url.replace(/\/mcp$/, ''),
  });
}

const readyStatus = async (base: string) => (await fetch(`${base}/ready`)).status;

describe('faults', () => {
  it('DuckDB folder made read-only: clear write errors, reads go on, recovery; an invalidated database is not ready until a reload', async () => {
    const s = await serve();
    const dataDir = join(s.project.dir, 'data');
    const client = await connectClient(s.server.url);
    cleanups.push(() => client.close());
    expect(textOf(await client.callTool({ name: 'add_item', arguments: { name: 'b' } }))).toBe('1');

    const immutable = (on: boolean) => {
      const files = readdirSync(dataDir).map((f) => join(dataDir, f));
      execFileSync('chattr', [on ? '+i' : '-i', dataDir, ...files]);
    };
    immutable(true);
    cleanups.push(() => immutable(false));

    const refused = await client.callTool({ name: 'add_item', arguments: { name: 'c' } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/Failed to execute SQL: .*(Operation not permitted|Could not write)/);
    expect(textOf(await client.callTool({ name: 'count_items', arguments: {} }))).toBe('2');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { s: 'still here' } }))).toBe(
      'still here',
    );
    expect(await readyStatus(s.base)).toBe(200);

    immutable(false);
    expect(textOf(await client.callTool({ name: 'add_item', arguments: { name: 'd' } }))).toBe('1');
    expect(textOf(await client.callTool({ name: 'count_items', arguments: {} }))).toBe('3');

    // A checkpoint that cannot write is fatal to the DuckDB instance.
    immutable(true);
    const fatal = await client.callTool({ name: 'checkpoint', arguments: {} });
    expect(fatal.isError).toBe(true);
    expect(textOf(fatal)).toContain('FATAL');
    const dead = await client.callTool({ name: 'count_items', arguments: {} });
    expect(dead.isError).toBe(true);
    expect(textOf(dead)).toContain('invalidated');
    expect(await readyStatus(s.base)).toBe(503);
    expect(s.server.output()).toContain('DuckDB invalidated the database');

    immutable(false);
    process.kill(s.pid, 'SIGHUP');
    await waitFor('/ready after the reload', async () => (await readyStatus(s.base)) === 200);
    expect(textOf(await client.callTool({ name: 'count_items', arguments: {} }))).toBe('3');
    expect(textOf(await client.callTool({ name: 'add_item', arguments: { name: 'e' } }))).toBe('1');
  }, 120_000);

  it('audit disk full: calls answer, CRITICAL logged, /ready 503; after freeing space every call is audited', async () => {
    const s = await serve();
    const auditDir = join(s.project.dir, 'audit');
    const client = await connectClient(s.server.url);
    cleanups.push(() => client.close());
    expect(textOf(await client.callTool({ name: 'echo', arguments: { s: 'before' } }))).toBe('before');
    await waitFor('the first record', () => auditLines(auditDir).length === 1);

    // The writer keeps its segment path, not a descriptor: a new segment opens on the tmpfs after a failure.
    const mounted = join(s.project.root, 'audit-tmpfs');
    mkdirSync(mounted);
    // Room for every record once the filler is gone (the long form queues about 150 kB).
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', auditDir]);
    expect(mount.status, `mount -t tmpfs is not permitted here: ${mount.stderr}`).toBe(0);
    cleanups.push(() => void spawnSync('umount', ['-l', auditDir]));
    const filler = join(auditDir, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k', 'count=256']); // fills it: dd stops at ENOSPC

    let calls = 1;
    for (let i = 0; i < CALLS_WHILE_FULL; i++) {
      const r = await client.callTool({ name: 'echo', arguments: { s: `full ${i} ${'x'.repeat(200)}` } });
      expect(r.isError, textOf(r)).toBeFalsy();
      calls++;
    }
    await waitFor('/ready to report the failing audit sink', async () => (await readyStatus(s.base)) === 503);
    expect(s.server.output()).toMatch(/CRITICAL: Audit logging failed: .*(ENOSPC|no space)/i);

    rmSync(filler);
    await waitFor('/ready after space is freed', async () => (await readyStatus(s.base)) === 200, 60_000);
    // Records written before the mount are in the hidden segment below the tmpfs; those queued meanwhile land on it.
    await waitFor('the queued records', () => auditLines(auditDir).length >= calls - 1, 30_000);
    const onTmpfs = auditLines(auditDir);
    const parsed = onTmpfs.flatMap((line) => {
      try {
        return [JSON.parse(line) as { record_id: string; input_data: { s: string } }];
      } catch {
        return [];
      }
    });
    const ids = new Set(parsed.map((r) => r.record_id));
    expect(ids.size).toBe(calls - 1);
    expect(parsed.every((r) => r.input_data.s.startsWith('full '))).toBe(true);
    // A failed append's partial batch is cut off again, so every line on disk parses.
    expect(onTmpfs.length - parsed.length).toBe(0);
    console.log(`audit disk full: ${calls - 1} calls while full, all audited after recovery, no torn line`);

    const log = await runMxcp(['log', '--json', '--limit', '1000'], {
      cwd: s.project.dir,
      env: { MXCP_CONFIG: join(s.project.root, 'config.yml') },
    });
    expect(log.code, log.stderr).toBe(0);
  }, 180_000);

  it('SIGKILL with a call in flight: the client gets an error, no torn audit line, a restart reads the log', async () => {
    const gate = join(writeProject({}).root, 'gate.fifo');
    execFileSync('mkfifo', [gate]);
    const s = await serve({
      'tools/wait_gate.yml': `mxcp: 1
tool:
  name: wait_gate
  description: Returns once the gate FIFO is written
  return: { type: integer }
  source:
    code: SELECT length(content)::INTEGER FROM read_text('${gate}')
`,
    });
    cleanups.push(() => rmSync(join(gate, '..'), { recursive: true, force: true }));
    const auditDir = join(s.project.dir, 'audit');
    const client = await connectClient(s.server.url);
    for (let i = 0; i < 5; i++) await client.callTool({ name: 'echo', arguments: { s: `done ${i}` } });
    // The writer flushes within a second: these five are on disk before the kill.
    await waitFor('the finished calls on disk', () => auditLines(auditDir).length === 5);

    // The SDK client does not fail a call whose SSE stream breaks; its request timeout does.
    const inFlight = client.callTool({ name: 'wait_gate', arguments: {} }, undefined, { timeout: 8_000 });
    const settled = inFlight.then(
      () => 'answered',
      (error: Error) => `error: ${error.message}`,
    );
    await sleep(1500);
    s.killed = true;
    process.kill(s.pid, 'SIGKILL');
    expect(await settled).toMatch(/^error: /);

    await client.close().catch(() => undefined);

    const lines = auditLines(auditDir);
    const records = lines.map((line) => JSON.parse(line) as { operation_name: string });
    expect(records.filter((r) => r.operation_name === 'echo')).toHaveLength(5);
    expect(records.filter((r) => r.operation_name === 'wait_gate')).toHaveLength(0);

    const again = await serve({}, s.project);
    const client2 = await connectClient(again.server.url);
    cleanups.push(() => client2.close());
    expect(textOf(await client2.callTool({ name: 'echo', arguments: { s: 'after restart' } }))).toBe(
      'after restart',
    );
    const log = await runMxcp(['log', '--json', '--limit', '1000'], {
      cwd: s.project.dir,
      env: { MXCP_CONFIG: join(s.project.root, 'config.yml') },
    });
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout.match(/"operation_name": "echo"/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
    expect(log.stdout).not.toContain('wait_gate');
  }, 120_000);
});
