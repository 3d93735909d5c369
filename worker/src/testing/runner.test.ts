import { describe, expect, it } from 'vitest';
import type { EndpointKind, PromptDefinition, ToolDefinition } from '../endpoints/schema.js';
import type { RequestContext } from '../engine/context.js';
import { EndpointError, type Engine } from '../engine/types.js';
import {
  runAllTests,
  runEndpointTests,
  suiteOfSuites,
  erroredSuite,
  worstStatus,
  type TestProgressEvent,
} from './runner.js';

/**
 * STAND-IN FOR THE ENGINE. The real engine (worker/src/engine) is written in
 * parallel; this tiny Engine runs endpoints as plain functions so the runner's
 * own logic (arguments, contexts, statuses, timing) can be tested now. End-to-end
 * `mxcp test` tests against the real engine live with the CLI.
 */
class StandInEngine implements Engine {
  readonly calls: { kind: EndpointKind; name: string; args: Record<string, unknown>; ctx: RequestContext }[] =
    [];
  constructor(
    private readonly handlers: Record<
      string,
      (args: Record<string, unknown>, ctx: RequestContext) => unknown
    >,
  ) {}
  complete(): string[] {
    return [];
  }

  async run(
    kind: EndpointKind,
    name: string,
    args: Record<string, unknown>,
    ctx: RequestContext,
  ): Promise<unknown> {
    this.calls.push({ kind, name, args, ctx });
    const handler = this.handlers[`${kind}/${name}`];
    if (!handler) throw new EndpointError(`Unknown ${kind}: ${name}`);
    return handler(args, ctx);
  }
  listTools(): never {
    throw new Error('not used by the test runner');
  }
  listResources(): never {
    throw new Error('not used by the test runner');
  }
  listPrompts(): never {
    throw new Error('not used by the test runner');
  }
  callTool(): never {
    throw new Error('not used by the test runner');
  }
  readResource(): never {
    throw new Error('not used by the test runner');
  }
  getPrompt(): never {
    throw new Error('not used by the test runner');
  }
  async close(): Promise<void> {}
}

const greetTool = (tests: ToolDefinition['tests']): ToolDefinition => ({ name: 'greet', tests });
const greetEngine = () =>
  new StandInEngine({
    'tool/greet': (args) => {
      if (typeof args.name !== 'string') throw new EndpointError('Required parameter missing: name');
      return `Hello, ${args.name}!`;
    },
  });

describe('runEndpointTests', () => {
  it('builds the arguments from key/value pairs and passes a passing test', async () => {
    const engine = greetEngine();
    const suite = await runEndpointTests(engine, {
      kind: 'tool',
      name: 'greet',
      path: 'tools/greet.yml',
      definition: greetTool([
        {
          name: 'hello',
          description: 'greets',
          arguments: [{ key: 'name', value: 'Ann' }],
          result: 'Hello, Ann!',
        },
      ]),
    });
    expect(engine.calls[0].args).toEqual({ name: 'Ann' });
    expect(suite.status).toBe('ok');
    expect(suite.tests_run).toBe(1);
    expect(suite.tests[0]).toMatchObject({ name: 'hello', description: 'greets', status: 'passed' });
    expect(suite.tests[0].error).toBeUndefined();
    expect(typeof suite.tests[0].time).toBe('number');
    expect(suite.tests[0].time).toBeGreaterThanOrEqual(0);
  });

  it('marks an assertion failure as failed with its message', async () => {
    const suite = await runEndpointTests(greetEngine(), {
      kind: 'tool',
      name: 'greet',
      path: 'tools/greet.yml',
      definition: greetTool([
        { name: 'wrong', arguments: [{ key: 'name', value: 'Ann' }], result_contains_text: 'Bye' },
      ]),
    });
    expect(suite.status).toBe('failed');
    expect(suite.tests[0]).toMatchObject({
      status: 'failed',
      error: "Expected text 'Bye' not found in result",
      description: null,
    });
  });

  it('marks an exception as error with its message and cause', async () => {
    const engine = new StandInEngine({
      'tool/boom': () => {
        throw new EndpointError('Failed to execute SQL: table missing', {
          cause: new Error('Catalog Error: t'),
        });
      },
    });
    const suite = await runEndpointTests(engine, {
      kind: 'tool',
      name: 'boom',
      path: 'tools/boom.yml',
      definition: { name: 'boom', tests: [{ name: 'explodes', arguments: [] }] },
    });
    expect(suite.status).toBe('error');
    expect(suite.tests[0]).toMatchObject({
      status: 'error',
      error: 'Failed to execute SQL: table missing',
      error_cause: 'Catalog Error: t',
    });
  });

  it('gives error precedence over failed within a suite', async () => {
    const suite = await runEndpointTests(greetEngine(), {
      kind: 'tool',
      name: 'greet',
      path: 'tools/greet.yml',
      definition: greetTool([
        { name: 'fails', arguments: [{ key: 'name', value: 'A' }], result: 'x' },
        { name: 'errors', arguments: [] },
        { name: 'passes', arguments: [{ key: 'name', value: 'B' }] },
      ]),
    });
    expect(suite.tests.map((t) => t.status)).toEqual(['failed', 'error', 'passed']);
    expect(suite.status).toBe('error');
    expect(suite.tests_run).toBe(3);
  });

  it('reports an endpoint without tests as ok with no_tests', async () => {
    const engine = greetEngine();
    const suite = await runEndpointTests(engine, {
      kind: 'tool',
      name: 'greet',
      path: 'tools/greet.yml',
      definition: greetTool(undefined),
    });
    expect(suite).toEqual({ status: 'ok', tests_run: 0, no_tests: true, tests: [] });
    expect(engine.calls).toHaveLength(0);
  });

  it("builds a 'test' user from the test's user_context and passes request headers lower-cased", async () => {
    const engine = new StandInEngine({
      'tool/whoami': (_args, ctx) => ({ user: ctx.user?.username ?? null }),
    });
    const definition: ToolDefinition = {
      name: 'whoami',
      tests: [
        {
          name: 'as admin',
          arguments: [],
          user_context: { username: 'alice', role: 'admin' },
          result: { user: 'alice' },
        },
        { name: 'anonymous', arguments: [], result: { user: null } },
      ],
    };
    const suite = await runEndpointTests(
      engine,
      { kind: 'tool', name: 'whoami', path: 'p', definition },
      { requestHeaders: { 'X-Tenant': 'acme' } },
    );
    expect(suite.status).toBe('ok');
    const [first, second] = engine.calls;
    expect(first.ctx.caller).toBe('test');
    expect(first.ctx.headers).toEqual({ 'x-tenant': 'acme' });
    expect(first.ctx.user).toMatchObject({
      provider: 'test',
      username: 'alice',
      user_id: 'test_user',
      raw_profile: { username: 'alice', role: 'admin' },
    });
    expect(second.ctx.user).toBeNull();
  });

  it('lets the --user-context override replace every test user_context', async () => {
    const engine = new StandInEngine({ 'tool/whoami': (_args, ctx) => ctx.user?.username });
    const definition: ToolDefinition = {
      name: 'whoami',
      tests: [
        { name: 'own user', arguments: [], user_context: { username: 'alice' }, result: 'bob' },
        { name: 'no user', arguments: [], result: 'bob' },
      ],
    };
    const suite = await runEndpointTests(
      engine,
      { kind: 'tool', name: 'whoami', path: 'p', definition },
      { userContext: { username: 'bob' } },
    );
    expect(suite.tests.map((t) => t.status)).toEqual(['passed', 'passed']);
    expect(engine.calls.every((c) => c.ctx.user?.provider === 'test')).toBe(true);
  });

  it('asserts prompt tests on the last assistant message, JSON-parsed', async () => {
    const engine = new StandInEngine({
      'prompt/summary': (args) => [
        { prompt: 'You are terse.', role: 'system', type: 'text' },
        { prompt: `{"topic": "${String(args.topic)}", "ok": true}`, role: 'assistant', type: 'text' },
      ],
    });
    const definition: PromptDefinition = {
      name: 'summary',
      messages: [],
      tests: [
        {
          name: 'topic',
          arguments: [{ key: 'topic', value: 'quakes' }],
          result_contains: { topic: 'quakes' },
        },
      ],
    };
    const suite = await runEndpointTests(engine, {
      kind: 'prompt',
      name: 'summary',
      path: 'prompts/s.yml',
      definition,
    });
    expect(suite.tests[0].status).toBe('passed');
  });

  it('runs resources by URI template', async () => {
    const engine = new StandInEngine({ 'resource/users://{id}': (args) => [{ id: args.id }] });
    const suite = await runEndpointTests(engine, {
      kind: 'resource',
      name: 'users://{id}',
      path: 'resources/u.yml',
      definition: {
        uri: 'users://{id}',
        tests: [{ name: 'one', arguments: [{ key: 'id', value: 7 }], result_length: 1 }],
      },
    });
    expect(suite.status).toBe('ok');
  });

  it('reports progress per test and per endpoint', async () => {
    const events: TestProgressEvent[] = [];
    await runEndpointTests(
      greetEngine(),
      {
        kind: 'tool',
        name: 'greet',
        path: 'tools/greet.yml',
        definition: greetTool([
          { name: 'a', arguments: [{ key: 'name', value: 'A' }] },
          { name: 'b', arguments: [{ key: 'name', value: 'B' }] },
        ]),
      },
      { onProgress: (e) => events.push(e) },
    );
    expect(events.map((e) => (e.type === 'test-done' ? `${e.type}:${e.done}/${e.total}` : e.type))).toEqual([
      'endpoint-start',
      'test-done:1/2',
      'test-done:2/2',
      'endpoint-done',
    ]);
  });
});

describe('runAllTests', () => {
  it('labels endpoints, sums tests_run and takes the worst status', async () => {
    const engine = greetEngine();
    const all = await runAllTests(engine, [
      {
        kind: 'tool',
        name: 'greet',
        path: 'tools/a.yml',
        definition: greetTool([{ name: 'ok', arguments: [{ key: 'name', value: 'A' }] }]),
      },
      {
        kind: 'tool',
        name: 'greet',
        path: 'tools/b.yml',
        definition: greetTool([{ name: 'bad', arguments: [{ key: 'name', value: 'A' }], result_length: 3 }]),
      },
      { kind: 'prompt', name: 'p', path: 'prompts/p.yml', definition: { name: 'p', messages: [] } },
    ]);
    expect(all.status).toBe('failed');
    expect(all.tests_run).toBe(2);
    expect(all.endpoints.map((e) => [e.endpoint, e.path, e.test_results.status])).toEqual([
      ['tool/greet', 'tools/a.yml', 'ok'],
      ['tool/greet', 'tools/b.yml', 'failed'],
      ['prompt/p', 'prompts/p.yml', 'ok'],
    ]);
    expect(all.endpoints[1].test_results.tests[0].error).toBe(
      'result_length assertion requires array result, got str',
    );
  });

  it('is ok when every endpoint has no tests', async () => {
    const all = await runAllTests(greetEngine(), [
      { kind: 'tool', name: 'greet', path: 'a', definition: greetTool([]) },
    ]);
    expect(all).toMatchObject({ status: 'ok', tests_run: 0 });
    expect(all.endpoints[0].test_results.no_tests).toBe(true);
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
