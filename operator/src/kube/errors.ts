// Classifies API server failures by HTTP status so callers branch on meaning (not found, conflict…)
// instead of parsing messages. client-node throws ApiException (`code`, `body`) from its generated
// and generic clients, and plain errors carrying `statusCode` from Watch.

import { ApiException } from '@kubernetes/client-node';

/** The HTTP status of an API server error, or undefined for network/other errors. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; statusCode?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;
export const isGone = (error: unknown): boolean => statusOf(error) === 410;
export const isForbidden = (error: unknown): boolean => statusOf(error) === 403;
export const isUnauthorized = (error: unknown): boolean => statusOf(error) === 401;
export const isInvalid = (error: unknown): boolean => statusOf(error) === 422;

/** The Status `reason` and `message` the API server sent, when it sent one. */
export function apiStatusOf(error: unknown): { reason?: string; message?: string } | undefined {
  if (!(error instanceof ApiException)) return undefined;
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return { message: body as string };
    }
  }
  if (!body || typeof body !== 'object') return undefined;
  const { reason, message } = body as { reason?: unknown; message?: unknown };
  return {
    reason: typeof reason === 'string' ? reason : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/**
 * Transient failures worth retrying with backoff (conflicts, throttling, server errors, timeouts,
 * network failures); the rest (invalid, forbidden, not found) need a change before a retry can help.
 */
export function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return true;
  return status === 409 || status === 429 || status >= 500;
}

/** A short, single-line description for logs and condition messages (no headers or bodies). */
export function describeApiError(error: unknown): string {
  const status = statusOf(error);
  const api = apiStatusOf(error);
  if (status !== undefined && api?.message)
    return `${status} ${api.reason ?? ''}: ${api.message}`.replace(' :', ':');
  if (status !== undefined) return `HTTP ${status}`;
  return error instanceof Error ? error.message : String(error);
}
