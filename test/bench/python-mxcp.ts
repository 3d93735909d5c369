// The Python MXCP baseline: the reference implementation (PyPI `mxcp`, installed once per
// machine by python-mxcp.sh into a cached virtual environment) serving the same project
// as the worker, measured with the same load generator. It is optional: when it cannot be
// installed or does not start, the benchmark prints why and carries on without it.
// BENCH_PYTHON_MXCP: `auto` (default: install when missing), `installed` (use it only when
// already installed), `0` (skip).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initializeRequest, MCP_POST_HEADERS } from './clients.js';
import { freePort, startServer, type ServerProcess } from './processes.js';

export const PYTHON_MXCP_VERSION = '0.12.3';
const installScript = fileURLToPath(new URL('./python-mxcp.sh', import.meta.url));

export type PythonMxcpMode = 'auto' | 'installed' | 'off';

export function pythonMxcpMode(raw: string | undefined): PythonMxcpMode {
  const value = (raw ?? 'auto').trim().toLowerCase();
  if (value === '' || value === 'auto' || value === '1') return 'auto';
  if (value === 'installed') return 'installed';
  if (value === '0' || value === 'off' || value === 'no') return 'off';
  throw new Error(`BENCH_PYTHON_MXCP must be auto, installed or 0, got "${raw}"`);
}

export type PythonMxcpInstall = { ok: true; bin: string } | { ok: false; reason: string };

/** Finds (and in `auto` mode installs) Python MXCP; never throws: a failure is a skip reason. */
export function preparePythonMxcp(mode: PythonMxcpMode): PythonMxcpInstall {
  if (mode === 'off') return { ok: false, reason: 'turned off (BENCH_PYTHON_MXCP=0)' };
  const result = spawnSync('bash', [installScript, ...(mode === 'installed' ? ['--check-only'] : [])], {
    encoding: 'utf8',
    env: { ...process.env, MXCP_PY_VERSION: PYTHON_MXCP_VERSION },
    // A first install downloads and builds about a hundred packages.
    timeout: 20 * 60_000,
  });
  const lines = (result.stdout ?? '').trim().split('\n');
  if (result.status === 0 && lines.at(-1)) return { ok: true, bin: lines.at(-1)! };
  const why =
    (result.stderr ?? '').trim().split('\n').filter(Boolean).slice(-3).join(' / ') ||
    (result.error?.message ?? `python-mxcp.sh exited ${result.status ?? result.signal}`);
  return { ok: false, reason: `mxcp ${PYTHON_MXCP_VERSION} could not be installed from PyPI: ${why}` };
}

/** Python MXCP's streamable HTTP endpoint (FastMCP mounts it at /mcp). */
export const PYTHON_MXCP_PATH = '/mcp';

/** `mxcp serve --transport streamable-http --port P` in the project directory. */
export async function startPythonMxcp(options: {
  bin: string;
  projectDir: string;
  userConfigPath: string;
}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name: `Python MXCP ${PYTHON_MXCP_VERSION} (mxcp serve)`,
    command: options.bin,
    args: ['serve', '--transport', 'streamable-http', '--port', String(port)],
    cwd: options.projectDir,
    env: {
      ...process.env,
      MXCP_CONFIG: options.userConfigPath,
      MXCP_DISABLE_ANALYTICS: '1',
      PYTHONUNBUFFERED: '1',
    },
    port,
  });
}

/**
 * Python MXCP has no /ready: it is ready when its MCP endpoint answers `initialize` with 200
 * (the session it opens is closed again).
 */
export async function mcpInitializeProbe(url: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: MCP_POST_HEADERS,
    body: initializeRequest('mxcp-bench-probe'),
    signal: AbortSignal.timeout(2_000),
  });
  await response.arrayBuffer();
  const session = response.headers.get('mcp-session-id');
  if (session) {
    await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } }).catch(() => undefined);
  }
  return response.status;
}
