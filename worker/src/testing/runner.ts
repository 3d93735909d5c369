// Runs the `tests:` blocks of endpoints through the engine (MXCP-SPEC §4.7) and
// produces MXCP's `mxcp test` JSON shapes. The engine does the real work
// (policies, validation, reshaping); this module only builds each call's
// arguments and context, times it, and judges the result.
import { withClaimCapabilities, type ClaimMappings } from '../auth/claim-mappings.js';
import type { EndpointDefinition, EndpointKind, TestDefinition } from '../endpoints/schema.js';
import { lowerCaseKeys, userContextFromJson, type RequestContext } from '../engine/context.js';
import type { Engine } from '../engine/types.js';
import { checkAssertions, normalisePromptResult } from './assertions.js';

export type TestStatus = 'passed' | 'failed' | 'error';
export type SuiteStatus = 'ok' | 'failed' | 'error';

export interface TestResult {
  name: string;
  description: string | null;
  status: TestStatus;
  error?: string;
  error_cause?: string;
  /** Seconds, as MXCP reports it. */
  time: number;
}

export interface TestSuiteResult {
  status: SuiteStatus;
  tests_run: number;
  tests: TestResult[];
  no_tests?: boolean;
  /** Set when the suite could not run at all (e.g. the endpoint failed to load). */
  message?: string;
}

export interface EndpointTestResult {
  /** `tool/<name>`, `resource/<uri>` or `prompt/<name>`. */
  endpoint: string;
  path: string;
  test_results: TestSuiteResult;
}

export interface AllTestsResult {
  status: SuiteStatus;
  tests_run: number;
  endpoints: EndpointTestResult[];
}

export interface TestableEndpoint {
  kind: EndpointKind;
  /** The name engine.run takes: the tool or prompt name, the resource's URI template. */
  name: string;
  path: string;
  definition: EndpointDefinition;
}

export type TestProgressEvent =
  | { type: 'endpoint-start'; endpoint: string; path: string; total: number }
  | { type: 'test-done'; endpoint: string; path: string; test: TestResult; done: number; total: number }
  | { type: 'endpoint-done'; endpoint: string; path: string; result: TestSuiteResult };

export interface TestRunOptions {
  /** `--user-context`: replaces every test's own `user_context`. */
  userContext?: Record<string, unknown>;
  requestHeaders?: Record<string, string>;
  /** The profile's auth `claim_mappings`: test users get the capabilities their claims map to. */
  claimMappings?: ClaimMappings;
  onProgress?: (event: TestProgressEvent) => void;
}

export function endpointLabel(kind: EndpointKind, name: string): string {
  return `${kind}/${name}`;
}

/** Runs one endpoint's tests, one after another (they may share a database). */
export async function runEndpointTests(
  engine: Engine,
  endpoint: TestableEndpoint,
  opts: TestRunOptions = {},
): Promise<TestSuiteResult> {
  const label = endpointLabel(endpoint.kind, endpoint.name);
  const tests = endpoint.definition.tests ?? [];
  opts.onProgress?.({ type: 'endpoint-start', endpoint: label, path: endpoint.path, total: tests.length });

  let suite: TestSuiteResult;
  if (tests.length === 0) {
    suite = { status: 'ok', tests_run: 0, tests: [], no_tests: true };
  } else {
    const results: TestResult[] = [];
    for (const test of tests) {
      const result = await runOneTest(engine, endpoint, test, opts);
      results.push(result);
      opts.onProgress?.({
        type: 'test-done',
        endpoint: label,
        path: endpoint.path,
        test: result,
        done: results.length,
        total: tests.length,
      });
    }
    suite = {
      status: worstStatus(results.map((r) => testToSuiteStatus(r.status))),
      tests_run: results.length,
      tests: results,
    };
  }
  opts.onProgress?.({ type: 'endpoint-done', endpoint: label, path: endpoint.path, result: suite });
  return suite;
}

/** Runs every endpoint's tests in order; the overall status is the worst suite status. */
export async function runAllTests(
  engine: Engine,
  endpoints: TestableEndpoint[],
  opts: TestRunOptions = {},
): Promise<AllTestsResult> {
  const results: EndpointTestResult[] = [];
  for (const endpoint of endpoints) {
    results.push({
      endpoint: endpointLabel(endpoint.kind, endpoint.name),
      path: endpoint.path,
      test_results: await runEndpointTests(engine, endpoint, opts),
    });
  }
  return suiteOfSuites(results);
}

/** Combines per-endpoint results (also those built with `erroredSuite`) into the all-tests shape. */
export function suiteOfSuites(endpoints: EndpointTestResult[]): AllTestsResult {
  return {
    status: worstStatus(endpoints.map((e) => e.test_results.status)),
    tests_run: endpoints.reduce((sum, e) => sum + e.test_results.tests_run, 0),
    endpoints,
  };
}

/** The suite of an endpoint whose tests could not run at all (it failed to load or validate). */
export function erroredSuite(message: string): TestSuiteResult {
  return { status: 'error', tests_run: 0, tests: [], message };
}

/** `error` beats `failed` beats `ok`. */
export function worstStatus(statuses: SuiteStatus[]): SuiteStatus {
  if (statuses.includes('error')) return 'error';
  if (statuses.includes('failed')) return 'failed';
  return 'ok';
}

async function runOneTest(
  engine: Engine,
  endpoint: TestableEndpoint,
  test: TestDefinition,
  opts: TestRunOptions,
): Promise<TestResult> {
  const base = { name: test.name, description: test.description ?? null };
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  try {
    const raw = await engine.run(endpoint.kind, endpoint.name, testArguments(test), testContext(test, opts));
    const result = endpoint.kind === 'prompt' ? normalisePromptResult(raw) : raw;
    const failure = checkAssertions(test, result);
    const time = elapsed();
    return failure === null
      ? { ...base, status: 'passed', time }
      : { ...base, status: 'failed', error: failure, time };
  } catch (err) {
    const time = elapsed();
    const cause = rootCause(err);
    return {
      ...base,
      status: 'error',
      error: errorMessage(err),
      ...(cause !== undefined ? { error_cause: errorMessage(cause) } : {}),
      time,
    };
  }
}

function testArguments(test: TestDefinition): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const { key, value } of test.arguments) args[key] = value;
  return args;
}

function testContext(test: TestDefinition, opts: TestRunOptions): RequestContext {
  // The CLI override wins over the test's own user_context (MXCP-SPEC §1, `mxcp test`);
  // both build a "test"-provider user, as MXCP's test runner does.
  const rawUser = opts.userContext ?? test.user_context;
  return {
    user: rawUser ? withClaimCapabilities(userContextFromJson(rawUser, 'test'), opts.claimMappings) : null,
    headers: lowerCaseKeys(opts.requestHeaders ?? {}),
    sessionId: null,
    caller: 'test',
  };
}

function testToSuiteStatus(status: TestStatus): SuiteStatus {
  return status === 'passed' ? 'ok' : status;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : String(err);
}

/** The innermost cause of an error (e.g. DuckDB's own error under MXCP's message), if it has one. */
function rootCause(err: unknown): unknown {
  let cause = err instanceof Error ? err.cause : undefined;
  while (cause instanceof Error && cause.cause !== undefined && cause.cause !== null) cause = cause.cause;
  return cause ?? undefined;
}
