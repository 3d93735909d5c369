// The Python host pool on real python3 processes: the JSON-lines protocol (init, call, inspect,
// db requests, log/progress routing), crash replacement, timeouts and on_shutdown at close.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PythonPool, PythonTimeoutError } from './pool.js';
import { PythonCallError, PythonProcessError, type CallSink } from './process.js';
import type { FunctionDescription, HostRequest } from './protocol.js';

let root: string;
let pool: PythonPool | undefined;

const MODULE = `
import asyncio, os, time
from mxcp.runtime import db, mcp, on_init, on_shutdown, config

STARTS = []

@on_init
def started():
    STARTS.append(1)

@on_shutdown
def stopping():
    open(os.path.join(os.environ["MARK_DIR"], f"stopped-{os.getpid()}"), "w").close()

def add(a, b=1):
    return a + b

async def notify(n):
    await mcp.info("hi", n=n)
    mcp.progress(1, 2, "half")
    return db.execute("SELECT $n AS n", {"n": n})

def starts():
    return {"starts": len(STARTS), "secret": config.get_secret("s")}

def fail():
    raise KeyError("missing")

def hang():
    while True:
        time.sleep(0.01)

def pid():
    return os.getpid()
`;

function init(): Extract<HostRequest, { op: 'init' }> {
  return {
    op: 'init',
    repo_root: root,
    python_dir: join(root, 'python'),
    user_config: {},
    site_config: { project: 'p' },
    secrets: { s: { k: 'v' } },
    plugins: [],
    plugins_dir: join(root, 'plugins'),
    plugin_config: {},
  };
}

const file = () => join(root, 'python', 'mod.py');
const call = (fn: string, params: Record<string, unknown> = {}) =>
  ({
    op: 'call',
    file: file(),
    function: fn,
    params,
    context: { user: null, headers: {}, transport: 'cli', session_id: null },
  }) as const;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mxcp-pypool-'));
  mkdirSync(join(root, 'python'));
  writeFileSync(join(root, 'python', 'mod.py'), MODULE);
  writeFileSync(join(root, 'python', '_private.py'), 'raise RuntimeError("never imported")\n');
  process.env.MARK_DIR = root;
});

afterEach(async () => {
  await pool?.close(2000);
  pool = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('PythonPool', () => {
  it('preloads modules (skipping _*.py), runs on_init, and answers calls with keyword arguments', async () => {
    const started = await PythonPool.start({ size: 1, cwd: root, init: init() });
    pool = started.pool;
    expect(started.ready.modules).toEqual(['mod']);
    expect(started.ready.import_errors).toEqual([]);
    expect(await pool.run(call('add', { a: 2 }), {}, 'add')).toBe(3);
    expect(await pool.run(call('starts'), {}, 'starts')).toEqual({ starts: 1, secret: { k: 'v' } });
  }, 30_000);

  it('describes signatures for validation', async () => {
    pool = (await PythonPool.start({ size: 1, cwd: root, init: init() })).pool;
    const described = (await pool.run(
      { op: 'inspect', file: file(), function: 'add' },
      {},
      'inspect',
    )) as FunctionDescription;
    expect(described).toMatchObject({
      function: 'add',
      params: [
        { name: 'a', required: true },
        { name: 'b', required: false },
      ],
      var_keyword: false,
      is_async: false,
    });
  }, 30_000);

  it('routes db requests, logs and progress of a call to that call', async () => {
    pool = (await PythonPool.start({ size: 1, cwd: root, init: init() })).pool;
    const seen: unknown[] = [];
    const sink: CallSink = {
      db: async (sql, params) => [{ sql, ...params }],
      log: (level, message, extra) => seen.push({ level, message, extra }),
      progress: (progress, total, message) => seen.push({ progress, total, message }),
    };
    const rows = await pool.run(call('notify', { n: 7 }), sink, 'notify');
    expect(rows).toEqual([{ sql: 'SELECT $n AS n', n: 7 }]);
    expect(seen).toEqual([
      { level: 'info', message: 'hi', extra: { n: 7 } },
      { progress: 1, total: 2, message: 'half' },
    ]);
  }, 30_000);

  it('reports a Python exception as a PythonCallError with its type', async () => {
    pool = (await PythonPool.start({ size: 1, cwd: root, init: init() })).pool;
    const error = await pool.run(call('fail'), {}, 'fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PythonCallError);
    expect(error).toMatchObject({ message: "'missing'", pythonType: 'KeyError' });
  }, 30_000);

  it('times out a call, kills its process and serves the next call from a replacement', async () => {
    pool = (await PythonPool.start({ size: 1, cwd: root, init: init() })).pool;
    const firstPid = await pool.run(call('pid'), {}, 'pid');
    const error = await pool.run(call('hang'), {}, "function 'hang'", 500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PythonTimeoutError);
    expect((error as Error).message).toBe("Python function 'hang' timed out after 0.5 s");
    const nextPid = await pool.run(call('pid'), {}, 'pid');
    expect(nextPid).not.toBe(firstPid);
  }, 30_000);

  it('fails the calls of a crashed process with a clear error', async () => {
    pool = (await PythonPool.start({ size: 1, cwd: root, init: init() })).pool;
    const pid = (await pool.run(call('pid'), {}, 'pid')) as number;
    const running = pool.run(call('hang'), {}, "function 'hang'");
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid, 'SIGKILL');
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PythonProcessError);
    expect((error as Error).message).toMatch(
      /^Python process exited unexpectedly \(killed by SIGKILL\) while running function 'hang'/,
    );
  }, 30_000);

  it('runs on_shutdown hooks in every process when closed', async () => {
    pool = (await PythonPool.start({ size: 2, cwd: root, init: init() })).pool;
    const pids = pool.pids();
    expect(pids).toHaveLength(2);
    await pool.close();
    pool = undefined;
    const { existsSync } = await import('node:fs');
    for (const pid of pids) expect(existsSync(join(root, `stopped-${pid}`))).toBe(true);
  }, 30_000);

  it('reports a module that fails to import with its file and line', async () => {
    writeFileSync(join(root, 'python', 'bad.py'), 'x = 1\ny = (\n');
    writeFileSync(join(root, 'python', 'worse.py'), 'import os\nraise ValueError("nope")\n');
    const started = await PythonPool.start({ size: 1, cwd: root, init: init() });
    pool = started.pool;
    const byFile = Object.fromEntries(started.ready.import_errors.map((e) => [e.file, e]));
    expect(byFile['python/bad.py']).toMatchObject({ line: 2 });
    expect(byFile['python/bad.py'].message).toMatch(/^SyntaxError/);
    expect(byFile['python/worse.py']).toMatchObject({ line: 2, message: 'ValueError: nope' });
  }, 30_000);
});
