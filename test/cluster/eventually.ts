// Waiting for a cluster to converge: controllers, garbage collection, RBAC caches and the audit
// log all act shortly after the request that caused them, so tests poll instead of sleeping.

/**
 * Calls `probe` until it returns without throwing and `accept` holds, then returns its value. After
 * `timeoutMs`, fails with the last value or error.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean = () => true,
  { timeoutMs = 30_000, intervalMs = 200, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await probe();
      if (accept(value)) return value;
      last = `last value: ${JSON.stringify(value)?.slice(0, 500)}`;
    } catch (err) {
      last = `last error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs / 1000} s (${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
