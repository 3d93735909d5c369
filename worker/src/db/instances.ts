// One DuckDB instance per database file per process, shared by every Database opened on that path
// (DuckDB must not open one file twice in one process). The entry also owns the request-context
// registry read by the SQL helper functions, because those functions belong to the instance.
// MXCP creates a missing database file even in read-only mode: a read-only open of a missing file
// first creates it read-write, then reopens it read-only.

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DatabaseOpenError, duckdbMessageOf } from './errors.js';
import { RequestContextRegistry } from './request-functions.js';

export interface SharedInstance {
  readonly key: string;
  readonly instance: DuckDBInstance;
  readonly readonly: boolean;
  readonly contexts: RequestContextRegistry;
  refs: number;
  /**
   * DuckDB temporary secrets belong to the instance, not to a connection. When a reload opens a
   * second Database on the same file while the first still drains, only the newest one (the
   * highest generation) may (re)create secrets, or a late connection of the old pool would put
   * back the old values.
   */
  secretsGeneration: number;
  /** Secret names the current generation created, so the next one can drop those it no longer has. */
  secretNames: Set<string>;
  /** DuckDB invalidated it after a fatal error; the next open of the file gets a fresh instance. */
  retired?: boolean;
}

const open = new Map<string, Promise<SharedInstance>>();
/** The instance `open` holds for each key once created (to tell a retired one from its successor). */
const current = new Map<string, SharedInstance>();
/** Files whose instance DuckDB invalidated, with the fatal error, until a fresh instance replaces it. */
const invalidated = new Map<string, string>();

/**
 * DuckDB invalidates an instance after a fatal error (e.g. a checkpoint that cannot write) and
 * then refuses every query, on every connection, even once the disk is fine again. Such an
 * instance is retired: Databases already on it keep failing, and the next open of the same file
 * (a reload) creates a fresh instance instead of sharing the dead one.
 */
export function retireInstance(shared: SharedInstance, reason: string): void {
  if (shared.retired) return;
  shared.retired = true;
  invalidated.set(shared.key, reason);
  if (current.get(shared.key) === shared) {
    open.delete(shared.key);
    current.delete(shared.key);
  }
}

/** Database files DuckDB has invalidated and nothing has reopened yet (readiness reports them). */
export function invalidatedDatabases(): ReadonlyMap<string, string> {
  return invalidated;
}

/** DuckDB's wording for an error after which the instance is unusable. */
export function isFatalDuckdbError(message: string): boolean {
  return /FATAL Error|database has been invalidated/.test(message);
}
let memoryCounter = 0;

export const MEMORY_PATH = ':memory:';

export async function acquireInstance(path: string, readonly: boolean): Promise<SharedInstance> {
  const inMemory = path === MEMORY_PATH || path === '';
  const key = inMemory ? `:memory:${++memoryCounter}` : resolve(path);
  const pending = open.get(key);
  if (pending) {
    const shared = await pending;
    if (shared.readonly !== readonly) {
      throw new DatabaseOpenError(
        `DuckDB file ${key} is already open ${shared.readonly ? 'read-only' : 'read-write'} in this process; ` +
          `it cannot also be opened ${readonly ? 'read-only' : 'read-write'}`,
      );
    }
    shared.refs++;
    return shared;
  }
  const creating = createInstance(inMemory ? MEMORY_PATH : key, readonly).then((instance) => ({
    key,
    instance,
    readonly,
    contexts: new RequestContextRegistry(),
    refs: 1,
    secretsGeneration: 0,
    secretNames: new Set<string>(),
  }));
  open.set(key, creating);
  try {
    const shared = await creating;
    current.set(key, shared);
    invalidated.delete(key);
    return shared;
  } catch (err) {
    open.delete(key);
    throw err;
  }
}

export function releaseInstance(shared: SharedInstance): void {
  shared.refs--;
  if (shared.refs > 0) return;
  // A retired instance's key may already belong to its successor.
  if (current.get(shared.key) === shared) {
    open.delete(shared.key);
    current.delete(shared.key);
  }
  shared.instance.closeSync();
}

async function createInstance(path: string, readonly: boolean): Promise<DuckDBInstance> {
  try {
    if (path === MEMORY_PATH) return await DuckDBInstance.create(MEMORY_PATH);
    mkdirSync(dirname(path), { recursive: true });
    if (!readonly) return await DuckDBInstance.create(path);
    if (!existsSync(path)) (await DuckDBInstance.create(path)).closeSync();
    return await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  } catch (err) {
    throw new DatabaseOpenError(`Failed to open DuckDB database ${path}: ${duckdbMessageOf(err)}`, {
      cause: err,
    });
  }
}
