// MCP over stdio (`mxcp serve --transport stdio`): newline-delimited JSON-RPC on
// stdin/stdout. stdout carries protocol messages only, so nothing here prints.
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpLogFanout } from './logging.js';
import { createMcpServer, type EngineRef } from './mcp.js';

export interface StdioOptions {
  stdin?: Readable;
  stdout?: Writable;
  logs?: McpLogFanout;
  instructions?: string;
}

export interface StdioHandle {
  /** Settles when the client goes away (stdin ends) or close() is called. */
  closed: Promise<void>;
  close(): Promise<void>;
}

export async function serveStdio(engine: EngineRef, opts: StdioOptions = {}): Promise<StdioHandle> {
  const stdin = opts.stdin ?? process.stdin;
  const server = createMcpServer(engine, {
    caller: 'stdio',
    logs: opts.logs,
    instructions: opts.instructions,
  });
  const transport = new StdioServerTransport(stdin, opts.stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    const previous = server.onclose;
    server.onclose = () => {
      previous?.();
      resolve();
    };
  });
  // The SDK transport does not notice end-of-input; a client that exits must end the session.
  const onEnd = () => {
    server.close().catch(() => undefined);
  };
  stdin.once('end', onEnd);
  await server.connect(transport);
  return {
    closed,
    close: async () => {
      stdin.off('end', onEnd);
      await server.close();
      await closed;
    },
  };
}
