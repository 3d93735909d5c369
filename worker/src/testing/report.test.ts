import { describe, expect, it } from 'vitest';
import { renderProgressLine, renderTestReport, singleEndpointReport } from './report.js';
import type { AllTestsResult, TestSuiteResult } from './runner.js';

const ESC = '\u001b[';

const passingSuite: TestSuiteResult = {
  status: 'ok',
  tests_run: 1,
  tests: [{ name: 'greets', description: null, status: 'passed', time: 0.0123 }],
};
const failingSuite: TestSuiteResult = {
  status: 'error',
  tests_run: 2,
  tests: [
    {
      name: 'exact',
      description: null,
      status: 'failed',
      error: 'Result does not match expected output.\nExpected: 1\nGot: 2',
      time: 0.02,
    },
    {
      name: 'explodes',
      description: null,
      status: 'error',
      error: 'Failed to execute SQL: x',
      error_cause: 'Catalog Error: t',
      time: 0.5,
    },
  ],
};
const results: AllTestsResult = {
  status: 'error',
  tests_run: 3,
  endpoints: [
    { endpoint: 'tool/ok_tool', path: 'tools/ok.yml', test_results: passingSuite },
    { endpoint: 'tool/bad_tool', path: 'tools/bad.yml', test_results: failingSuite },
    {
      endpoint: 'prompt/untested',
      path: 'prompts/u.yml',
      test_results: { status: 'ok', tests_run: 0, tests: [], no_tests: true },
    },
  ],
};

describe('renderTestReport', () => {
  const text = renderTestReport(results, { color: false });

  it('starts with the summary title and lists failing endpoints before passing ones', () => {
    expect(text.startsWith('🧪 Test Execution Summary\n')).toBe(true);
    expect(text.indexOf('tool/bad_tool')).toBeGreaterThan(0);
    expect(text.indexOf('tool/bad_tool')).toBeLessThan(text.indexOf('tool/ok_tool'));
  });

  it('marks each test with ✓ or ✗ and its time', () => {
    expect(text).toContain('  ✓ greets (0.01s)');
    expect(text).toContain('  ✗ exact (0.02s)');
    expect(text).toContain('  ✗ explodes (0.50s)');
  });

  it('shows failure messages, every line indented', () => {
    expect(text).toContain(
      '      Failed: Result does not match expected output.\n      Expected: 1\n      Got: 2',
    );
    expect(text).toContain('      Error: Failed to execute SQL: x');
  });

  it('shows the error cause only with debug', () => {
    expect(text).not.toContain('Catalog Error');
    expect(renderTestReport(results, { color: false, debug: true })).toContain(
      '      Cause: Catalog Error: t',
    );
  });

  it('lists endpoints without tests and ends with counts and total time', () => {
    expect(text).toContain('  • prompt/untested (prompts/u.yml)');
    expect(text).toContain(
      '❌ 3 test(s) in 2 endpoint(s): 1 passed, 1 failed, 1 error\n⏱️ Total time: 0.53s\n',
    );
  });

  it('uses the given wall-clock time', () => {
    expect(renderTestReport(results, { color: false, totalTime: 2 })).toContain('⏱️ Total time: 2.00s');
  });

  it('has no escape codes without colour and has them with colour', () => {
    expect(text).not.toContain(ESC);
    expect(renderTestReport(results, { color: true })).toContain(ESC);
  });

  it('renders a single endpoint suite the same way', () => {
    const single = renderTestReport(singleEndpointReport('tool/ok_tool', 'tools/ok.yml', passingSuite), {
      color: false,
    });
    expect(single).toContain('✓ tool/ok_tool (tools/ok.yml)');
    expect(single).toContain('✅ 1 test(s) in 1 endpoint(s): 1 passed');
  });
});

describe('renderProgressLine', () => {
  it('shows progress while an endpoint runs and a verdict when it is done', () => {
    const opts = { color: false };
    expect(
      renderProgressLine({ type: 'endpoint-start', endpoint: 'tool/a', path: 'a', total: 2 }, opts),
    ).toBe('⏳ tool/a 0/2');
    expect(
      renderProgressLine(
        { type: 'test-done', endpoint: 'tool/a', path: 'a', test: passingSuite.tests[0], done: 1, total: 2 },
        opts,
      ),
    ).toBe('⏳ tool/a 1/2');
    expect(
      renderProgressLine(
        { type: 'endpoint-done', endpoint: 'tool/a', path: 'a', result: failingSuite },
        opts,
      ),
    ).toBe('✗ tool/a (0/2 passed)');
    expect(
      renderProgressLine(
        { type: 'endpoint-done', endpoint: 'tool/a', path: 'a', result: passingSuite },
        opts,
      ),
    ).toBe('✓ tool/a (1/1 passed)');
    expect(
      renderProgressLine(
        {
          type: 'endpoint-done',
          endpoint: 'p/x',
          path: 'x',
          result: { status: 'ok', tests_run: 0, tests: [], no_tests: true },
        },
        opts,
      ),
    ).toBe('○ p/x (no tests)');
  });

  it('colours only when asked', () => {
    const event = { type: 'endpoint-done' as const, endpoint: 'tool/a', path: 'a', result: passingSuite };
    expect(renderProgressLine(event, { color: true })).toContain(ESC);
  });
});
