// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned)
// against the real worker: `mxcp serve` on test/fixtures/conformance, whose
// ordinary MXCP definitions provide the suite's test_* tools, resources and
// prompts. Every scenario runs; the ones MXCP cannot express are the baseline in
// expected-failures.yml, and the suite fails if any other scenario fails or if a
// baseline entry starts passing.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, REPO_ROOT, startServe, type RunningServer } from '../support/mxcp.js';

const CONFORMANCE_CLI = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const BASELINE = join(REPO_ROOT, 'test/fixtures/conformance/expected-failures.yml');

const GENERIC = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'prompts-list',
  'logging-set-level',
  'dns-rebinding-protection',
];

function conformance(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CONFORMANCE_CLI, 'server', ...args],
      { timeout: 300_000, maxBuffer: 20 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

function scenarioLine(output: string, scenario: string): string {
  return output.split('\n').find((line) => new RegExp(`^[✓✗] ${scenario}:`).test(line)) ?? '';
}

describe.each([
  { mode: 'stateful', flags: [] as string[] },
  { mode: 'stateless', flags: ['--stateless'] },
])('MCP conformance against mxcp serve ($mode)', ({ mode, flags }) => {
  let project: ReturnType<typeof copyProject>;
  let server: RunningServer;

  beforeAll(async () => {
    project = copyProject('test/fixtures/conformance');
    server = await startServe(project.dir, flags);
  });
  afterAll(async () => {
    await server?.stop();
    project?.cleanup();
  });

  if (mode === 'stateful') {
    it('passes every scenario except the baseline of what MXCP cannot express', async () => {
      const { code, output } = await conformance([
        '--url',
        server.url,
        '--suite',
        'all',
        '--expected-failures',
        BASELINE,
      ]);
      expect(code, output).toBe(0);
      for (const scenario of [
        ...GENERIC,
        'tools-call-simple-text',
        'tools-call-error',
        'resources-read-text',
        'resources-templates-read',
        'prompts-get-simple',
        'prompts-get-with-args',
        'completion-complete',
        'server-sse-multiple-streams',
      ]) {
        expect(scenarioLine(output, scenario), `${scenario}\n${output}`).toMatch(
          /^✓ .*: [1-9]\d* passed, 0 failed/,
        );
      }
    });
  } else {
    it.each(GENERIC)('passes %s', async (scenario) => {
      const { code, output } = await conformance(['--url', server.url, '--scenario', scenario]);
      expect(output).toMatch(/Passed: [1-9]\d*\/\d+, 0 failed/);
      expect(code, output).toBe(0);
    });
  }
});
