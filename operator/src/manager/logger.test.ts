import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(level?: 'debug' | 'info'): {
  lines: () => Record<string, unknown>[];
  logger: ReturnType<typeof createLogger>;
} {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  const logger = createLogger({ level, stream });
  return {
    logger,
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('operator logger', () => {
  it('writes one JSON object per line with level, message, timestamp and fields', async () => {
    const { logger, lines } = capture();
    logger.child({ logger: 'manager' }).info('became leader', { identity: 'pod-1' });
    await new Promise((r) => setImmediate(r));
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'info',
      message: 'became leader',
      identity: 'pod-1',
      logger: 'manager',
    });
    expect(Date.parse(line.timestamp as string)).not.toBeNaN();
  });

  it('reduces errors to their message (a stack only at debug level) and honours the level', async () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.error('failed', { error: new Error('boom') });
    await new Promise((r) => setImmediate(r));
    expect(lines()).toHaveLength(1);
    expect(lines()[0].error).toEqual({ message: 'boom' });

    const debug = capture('debug');
    debug.logger.warn('failed', { error: new Error('boom') });
    await new Promise((r) => setImmediate(r));
    expect((debug.lines()[0].error as { stack: string }).stack).toContain('boom');
  });
});
