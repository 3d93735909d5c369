// The operator's structured logs: one JSON object per line on stdout (winston), with a timestamp, a
// level, a message and flat fields, the shape log collectors (Loki, Cloud Logging, ELK) index without
// parsing rules. Errors in fields are reduced to their message (and stack at debug level), because
// JSON.stringify turns an Error into {}.
import winston from 'winston';
import type { ControllerLogger } from '../controller/index.js';
import type { LogLevel } from './options.js';

export interface OperatorLogger extends ControllerLogger {
  /** A logger that adds `fields` to every line (e.g. `{ logger: 'leader' }`). */
  child(fields: Record<string, unknown>): OperatorLogger;
  /** Resolves when buffered lines are written (before process.exit). */
  flush(): Promise<void>;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where the lines go; default stdout. */
  stream?: NodeJS.WritableStream;
}

function describeError(error: Error, withStack: boolean): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return {
    message: error.message,
    ...(code !== undefined ? { code } : {}),
    ...(withStack && error.stack ? { stack: error.stack } : {}),
  };
}

function plainFields(meta: Record<string, unknown> | undefined, withStack: boolean): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    out[key] = value instanceof Error ? describeError(value, withStack) : value;
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): OperatorLogger {
  const level = options.level ?? 'info';
  const stream = options.stream ?? process.stdout;
  const transport = new winston.transports.Stream({ stream });
  const base = winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
  const withStack = level === 'debug';

  const wrap = (logger: winston.Logger): OperatorLogger => {
    const at =
      (lvl: LogLevel) =>
      (message: string, meta?: Record<string, unknown>): void => {
        logger.log(lvl, message, plainFields(meta, withStack));
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (fields) => wrap(logger.child(plainFields(fields, false))),
      flush: () =>
        new Promise<void>((resolve) => {
          // An empty write on the target stream completes after everything queued before it.
          if (stream === process.stdout || stream === process.stderr) stream.write('', () => resolve());
          else resolve();
        }),
    };
  };
  return wrap(base);
}
