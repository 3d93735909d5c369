import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  describeApiError,
  isConflict,
  isForbidden,
  isGone,
  isNotFound,
  isRetryable,
  statusOf,
} from './errors.js';

const apiError = (code: number, body: unknown = {}) =>
  new ApiException(code, 'Unsuccessful HTTP Request', body, {});

describe('API error classification', () => {
  it('reads the status of ApiException and of Watch errors', () => {
    expect(statusOf(apiError(404))).toBe(404);
    expect(statusOf(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe(410);
    expect(statusOf(new Error('ECONNREFUSED'))).toBeUndefined();
  });

  it('names the statuses the reconciler branches on', () => {
    expect(isNotFound(apiError(404))).toBe(true);
    expect(isConflict(apiError(409))).toBe(true);
    expect(isGone(apiError(410))).toBe(true);
    expect(isForbidden(apiError(403))).toBe(true);
    expect(isNotFound(apiError(409))).toBe(false);
  });

  it('retries conflicts, throttling, server and network errors but not invalid or forbidden requests', () => {
    expect([409, 429, 500, 503].map((c) => isRetryable(apiError(c)))).toEqual([true, true, true, true]);
    expect([400, 403, 404, 422].map((c) => isRetryable(apiError(c)))).toEqual([false, false, false, false]);
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
  });

  it('describes an error by status, reason and the server message only', () => {
    const err = apiError(422, { kind: 'Status', reason: 'Invalid', message: 'spec.replicas: must be >= 0' });
    expect(describeApiError(err)).toBe('422 Invalid: spec.replicas: must be >= 0');
    expect(describeApiError(apiError(500, ''))).toBe('HTTP 500');
    expect(describeApiError(new Error('boom'))).toBe('boom');
  });
});
