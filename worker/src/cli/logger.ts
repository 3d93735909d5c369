// The process logger, made once by the CLI and handed down to the server and
// the database layer. Warnings and up by default, everything with --debug or
// MXCP_DEBUG; JSON lines when stderr is not a terminal (containers, log
// shippers), readable lines on a terminal. Never stdout: it may carry MCP stdio.
import winston from 'winston';

export interface LoggerOptions {
  debug?: boolean;
  /** MXCP logs nothing in stdio mode; we keep warnings and errors, on stderr only. */
  quiet?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): winston.Logger {
  const debug = opts.debug || Boolean(process.env.MXCP_DEBUG);
  const level = debug ? 'debug' : opts.quiet ? 'error' : 'warn';
  const format = process.stderr.isTTY
    ? winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf(({ level: lvl, message, timestamp, ...fields }) => {
          const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
          return `${String(timestamp)} ${lvl.toUpperCase()} ${String(message)}${extra}`;
        }),
      )
    : winston.format.combine(winston.format.timestamp(), winston.format.json());
  return winston.createLogger({
    level,
    format,
    transports: [new winston.transports.Stream({ stream: process.stderr })],
  });
}
