import { PassThrough } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { recordSpans } from '../telemetry/testdata/recording.js';
import { createLogger, type LoggerOptions } from './logger.js';

// A real provider and context manager, so spans have ids and stay active across awaits.
const { sdk } = recordSpans();
afterAll(() => sdk.shutdown());

function capture(opts: LoggerOptions) {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const logger = createLogger({ ...opts, stream });
  return {
    logger,
    /** The lines written so far (winston writes on a later tick). */
    lines: async (): Promise<string[]> => {
      await new Promise((resolve) => setImmediate(resolve));
      return chunks.join('').split('\n').filter(Boolean);
    },
  };
}

const SQL = "SELECT * FROM users WHERE name = 'secret-param-7f3a'";

describe('createLogger', () => {
  it('writes JSON lines with level, message and timestamp', async () => {
    const { logger, lines } = capture({ json: true });
    logger.warn('pool exhausted', { waiting: 3 });
    const [line] = await lines();
    expect(JSON.parse(line)).toMatchObject({ level: 'warn', message: 'pool exhausted', waiting: 3 });
    expect(JSON.parse(line).timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('writes readable lines when asked (as on a terminal)', async () => {
    const { logger, lines } = capture({ json: false });
    logger.error('listen failed', { port: 8000 });
    const [line] = await lines();
    expect(line).toMatch(/^\d{4}-\S+ ERROR listen failed \{"port":8000\}$/);
  });

  it('keeps to warnings and up unless debug is on', async () => {
    const quiet = capture({ json: true });
    quiet.logger.info('not shown');
    quiet.logger.debug('not shown');
    expect(await quiet.lines()).toEqual([]);
    const debug = capture({ json: true, debug: true });
    debug.logger.debug('shown');
    expect(await debug.lines()).toHaveLength(1);
  });

  it('adds trace_id and span_id while a span is active, and not otherwise', async () => {
    const { logger, lines } = capture({ json: true });
    const ids = await trace.getTracer('mxcp').startActiveSpan('mxcp.endpoint.execute', async (span) => {
      await Promise.resolve();
      logger.warn('inside');
      span.end();
      return span.spanContext();
    });
    logger.warn('outside');
    const [inside, outside] = (await lines()).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ message: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(outside.trace_id).toBeUndefined();
    expect(outside.span_id).toBeUndefined();
  });

  it('never logs SQL text, parameter values or results above debug level', async () => {
    const { logger, lines } = capture({ json: true });
    logger.warn('query failed', {
      sql: SQL,
      params: { name: 'secret-param-7f3a' },
      rows: [{ name: 'secret-param-7f3a' }],
      result: 'secret-param-7f3a',
      endpoint: 'find_user',
    });
    logger.error('call failed', { arguments: { name: 'secret-param-7f3a' } });
    const text = (await lines()).join('\n');
    expect(text).not.toContain('secret-param-7f3a');
    expect(text).toContain('"endpoint":"find_user"');
    expect(text).toContain('call failed');
  });

  it('logs SQL and parameters at debug level, but never secrets', async () => {
    const { logger, lines } = capture({ json: true, debug: true });
    logger.debug('query', {
      sql: SQL,
      params: { name: 'x' },
      password: 'hunter2',
      headers: { authorization: 'Bearer abc.def', 'x-trace': 'keep' },
    });
    logger.warn('upstream said Bearer eyJhbGciOi.secret rejected');
    const [debugLine, warnLine] = (await lines()).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(debugLine.sql).toBe(SQL);
    expect(debugLine.params).toEqual({ name: 'x' });
    expect(debugLine.password).toBe('[redacted]');
    expect(debugLine.headers).toEqual({ authorization: '[redacted]', 'x-trace': 'keep' });
    expect(warnLine.message).toBe('upstream said Bearer [redacted] rejected');
  });
});
