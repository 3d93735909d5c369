// A fuzzer over MCP JSON-RPC messages against a real `mxcp serve` (stateful streamable HTTP):
// malformed JSON, valid JSON that is not JSON-RPC, unknown methods, params of the wrong type,
// wrong tool argument types, deep nesting, batches, oversized bodies and wrong headers. Each case
// knows the answer it must get (HTTP status and JSON-RPC code); after each round the process is
// alive, /health answers and an MCP SDK client's call still works.
// The PRNG is seeded and the seed printed (replay: MXCP_FUZZ_SEED=<seed>). Short form: 6 rounds of
// 40 cases; long form (MXCP_RELIABILITY=long): 60 rounds of 200.
import { describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../support/mxcp.js';
import {
  INITIALIZE,
  MCP_HEADERS,
  connectClient,
  fuzzSeed,
  pick,
  prng,
  rawPost,
  textOf,
  writeProject,
  type RawAnswer,
} from './support.js';

const ROUNDS = pick(6, 60);
const CASES_PER_ROUND = pick(40, 200);

const PROJECT = {
  'mxcp-site.yml': 'mxcp: 1\nproject: fuzz\nprofile: default\n',
  'tools/echo.yml': `mxcp: 1
tool:
  name: echo
  description: Returns its text
  parameters:
    - name: s
      type: string
      description: text
      maxLength: 100000
  return: { type: string }
  source:
    code: SELECT $s
`,
  'tools/add.yml': `mxcp: 1
tool:
  name: add
  description: a + b
  parameters:
    - { name: a, type: integer, description: a }
    - { name: b, type: number, description: b }
  return: { type: number }
  source:
    code: SELECT $a + $b
`,
};

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const choose = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];

/** A random JSON value of bounded size: what "wrong type" params and arguments are made of. */
function anyValue(rng: Rng, depth = 0): unknown {
  const kind = int(rng, depth > 2 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
      return choose(rng, [0, -1, 1.5, 2 ** 53 + 1, -1e308, 42]);
    case 3:
      return choose(rng, ['', 'x', '\u0000', '💥', "'; DROP TABLE t; --", 'a'.repeat(300)]);
    case 4:
      return choose(rng, ['tools/call', '../../etc/passwd', '{{ x }}', '${HOME}']);
    case 5:
      return Array.from({ length: int(rng, 4) }, () => anyValue(rng, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: int(rng, 4) }, (_, i) => [`k${i}`, anyValue(rng, depth + 1)]),
      );
  }
}

interface Case {
  name: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  /** Whether the answer is right; returns a complaint or null. */
  check(answer: RawAnswer): string | null;
}

const errorCodeOf = (answer: RawAnswer, id?: unknown): number | undefined => {
  const message = answer.messages.find(
    (m) => (m as { error?: unknown }).error && (id === undefined || (m as { id?: unknown }).id === id),
  ) as { error: { code: number } } | undefined;
  return message?.error.code;
};

const expectError =
  (status: number, code: number) =>
  (answer: RawAnswer): string | null =>
    answer.status === status && errorCodeOf(answer) === code
      ? null
      : `expected HTTP ${status} with JSON-RPC ${code}, got ${answer.status} ${answer.text.slice(0, 300)}`;

const expectRpcError =
  (code: number, id: unknown) =>
  (answer: RawAnswer): string | null =>
    answer.status === 200 && errorCodeOf(answer, id) === code
      ? null
      : `expected JSON-RPC ${code} for id ${JSON.stringify(id)}, got ${answer.status} ${answer.text.slice(0, 300)}`;

/** A tool-level failure: a result with isError (MCP: tool errors are results, not protocol errors). */
const expectToolError =
  (id: unknown) =>
  (answer: RawAnswer): string | null => {
    const m = answer.messages.find((x) => (x as { id?: unknown }).id === id) as
      | { result?: { isError?: boolean }; error?: { code: number } }
      | undefined;
    if (answer.status === 200 && (m?.result?.isError === true || m?.error?.code === -32602)) return null;
    return `expected an isError result for id ${JSON.stringify(id)}, got ${answer.status} ${answer.text.slice(0, 300)}`;
  };

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function makeCase(rng: Rng, id: number): Case {
  const request = (method: string, params?: unknown) =>
    JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
  switch (int(rng, 10)) {
    case 0: {
      // A proper prefix of a JSON object is never valid JSON.
      const valid = request('tools/call', { name: 'echo', arguments: { s: 'hi' } });
      return {
        name: 'truncated JSON',
        body: valid.slice(0, int(rng, valid.length - 1)),
        check: expectError(400, -32700),
      };
    }
    case 1: {
      const junk = choose(rng, [
        '{',
        '{"jsonrpc":"2.0",}',
        "{'a':1}",
        '{"a":NaN}',
        '\u0000\u0001',
        '{"a":1}}',
        'nul',
      ]);
      return { name: 'malformed JSON', body: junk, check: expectError(400, -32700) };
    }
    case 2: {
      const value = choose(rng, [
        '42',
        'null',
        'true',
        '"tools/call"',
        '[]',
        '[1,2,3]',
        '{}',
        JSON.stringify({ jsonrpc: '1.0', id, method: 'ping' }),
        JSON.stringify({ jsonrpc: '2.0', id: { nested: true }, method: 'ping' }),
        JSON.stringify({ jsonrpc: '2.0', id, method: 7 }),
        JSON.stringify({ id, method: 'ping' }),
      ]);
      return { name: 'not a JSON-RPC message', body: value, check: expectError(400, -32600) };
    }
    case 3: {
      const method =
        choose(rng, ['nope', 'tools/run', 'resources/delete', 'admin/reload', '', 'rpc.discover', '../x']) +
        (rng() < 0.5 ? '' : String(id));
      // MCP params are an object (or absent); other shapes are invalid requests, tested above.
      const params = rng() < 0.3 ? undefined : { value: anyValue(rng) };
      return {
        name: `unknown method ${method}`,
        body: request(method, params),
        check: expectRpcError(-32601, id),
      };
    }
    case 4: {
      // Params of the wrong shape for a known method.
      const [method, params] = choose(rng, [
        ['tools/call', { name: choose(rng, [7, null, true, ['echo'], { n: 1 }]) }],
        ['tools/call', { name: 'echo', arguments: choose(rng, [1, 'text', [1], true]) }],
        ['tools/list', { cursor: choose(rng, [5, true, { a: 1 }]) }],
        ['resources/read', { uri: choose(rng, [5, null, ['x']]) }],
        ['prompts/get', { name: choose(rng, [5, false]) }],
        ['logging/setLevel', { level: choose(rng, ['loud', 3, null]) }],
        ['completion/complete', { ref: choose(rng, [1, 'x', { type: 'nope' }]) }],
      ] as const);
      return {
        name: `wrong params for ${method}`,
        body: request(method, params),
        check: expectRpcError(-32602, id),
      };
    }
    case 5: {
      // Well-formed call, arguments the tool must refuse: a tool error result. (MXCP coerces
      // scalars, e.g. "1" for an integer or 1 for a string, and lets null through: not here.)
      const [tool, args] = choose(rng, [
        ['echo', { s: choose(rng, [[1], { a: 1 }]) }],
        ['add', { a: choose(rng, ['x', [], {}]), b: 2 }],
        ['add', { a: 1, b: choose(rng, ['x', [], {}]) }],
        ['add', { a: 1 }],
        ['echo', { s: 'x', extra: anyValue(rng) }],
        ['no_such_tool', { s: 'x' }],
      ] as const);
      return {
        name: `wrong arguments for ${tool}`,
        body: request('tools/call', { name: tool, arguments: args }),
        check: expectToolError(id),
      };
    }
    case 6: {
      const depth = choose(rng, [100, 1000, 10_000, 100_000]);
      const body = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"s":${nested(depth)}}}}`;
      return { name: `nesting ${depth} deep`, body, check: expectToolError(id) };
    }
    case 7: {
      const size = choose(rng, [5, 8, 16]) * 1024 * 1024;
      const body = Buffer.alloc(size, 'a');
      body.write(
        `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"s":"`,
      );
      return {
        name: `${size >> 20} MiB body`,
        body,
        check: (a) =>
          a.status === 413 && errorCodeOf(a) !== undefined
            ? null
            : `expected 413 with a JSON-RPC error, got ${a.status} ${a.text.slice(0, 200)}`,
      };
    }
    case 8: {
      // A batch: each request answered on its own (ping ok, unknown method -32601).
      const batch = JSON.stringify([
        { jsonrpc: '2.0', id: `${id}-a`, method: 'ping' },
        { jsonrpc: '2.0', id: `${id}-b`, method: `nope${id}` },
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'none' } },
      ]);
      return {
        name: 'batch',
        body: batch,
        check: (a) => {
          const ping = a.messages.find((m) => (m as { id?: unknown }).id === `${id}-a`) as
            | { result?: unknown }
            | undefined;
          if (a.status === 200 && ping?.result !== undefined && errorCodeOf(a, `${id}-b`) === -32601)
            return null;
          return `batch answered ${a.status} ${a.text.slice(0, 300)}`;
        },
      };
    }
    default: {
      const body = request('tools/call', { name: 'echo', arguments: { s: 'x' } });
      if (rng() < 0.5) {
        const contentType = choose(rng, [
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/xml',
        ]);
        return {
          name: `Content-Type ${contentType}`,
          body,
          headers: { ...MCP_HEADERS, 'content-type': contentType },
          check: (a) =>
            a.status === 415 && errorCodeOf(a) !== undefined
              ? null
              : `expected 415, got ${a.status} ${a.text.slice(0, 200)}`,
        };
      }
      const accept = choose(rng, ['application/json', 'text/event-stream', 'text/html', '*/*']);
      return {
        name: `Accept ${accept}`,
        body,
        headers: { ...MCP_HEADERS, accept },
        check: (a) =>
          a.status === 406 && errorCodeOf(a) !== undefined
            ? null
            : `expected 406, got ${a.status} ${a.text.slice(0, 200)}`,
      };
    }
  }
}

/** A raw MCP session: the headers every later POST needs. */
async function openSession(url: string): Promise<Record<string, string>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify(INITIALIZE),
  });
  await response.text();
  const sessionId = response.headers.get('mcp-session-id');
  if (!sessionId) throw new Error(`no session id (HTTP ${response.status})`);
  const headers = { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
  await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return headers;
}

describe(`JSON-RPC fuzzer (${ROUNDS} rounds of ${CASES_PER_ROUND} cases)`, () => {
  it(
    'answers every bad message with the right JSON-RPC error and keeps serving',
    async () => {
      const seed = fuzzSeed('jsonrpc-fuzz');
      const rng = prng(seed);
      const project = writeProject(PROJECT);
      let server: RunningServer | undefined;
      try {
        server = await startServe(project.dir);
        const client = await connectClient(server.url);
        const session = await openSession(server.url);
        const complaints: string[] = [];
        const seen = new Map<string, number>();
        let id = 1;
        for (let round = 0; round < ROUNDS; round++) {
          for (let i = 0; i < CASES_PER_ROUND; i++) {
            const c = makeCase(rng, id++);
            const kind = c.name.replace(/\d+/g, 'N');
            seen.set(kind, (seen.get(kind) ?? 0) + 1);
            let answer: RawAnswer;
            try {
              answer = await rawPost(server.url, c.body, { ...session, ...(c.headers ?? {}) });
            } catch (error) {
              complaints.push(`round ${round} ${c.name}: no answer (${(error as Error).message})`);
              continue;
            }
            const complaint = c.check(answer);
            if (complaint) complaints.push(`round ${round} ${c.name}: ${complaint}`);
          }
          // After each round: alive, healthy, and a real client's call works.
          expect((await fetch(`${server.url.replace(/\/mcp$/, '')}/health`)).status).toBe(200);
          const ok = await client.callTool({ name: 'echo', arguments: { s: `round ${round}` } });
          expect(textOf(ok)).toBe(`round ${round}`);
          if (complaints.length > 0) break;
        }
        await client.close();
        expect(complaints.slice(0, 10), `seed ${seed}`).toEqual([]);
        expect(server.output()).not.toMatch(/Uncaught|FATAL|RangeError: Maximum call stack/);
        console.log(
          `jsonrpc-fuzz: ${id - 1} messages, seed ${seed}; cases: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
        );
      } finally {
        expect(await server?.stop()).toBe(0);
        project.cleanup();
      }
    },
    pick(120_000, 1_800_000),
  );
});
