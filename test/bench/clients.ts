// The benchmark's clients, one per simulated user: an MCP session over streamable HTTP
// (stateful or stateless) calling one bench tool, or the baseline's plain JSON route.
// Both are spoken directly with `fetch`, so the load generator does the same kind of
// work per call for every server and the ratios compare the servers, not two client
// libraries. Used by the load generator process (load-child.ts) and by the answer checks.
import { benchArgument, BENCH_TOOL, heavyArgument, HEAVY_TOOL } from './bench-project.js';
import { REQUEST_TIMEOUT_MS, type Caller } from './load.js';

/** Which of the two queries a client runs: the trivial one-row `square` or the heavy aggregation. */
export type BenchQuery = 'square' | 'heavy';

/** Where one load run sends its calls (sent to the load generator process as JSON). */
export type LoadTarget =
  | { kind: 'mcp'; url: string; tool: string; query: BenchQuery; stateless: boolean }
  | { kind: 'baseline'; baseUrl: string; query: BenchQuery };

/** The tool (and baseline route) of each query. */
export const QUERY_TOOL: Record<BenchQuery, string> = { square: BENCH_TOOL, heavy: HEAVY_TOOL };

/** The arguments of call number `i` of a query. */
export function queryArguments(query: BenchQuery, i: number): Record<string, number> {
  return query === 'square' ? { n: benchArgument(i) } : { page: heavyArgument(i) };
}

export interface McpCaller extends Caller {
  /** The content type the server answered `initialize` with (SSE or JSON framing). */
  contentType: string;
  /** The session id the server minted; null for a stateless server. */
  sessionId: string | null;
  /** Calls the tool once and returns the JSON-RPC result (for the answer checks). */
  callOnce(i: number): Promise<unknown>;
}

/** The headers every streamable-HTTP POST carries. */
export const MCP_POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
} as const;

/** The body of an MCP `initialize` request from a client of this name. */
export function initializeRequest(clientName: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: clientName, version: '1.0.0' },
    },
  });
}

/**
 * An MCP session calling one tool: initialize, initialized, then `tools/call` POSTs whose
 * answers are parsed (SSE-framed or plain JSON, whichever the server sent). A stateless server
 * mints no session id: the client still initializes once (as the SDK client does) and then
 * sends its calls without one. A call fails on a transport error, a JSON-RPC error or `isError`.
 */
export async function connectMcp(target: Extract<LoadTarget, { kind: 'mcp' }>): Promise<McpCaller> {
  const { url, tool, query } = target;
  const init = await fetch(url, {
    method: 'POST',
    headers: MCP_POST_HEADERS,
    body: initializeRequest('mxcp-bench'),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const sessionId = init.headers.get('mcp-session-id');
  const protocol = (jsonRpcPayload(await init.text()) as { result?: { protocolVersion?: string } }).result
    ?.protocolVersion;
  if ((!sessionId && !target.stateless) || !protocol)
    throw new Error(`initialize failed: HTTP ${init.status}`);
  const headers: Record<string, string> = { ...MCP_POST_HEADERS, 'mcp-protocol-version': protocol };
  if (sessionId) headers['mcp-session-id'] = sessionId;
  await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  }).then((r) => r.text());
  const callOnce = async (i: number) => {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: i + 1,
        method: 'tools/call',
        params: { name: tool, arguments: queryArguments(query, i) },
      }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const payload = jsonRpcPayload(await response.text()) as {
      result?: { isError?: boolean };
      error?: unknown;
    };
    if (!response.ok || payload.error || !payload.result || payload.result.isError) {
      throw new Error(`tools/call failed: HTTP ${response.status} ${JSON.stringify(payload).slice(0, 500)}`);
    }
    return payload.result;
  };
  return {
    contentType: init.headers.get('content-type') ?? '',
    sessionId,
    callOnce,
    async call(i) {
      await callOnce(i);
    },
    async close() {
      if (sessionId) await fetch(url, { method: 'DELETE', headers }).catch(() => undefined);
    },
  };
}

/** The JSON-RPC message of a response body: plain JSON, or the last `data:` line of an SSE stream. */
export function jsonRpcPayload(body: string): unknown {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed);
  const data = trimmed
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((line) => line.length > 0);
  if (data.length === 0) throw new Error(`no JSON-RPC message in response: ${trimmed.slice(0, 200)}`);
  return JSON.parse(data[data.length - 1]);
}

export interface BaselineCaller extends Caller {
  /** Calls the route once and returns its JSON answer (for the answer checks). */
  callOnce(i: number): Promise<unknown>;
}

/** The baseline's route for the query, `POST /square {n}` or `POST /events_page {page}`, in a loop. */
export async function connectBaseline(baseUrl: string, query: BenchQuery): Promise<BaselineCaller> {
  const callOnce = async (i: number) => {
    const response = await fetch(`${baseUrl}/${QUERY_TOOL[query]}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(queryArguments(query, i)),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json()) as unknown;
    const valid =
      query === 'square'
        ? typeof (body as { square?: unknown }).square === 'number'
        : Array.isArray(body) && body.length > 0;
    if (!response.ok || !valid) {
      throw new Error(`HTTP ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    return body;
  };
  return {
    callOnce,
    async call(i) {
      await callOnce(i);
    },
    async close() {},
  };
}

export function connectTarget(target: LoadTarget): Promise<Caller> {
  return target.kind === 'mcp' ? connectMcp(target) : connectBaseline(target.baseUrl, target.query);
}

/**
 * Whether the JSON text of an answer holds the right result for call number `i`: `square` of
 * `n`, or the heavy page's first key with its 100 rows. Servers format JSON differently (spaces
 * after colons), so the check reads the values, not the layout.
 */
export function answerIsRight(query: BenchQuery, i: number, text: string): boolean {
  if (query === 'square') {
    const n = benchArgument(i);
    return new RegExp(`\\\\?"square\\\\?":\\s*${n * n}\\b`).test(text);
  }
  const first = heavyArgument(i) * 100;
  return (
    new RegExp(`\\\\?"k\\\\?":\\s*${first}\\b`).test(text) &&
    new RegExp(`\\\\?"rows\\\\?":\\s*100\\b`).test(text)
  );
}
