// The official MCP conformance suite (@modelcontextprotocol/conformance) against our
// HTTP server, for the generic scenarios any server must pass (TESTING.md B1). The
// fixture-bound scenarios (test_* tools, test:// resources) need a conformance
// fixture project and are not run here.
//
// The target is started by `startTarget()`: today the HTTP server on the stand-in
// test engine (test-engine.fixture.ts); point it at the real worker once it exists.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle } from './http.js';
import { createTestEngine } from './test-engine.fixture.js';

const CONFORMANCE_CLI = fileURLToPath(
  new URL('../../../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url),
);

const GENERIC_SERVER_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'logging-set-level',
  'dns-rebinding-protection',
] as const;

async function startTarget(stateless: boolean): Promise<HttpServerHandle> {
  return startHttpServer(createTestEngine(), { host: '127.0.0.1', port: 0, stateless });
}

function runConformance(url: string, scenario: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // process.execPath is the pinned Node 24 the tests run on; the CLI is plain JS.
    execFile(
      process.execPath,
      [CONFORMANCE_CLI, 'server', '--url', url, '--scenario', scenario],
      { timeout: 120_000, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe.each([
  { mode: 'stateful', stateless: false },
  { mode: 'stateless', stateless: true },
])('MCP conformance suite, generic server scenarios ($mode)', ({ stateless }) => {
  let target: HttpServerHandle;
  beforeAll(async () => {
    target = await startTarget(stateless);
  });
  afterAll(async () => {
    await target.close();
  });

  it.each(GENERIC_SERVER_SCENARIOS)('passes %s', async (scenario) => {
    const { code, output } = await runConformance(target.mcpUrl, scenario);
    expect(output).toMatch(/Passed: [1-9]\d*\/\d+, 0 failed/);
    expect(code, output).toBe(0);
  });
});
