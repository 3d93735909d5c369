// MCP logging: each connected session's chosen level (`logging/setLevel`) and the
// fan-out of server log events to every session as `notifications/message`.
//
// We keep the level ourselves rather than relying on the SDK's built-in handler so
// that a session which never called setLevel gets a sensible default (warnings and
// up) instead of every debug line.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  LoggingLevelSchema,
  SetLevelRequestSchema,
  type LoggingLevel,
} from '@modelcontextprotocol/sdk/types.js';

const SEVERITY: ReadonlyMap<LoggingLevel, number> = new Map(
  LoggingLevelSchema.options.map((level, index) => [level, index]),
);

/** The level a session gets until it calls `logging/setLevel`. */
export const DEFAULT_SESSION_LOG_LEVEL: LoggingLevel = 'warning';

interface SessionSink {
  server: Server;
  level: LoggingLevel;
}

export class McpLogFanout {
  private readonly sinks = new Set<SessionSink>();

  /** Handle `logging/setLevel` for this server and deliver log events to it until it closes. */
  attach(server: Server): void {
    const sink: SessionSink = { server, level: DEFAULT_SESSION_LOG_LEVEL };
    server.setRequestHandler(SetLevelRequestSchema, async (request) => {
      sink.level = request.params.level;
      return {};
    });
    this.sinks.add(sink);
    const previous = server.onclose;
    server.onclose = () => {
      this.sinks.delete(sink);
      previous?.();
    };
  }

  /** Number of sessions currently receiving log events. */
  get size(): number {
    return this.sinks.size;
  }

  /** Send one log event to every session whose level admits it. Never throws. */
  send(level: LoggingLevel, data: unknown, logger = 'mxcp'): void {
    const severity = SEVERITY.get(level) ?? 0;
    for (const sink of this.sinks) {
      if (severity < (SEVERITY.get(sink.level) ?? 0) || !sink.server.transport) continue;
      // A session whose stream went away just misses the event; logging must never fail a caller.
      sink.server.sendLoggingMessage({ level, logger, data }).catch(() => undefined);
    }
  }
}

/** The MCP level for a winston (npm) level, for piping the worker's logger into the fan-out. */
export function mcpLevelOf(winstonLevel: string): LoggingLevel {
  switch (winstonLevel) {
    case 'error':
      return 'error';
    case 'warn':
      return 'warning';
    case 'info':
      return 'info';
    default:
      return 'debug';
  }
}
