// The test runner on the real engine: the `tests:` blocks of the fixture project in
// testdata/project run through real DuckDB. Which tests pass, fail or error is
// designed into that project; each endpoint file says what it is for.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointKind } from '../endpoints/schema.js';
import {
  openFixture,
  watchEngine,
  type OpenFixture,
  type WatchedEngine,
} from '../server/testdata/open-fixture.js';
import {
  runAllTests,
  runEndpointTests,
  suiteOfSuites,
  erroredSuite,
  worstStatus,
  type TestableEndpoint,
  type TestProgressEvent,
} from './runner.js';

let fixture: OpenFixture;
beforeAll(async () => {
  fixture = await openFixture(join(import.meta.dirname, 'testdata/project'));
});
afterAll(async () => {
  await fixture?.cleanup();
});

/** The loaded endpoint, with the `tests:` block from its YAML file. */
function endpoint(kind: EndpointKind, name: string): TestableEndpoint {
  const found = fixture.opened.loaded.find((e) => e.kind === kind && e.name === name);
  if (!found) throw new Error(`fixture has no ${kind} ${name}`);
  return found;
}

/** The real engine, watched: SQL cannot show the caller type, a user's id or raw profile. */
function engine(): WatchedEngine {
  return watchEngine(fixture.engine);
}

describe('runEndpointTests', () => {
  it('builds the arguments from key/value pairs and passes a passing test', async () => {
    const watched = engine();
    const suite = await runEndpointTests(watched, endpoint('tool', 'greet'));
    expect(suite.status).toBe('ok');
    expect(suite.tests_run).toBe(1);
    expect(suite.tests[0]).toMatchObject({ name: 'hello', description: 'greets', status: 'passed' });
    expect(suite.tests[0].error).toBeUndefined();
    expect(typeof suite.tests[0].time).toBe('number');
    expect(suite.tests[0].time).toBeGreaterThanOrEqual(0);
    expect(watched.contexts).toHaveLength(1);
  });

  it('marks an assertion failure as failed with its message', async () => {
    const suite = await runEndpointTests(engine(), endpoint('tool', 'greet_failing'));
    expect(suite.status).toBe('failed');
    expect(suite.tests[0]).toMatchObject({
      name: 'wrong',
      status: 'failed',
      error: "Expected text 'Bye' not found in result",
      description: null,
    });
    expect(suite.tests[1]).toMatchObject({
      name: 'too long',
      status: 'failed',
      error: 'result_length assertion requires array result, got str',
    });
  });

  it('marks an exception as error with its message and cause', async () => {
    const suite = await runEndpointTests(engine(), endpoint('tool', 'boom'));
    expect(suite.status).toBe('error');
    expect(suite.tests[0]).toMatchObject({
      name: 'explodes',
      status: 'error',
      error: 'Failed to execute SQL: Invalid Input Error: table missing',
      error_cause: expect.stringContaining('table missing'),
    });
  });

  it('gives error precedence over failed within a suite', async () => {
    const suite = await runEndpointTests(engine(), endpoint('tool', 'greet_mixed'));
    expect(suite.tests.map((t) => t.status)).toEqual(['failed', 'error', 'passed']);
    expect(suite.tests[1].error).toBe('Required parameter missing: name');
    expect(suite.status).toBe('error');
    expect(suite.tests_run).toBe(3);
  });

  it('reports an endpoint without tests as ok with no_tests', async () => {
    const watched = engine();
    const suite = await runEndpointTests(watched, endpoint('tool', 'untested'));
    expect(suite).toEqual({ status: 'ok', tests_run: 0, no_tests: true, tests: [] });
    expect(watched.contexts).toHaveLength(0);
  });

  it("builds a 'test' user from the test's user_context and passes request headers lower-cased", async () => {
    const watched = engine();
    const suite = await runEndpointTests(watched, endpoint('tool', 'whoami'), {
      requestHeaders: { 'X-Tenant': 'acme' },
    });
    // The expected results in whoami.yml are what get_username() & co. return in SQL.
    expect(suite.tests.map((t) => [t.name, t.status, t.error])).toEqual([
      ['as admin', 'passed', undefined],
      ['anonymous', 'passed', undefined],
    ]);
    const [first, second] = watched.contexts;
    expect(first.caller).toBe('test');
    expect(first.headers).toEqual({ 'x-tenant': 'acme' });
    expect(first.sessionId).toBeNull();
    expect(first.user).toMatchObject({
      provider: 'test',
      username: 'alice',
      user_id: 'test_user',
      raw_profile: { username: 'alice', role: 'admin' },
    });
    expect(second.user).toBeNull();
  });

  it('fails the user_context tests without request headers', async () => {
    const suite = await runEndpointTests(engine(), endpoint('tool', 'whoami'));
    expect(suite.tests.map((t) => t.status)).toEqual(['failed', 'failed']);
  });

  it('lets the --user-context override replace every test user_context', async () => {
    const watched = engine();
    const suite = await runEndpointTests(watched, endpoint('tool', 'my_name'), {
      userContext: { username: 'bob' },
    });
    expect(suite.tests.map((t) => t.status)).toEqual(['passed', 'passed']);
    expect(watched.contexts.every((c) => c.user?.provider === 'test')).toBe(true);
    // Without the override the tests' own contexts apply, and neither is bob.
    const own = await runEndpointTests(engine(), endpoint('tool', 'my_name'));
    expect(own.tests.map((t) => t.status)).toEqual(['failed', 'failed']);
  });

  it('asserts prompt tests on the last assistant message, JSON-parsed', async () => {
    const suite = await runEndpointTests(engine(), endpoint('prompt', 'summary'));
    expect(suite.tests[0]).toMatchObject({ name: 'topic', status: 'passed' });
  });

  it('runs resources by URI template', async () => {
    const watched = engine();
    const users = endpoint('resource', 'users://{id}');
    const suite = await runEndpointTests(watched, users);
    expect(suite.status).toBe('ok');
    expect(suite.tests[0]).toMatchObject({ name: 'one', status: 'passed' });
    expect(watched.contexts).toHaveLength(1);
  });

  it('reports progress per test and per endpoint', async () => {
    const events: TestProgressEvent[] = [];
    await runEndpointTests(engine(), endpoint('tool', 'greet_mixed'), { onProgress: (e) => events.push(e) });
    expect(events.map((e) => (e.type === 'test-done' ? `${e.type}:${e.done}/${e.total}` : e.type))).toEqual([
      'endpoint-start',
      'test-done:1/3',
      'test-done:2/3',
      'test-done:3/3',
      'endpoint-done',
    ]);
    expect(events[0]).toMatchObject({
      endpoint: 'tool/greet_mixed',
      path: 'tools/greet_mixed.yml',
      total: 3,
    });
  });
});

describe('runAllTests', () => {
  it('labels endpoints, sums tests_run and takes the worst status', async () => {
    const all = await runAllTests(engine(), [
      endpoint('tool', 'greet'),
      endpoint('tool', 'greet_failing'),
      endpoint('prompt', 'plain'),
    ]);
    expect(all.status).toBe('failed');
    expect(all.tests_run).toBe(3);
    expect(all.endpoints.map((e) => [e.endpoint, e.path, e.test_results.status])).toEqual([
      ['tool/greet', 'tools/greet.yml', 'ok'],
      ['tool/greet_failing', 'tools/greet_failing.yml', 'failed'],
      ['prompt/plain', 'prompts/plain.yml', 'ok'],
    ]);
    expect(all.endpoints[1].test_results.tests[1].error).toBe(
      'result_length assertion requires array result, got str',
    );
  });

  it('is ok when every endpoint has no tests', async () => {
    const all = await runAllTests(engine(), [endpoint('tool', 'untested'), endpoint('prompt', 'plain')]);
    expect(all).toMatchObject({ status: 'ok', tests_run: 0 });
    expect(all.endpoints.every((e) => e.test_results.no_tests === true)).toBe(true);
  });

  it('runs every endpoint of the project and reports each designed outcome', async () => {
    const all = await runAllTests(engine(), fixture.opened.loaded);
    expect(all.status).toBe('error');
    expect(Object.fromEntries(all.endpoints.map((e) => [e.endpoint, e.test_results.status]))).toEqual({
      'prompt/plain': 'ok',
      'prompt/summary': 'ok',
      'resource/users://{id}': 'ok',
      'tool/boom': 'error',
      'tool/greet': 'ok',
      'tool/greet_failing': 'failed',
      'tool/greet_mixed': 'error',
      'tool/my_name': 'failed',
      'tool/untested': 'ok',
      'tool/whoami': 'failed',
    });
  });
});

describe('suite status precedence', () => {
  it('orders error over failed over ok', () => {
    expect(worstStatus([])).toBe('ok');
    expect(worstStatus(['ok', 'ok'])).toBe('ok');
    expect(worstStatus(['ok', 'failed'])).toBe('failed');
    expect(worstStatus(['failed', 'error', 'ok'])).toBe('error');
  });

  it('counts an endpoint that could not be tested as an error', () => {
    const all = suiteOfSuites([
      { endpoint: 'tool/a', path: 'a', test_results: { status: 'failed', tests_run: 1, tests: [] } },
      { endpoint: 'tool/b', path: 'b', test_results: erroredSuite('Failed to load endpoint') },
    ]);
    expect(all.status).toBe('error');
    expect(all.endpoints[1].test_results).toEqual({
      status: 'error',
      tests_run: 0,
      tests: [],
      message: 'Failed to load endpoint',
    });
  });
});
