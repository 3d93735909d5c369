// One MCP streamable HTTP session (or, stateless, one POST) spoken directly on Node's
// request/response: the SDK `Transport` a `Server` connects to. It does what the SDK's
// StreamableHTTPServerTransport does for us (POST answered as SSE or one JSON body,
// the GET standalone stream, DELETE, session and protocol-version checks, keep-alive
// comments) without its Node→WHATWG Request/Response conversion and without the
// repeated zod type-guard parses per message, which together cost about a third of
// the CPU of a tool call (docs/benchmarks.md). Not supported, as we never configure
// them: resumability (event store, Last-Event-ID) and the SDK's own DNS-rebinding
// options (dns-rebinding.ts guards the routes instead).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/** The SDK's limit on messages in one batch POST. */
const MAX_BATCH_SIZE = 100;
/** Interval of `: keepalive` comments on open SSE streams (the SDK's default). */
const KEEP_ALIVE_MS = 15_000;
/**
 * A POST's SSE headers go out with its first event, so a quick answer is one write.
 * A slow one gets them after this delay, so clients and proxies see the stream open.
 */
const HEADERS_DELAY_MS = 1000;

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

export type McpHttpRequest = IncomingMessage & { auth?: AuthInfo; body?: unknown };

export interface McpHttpTransportOptions {
  /** Session ids are minted on initialize; absent = stateless (one transport per POST). */
  sessionIdGenerator?: () => string;
  /** Answer POSTs with one JSON body instead of an SSE stream. */
  jsonResponse?: boolean;
  onsessioninitialized?: (sessionId: string) => void;
}

/** One HTTP response carrying answers (POST) or server-initiated messages (GET). */
interface Stream {
  res: ServerResponse;
  /** Requests answered on this stream, in arrival order; empty for the GET stream. */
  ids: RequestId[];
  answers: Map<RequestId, JSONRPCMessage>;
  json: boolean;
  /** Headers-flush timer, then the keep-alive interval. */
  timer?: NodeJS.Timeout;
  done: boolean;
}

export class McpHttpTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private initialized = false;
  private closed = false;
  private handledRequest = false;
  private readonly streamOf = new Map<RequestId, Stream>();
  private standalone: Stream | undefined;

  constructor(private readonly opts: McpHttpTransportOptions = {}) {}

  /** True while a response stream is open (the GET stream, or a POST still being answered). */
  get streaming(): boolean {
    return (this.standalone !== undefined && !this.standalone.done) || this.streamOf.size > 0;
  }

  async start(): Promise<void> {
    // Nothing to open: every HTTP request brings its own connection.
  }

  /** Handles a GET, POST (body already parsed into `req.body`) or DELETE on the MCP endpoint. */
  async handleRequest(req: McpHttpRequest, res: ServerResponse): Promise<void> {
    if (this.closed) return this.fail(res, 404, -32001, 'Session not found');
    if (!this.opts.sessionIdGenerator && this.handledRequest) {
      throw new Error(
        'Stateless transport cannot be reused across requests. Create a new transport per request.',
      );
    }
    this.handledRequest = true;
    switch (req.method) {
      case 'POST':
        return this.handlePost(req, res);
      case 'GET':
        return this.handleGet(req, res);
      case 'DELETE':
        return this.handleDelete(req, res);
      default:
        res.setHeader('Allow', 'GET, POST, DELETE');
        return this.fail(res, 405, -32000, 'Method not allowed.');
    }
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isAnswer = ('result' in message || 'error' in message) && !('method' in message);
    const requestId = isAnswer ? (message as { id?: RequestId }).id : options?.relatedRequestId;
    if (requestId === undefined) {
      if (isAnswer) {
        throw new Error(
          'Cannot send a response on a standalone SSE stream unless resuming a previous client request',
        );
      }
      // Without a GET stream open, a server-initiated message has nowhere to go.
      if (this.standalone) writeEvent(this.standalone, message);
      return;
    }
    const stream = this.streamOf.get(requestId);
    if (!stream) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    if (stream.done) {
      // The client went away: forget the stream's requests; the answer cannot be delivered.
      for (const id of stream.ids) this.streamOf.delete(id);
      throw new Error(`No connection established for request ID: ${String(requestId)}`);
    }
    if (!isAnswer) {
      // Notifications and server requests tied to a call ride its SSE stream; JSON mode has none.
      if (!stream.json) writeEvent(stream, message);
      return;
    }
    stream.answers.set(requestId, message);
    if (stream.answers.size < stream.ids.length) {
      if (!stream.json) writeEvent(stream, message);
      return;
    }
    for (const id of stream.ids) this.streamOf.delete(id);
    if (stream.json) {
      const answers = stream.ids.map((id) => stream.answers.get(id));
      endStream(stream, JSON.stringify(answers.length === 1 ? answers[0] : answers));
    } else {
      endStream(stream, sseEvent(message));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const streams = new Set(this.streamOf.values());
    if (this.standalone) streams.add(this.standalone);
    this.streamOf.clear();
    this.standalone = undefined;
    for (const stream of streams) {
      // An SSE stream ends cleanly; a JSON answer that can no longer come is cut off.
      if (stream.json) {
        clearTimeout(stream.timer);
        stream.done = true;
        stream.res.destroy();
      } else {
        endStream(stream);
      }
    }
    this.onclose?.();
  }

  private async handlePost(req: McpHttpRequest, res: ServerResponse): Promise<void> {
    try {
      // Accept is a list, so a substring check is right here (not for Content-Type).
      const accept = req.headers.accept;
      if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
        const message = 'Not Acceptable: Client must accept both application/json and text/event-stream';
        return this.fail(res, 406, -32000, message);
      }
      if (!isJsonContentType(req.headers['content-type'])) {
        return this.fail(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
      }
      const raw = req.body;
      if (Array.isArray(raw) && raw.length === 0) {
        // JSON-RPC 2.0: an empty batch is one Invalid Request, not "nothing to do".
        return this.fail(res, 400, -32600, 'Invalid Request: empty batch');
      }
      if (Array.isArray(raw) && raw.length > MAX_BATCH_SIZE) {
        return this.fail(
          res,
          400,
          -32600,
          `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`,
        );
      }
      let messages: JSONRPCMessage[];
      try {
        messages = (Array.isArray(raw) ? raw : [raw]).map((m) => JSONRPCMessageSchema.parse(m));
      } catch {
        // Valid JSON that is not a JSON-RPC message is an invalid request, not a parse error.
        return this.fail(res, 400, -32600, 'Invalid Request: not a valid JSON-RPC message');
      }

      // Validated messages: a request has a method and an id, a notification only a method.
      const isInit = messages.some(
        (m) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m),
      );
      if (isInit) {
        if (this.initialized && this.sessionId !== undefined) {
          return this.fail(res, 400, -32600, 'Invalid Request: Server already initialized');
        }
        if (messages.length > 1) {
          return this.fail(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
        }
        this.sessionId = this.opts.sessionIdGenerator?.();
        this.initialized = true;
        if (this.sessionId) this.opts.onsessioninitialized?.(this.sessionId);
      } else if (!this.checkSession(req, res) || !this.checkProtocolVersion(req, res)) {
        return;
      }
      if (this.closed) return this.fail(res, 404, -32001, 'Session not found');

      const extra: MessageExtraInfo = { authInfo: req.auth, requestInfo: requestInfoOf(req) };
      const requestIds: RequestId[] = [];
      for (const m of messages) if ('method' in m && 'id' in m) requestIds.push(m.id);
      if (requestIds.length === 0) {
        res.writeHead(202).end();
        for (const m of messages) this.onmessage?.(m, extra);
        return;
      }

      const json = this.opts.jsonResponse ?? false;
      const headers: Record<string, string> = json
        ? { 'content-type': 'application/json' }
        : { ...SSE_HEADERS };
      if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
      // writeHead only stages the headers: they leave with the first write.
      res.writeHead(200, headers);
      const stream: Stream = { res, ids: requestIds, answers: new Map(), json, done: false };
      for (const id of requestIds) this.streamOf.set(id, stream);
      res.on('close', () => {
        if (!stream.done) {
          stream.done = true;
          clearTimeout(stream.timer);
        }
      });
      for (const m of messages) this.onmessage?.(m, extra);
      if (!stream.done && !json) {
        stream.timer = setTimeout(() => startKeepAlive(stream), HEADERS_DELAY_MS).unref();
      }
    } catch (error) {
      this.onerror?.(error as Error);
      this.fail(res, 400, -32700, 'Parse error', String(error));
    }
  }

  private async handleGet(req: McpHttpRequest, res: ServerResponse): Promise<void> {
    if (!req.headers.accept?.includes('text/event-stream')) {
      return this.fail(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (!this.checkSession(req, res) || !this.checkProtocolVersion(req, res)) return;
    if (this.standalone) {
      return this.fail(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    }
    const headers: Record<string, string> = { ...SSE_HEADERS };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    res.writeHead(200, headers);
    const stream: Stream = { res, ids: [], answers: new Map(), json: false, done: false };
    this.standalone = stream;
    res.on('close', () => {
      stream.done = true;
      clearTimeout(stream.timer);
      if (this.standalone === stream) this.standalone = undefined;
    });
    startKeepAlive(stream);
  }

  private async handleDelete(req: McpHttpRequest, res: ServerResponse): Promise<void> {
    if (!this.checkSession(req, res) || !this.checkProtocolVersion(req, res)) return;
    res.writeHead(200).end();
    await this.close();
  }

  /** Non-initialize requests must name this session (when sessions are on). */
  private checkSession(req: McpHttpRequest, res: ServerResponse): boolean {
    if (this.opts.sessionIdGenerator === undefined) return true;
    if (!this.initialized) {
      this.fail(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const id = req.headers['mcp-session-id'];
    if (!id) {
      this.fail(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (id !== this.sessionId) {
      this.fail(res, 404, -32001, 'Session not found');
      return false;
    }
    return true;
  }

  /** A request may omit MCP-Protocol-Version (the negotiated one applies) but not name an unknown one. */
  private checkProtocolVersion(req: McpHttpRequest, res: ServerResponse): boolean {
    const version = req.headers['mcp-protocol-version'];
    if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return true;
    const supported = SUPPORTED_PROTOCOL_VERSIONS.join(', ');
    this.fail(
      res,
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${supported})`,
    );
    return false;
  }

  private fail(res: ServerResponse, status: number, code: number, message: string, data?: string): void {
    this.onerror?.(new Error(message));
    const error: { code: number; message: string; data?: string } = { code, message };
    if (data !== undefined) error.data = data;
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error, id: null }));
  }
}

/** Node's headers as they are (lower-cased names); the URL is built only if a handler asks. */
function requestInfoOf(req: McpHttpRequest): NonNullable<MessageExtraInfo['requestInfo']> {
  let url: URL | undefined;
  return {
    headers: req.headers,
    get url() {
      return (url ??= new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`));
    },
  };
}

function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

function writeEvent(stream: Stream, message: JSONRPCMessage): void {
  if (!stream.done) stream.res.write(sseEvent(message));
}

/** Ends a stream, with its last chunk (headers, if still staged, go in the same write). */
function endStream(stream: Stream, last?: string): void {
  if (stream.done) return;
  stream.done = true;
  clearTimeout(stream.timer);
  stream.res.end(last);
}

function startKeepAlive(stream: Stream): void {
  if (stream.done) return;
  stream.res.flushHeaders();
  stream.timer = setInterval(() => {
    if (!stream.done) stream.res.write(': keepalive\n\n');
  }, KEEP_ALIVE_MS).unref();
}
