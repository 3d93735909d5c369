// Human output of `mxcp test`: the end-of-run summary and the per-endpoint
// progress line shown on a TTY while tests run. Pure: returns strings; the
// caller decides where they go. With `color: false` there are no ANSI codes.
import pc from 'picocolors';
import type {
  AllTestsResult,
  EndpointTestResult,
  TestProgressEvent,
  TestResult,
  TestSuiteResult,
} from './runner.js';

export interface TestReportOptions {
  color: boolean;
  /** Show `error_cause` under a failed test (`--debug`). */
  debug?: boolean;
  /** Wall-clock seconds of the run; defaults to the sum of the test times. */
  totalTime?: number;
}

/** The full summary for `mxcp test` (all endpoints, or one wrapped by `singleEndpointReport`). */
export function renderTestReport(results: AllTestsResult, opts: TestReportOptions): string {
  const c = pc.createColors(opts.color);
  const lines: string[] = [c.bold('🧪 Test Execution Summary'), ''];

  const withTests = results.endpoints.filter((e) => !e.test_results.no_tests);
  const withoutTests = results.endpoints.filter((e) => e.test_results.no_tests);
  // Failing endpoints come first so the problem is on screen without scrolling.
  const failing = withTests.filter((e) => e.test_results.status !== 'ok');
  const passing = withTests.filter((e) => e.test_results.status === 'ok');

  for (const endpoint of [...failing, ...passing]) lines.push(...renderEndpoint(endpoint, opts, c), '');

  if (withoutTests.length > 0) {
    lines.push(c.yellow(`⚠️  ${withoutTests.length} endpoint(s) without tests:`));
    for (const e of withoutTests) lines.push(`  • ${e.endpoint} ${c.dim(`(${e.path})`)}`);
    lines.push('');
  }

  const counts = countTests(results.endpoints.flatMap((e) => e.test_results.tests));
  const parts = [c.green(`${counts.passed} passed`)];
  if (counts.failed > 0) parts.push(c.red(`${counts.failed} failed`));
  if (counts.error > 0) parts.push(c.red(`${counts.error} error${counts.error === 1 ? '' : 's'}`));
  const verdict = results.status === 'ok' ? c.green('✅') : c.red('❌');
  lines.push(
    `${verdict} ${results.tests_run} test(s) in ${withTests.length} endpoint(s): ${parts.join(', ')}`,
  );
  lines.push(`⏱️ Total time: ${formatSeconds(opts.totalTime ?? sumTimes(results))}`);
  return lines.join('\n') + '\n';
}

/** `mxcp test tool x` prints one suite; this shapes it like an all-endpoints run for `renderTestReport`. */
export function singleEndpointReport(endpoint: string, path: string, suite: TestSuiteResult): AllTestsResult {
  return {
    status: suite.status,
    tests_run: suite.tests_run,
    endpoints: [{ endpoint, path, test_results: suite }],
  };
}

/**
 * One line per endpoint for a TTY: `endpoint-start` and `test-done` give an
 * in-progress line (the caller rewrites it in place), `endpoint-done` the final
 * one (the caller ends it with a newline).
 */
export function renderProgressLine(event: TestProgressEvent, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  switch (event.type) {
    case 'endpoint-start':
      return `${c.cyan('⏳')} ${event.endpoint} ${c.dim(`0/${event.total}`)}`;
    case 'test-done':
      return `${c.cyan('⏳')} ${event.endpoint} ${c.dim(`${event.done}/${event.total}`)}`;
    case 'endpoint-done': {
      const suite = event.result;
      if (suite.no_tests) return `${c.yellow('○')} ${event.endpoint} ${c.dim('(no tests)')}`;
      const counts = countTests(suite.tests);
      const mark = suite.status === 'ok' ? c.green('✓') : c.red('✗');
      const detail = suite.message ?? `${counts.passed}/${suite.tests_run} passed`;
      return `${mark} ${event.endpoint} ${c.dim(`(${detail})`)}`;
    }
  }
}

function renderEndpoint(
  endpoint: EndpointTestResult,
  opts: TestReportOptions,
  c: ReturnType<typeof pc.createColors>,
): string[] {
  const suite = endpoint.test_results;
  const mark = suite.status === 'ok' ? c.green('✓') : c.red('✗');
  const lines = [`${mark} ${c.bold(endpoint.endpoint)} ${c.dim(`(${endpoint.path})`)}`];
  if (suite.message) lines.push(`    ${c.red(`Error: ${suite.message}`)}`);
  for (const test of suite.tests) lines.push(...renderTest(test, opts, c));
  return lines;
}

function renderTest(
  test: TestResult,
  opts: TestReportOptions,
  c: ReturnType<typeof pc.createColors>,
): string[] {
  const time = c.dim(`(${formatSeconds(test.time)})`);
  if (test.status === 'passed') return [`  ${c.green('✓')} ${test.name} ${time}`];
  const label = test.status === 'error' ? 'Error' : 'Failed';
  const lines = [`  ${c.red('✗')} ${test.name} ${time}`];
  if (test.error) lines.push(...indent(`${label}: ${test.error}`, 6).map((l) => c.red(l)));
  if (opts.debug && test.error_cause)
    lines.push(...indent(`Cause: ${test.error_cause}`, 6).map((l) => c.dim(l)));
  return lines;
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => ' '.repeat(spaces) + line);
}

function countTests(tests: TestResult[]): { passed: number; failed: number; error: number } {
  const counts = { passed: 0, failed: 0, error: 0 };
  for (const t of tests) counts[t.status]++;
  return counts;
}

function sumTimes(results: AllTestsResult): number {
  return results.endpoints.reduce((sum, e) => sum + e.test_results.tests.reduce((s, t) => s + t.time, 0), 0);
}

function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(2)}s`;
}
