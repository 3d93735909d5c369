// The worker's DuckDB database (MXCP-SPEC §4.6, §8, §13): one shared instance per file, a bounded
// pool of connections each set up with the site's extensions, the user's secrets and the SQL helper
// functions, and the query path used by every SQL endpoint and SQL tool.
//
// A query holds its connection for the whole "register request context → prepare/bind → execute"
// sequence, so concurrent requests never see each other's user or headers. Parameters are always
// bound as `$name`, never spliced. Prepared statements are cached per connection by SQL text.
//
// Every query is traced as `mxcp.duckdb.execute` (MXCP-SPEC §11) and reported to an optional
// observer (metrics). Neither ever sees SQL text or parameter values: the span carries a hash of
// the statement, its operation and the parameter count.

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { DuckDBConnection, DuckDBExtractedStatements, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { SqlRequestContext } from './request-functions.js';
import { bindParameters, parameterNames } from './bind.js';
import { convertRows, type JsonValue } from './convert.js';
import { SqlError, duckdbMessageOf, executionError } from './errors.js';
import { type ExtensionSpec, loadExtensions } from './extensions.js';
import {
  type SharedInstance,
  acquireInstance,
  isFatalDuckdbError,
  releaseInstance,
  retireInstance,
} from './instances.js';
import { type DbLogger, stderrLogger } from './log.js';
import { Pool, type PoolStats } from './pool.js';
import { registerRequestFunctions } from './request-functions.js';
import { type SecretSpec, dropSecrets, injectSecrets } from './secrets.js';
import { StatementCache } from './statement-cache.js';

export type Row = Record<string, JsonValue>;

export interface DatabaseOptions {
  /** File path, or ':memory:'. */
  path: string;
  readonly: boolean;
  extensions?: ExtensionSpec[];
  secrets?: SecretSpec[];
  /** Maximum number of connections; default max(4, 2 × CPUs). */
  poolSize?: number;
  /** Prepared statements kept per connection; default 128. */
  statementCacheSize?: number;
  logger?: DbLogger;
  /** Told when each query starts and ends (duckdb metrics). */
  observer?: QueryObserver;
}

/** MXCP's `db.operation` values. */
export type SqlOperation = 'select' | 'insert' | 'update' | 'delete' | 'create' | 'drop' | 'unknown';

/** Counts queries without seeing them: only the operation and the outcome. */
export interface QueryObserver {
  /** A query starts; the returned function is called exactly once when it ends. */
  started(operation: SqlOperation): (status: 'success' | 'error') => void;
}

export interface DatabaseStats extends PoolStats {
  statementCacheHits: number;
  statementCacheMisses: number;
}

interface PooledConnection {
  readonly connection: DuckDBConnection;
  /** DuckDB's connection id, which the helper functions see in their client context. */
  readonly id: number;
  readonly statements: StatementCache;
  /** How many of the database's connection setups (addConnectionSetup) this connection has run. */
  setupsApplied: number;
}

/** Extra per-connection set-up added after opening, e.g. plugin UDFs (registerScalarFunction). */
export type ConnectionSetup = (connection: DuckDBConnection) => void;

/** MXCP's rule (MXCP-SPEC §"Concurrency"): max(10, 2 × CPUs) connections to the one instance. */
export function defaultPoolSize(): number {
  return Math.max(10, 2 * availableParallelism());
}

export class Database {
  private statementCacheHits = 0;
  private statementCacheMisses = 0;
  private closing: Promise<void> | undefined;
  private readonly setups: ConnectionSetup[] = [];

  private constructor(
    private readonly shared: SharedInstance,
    private readonly pool: Pool<PooledConnection>,
    readonly path: string,
    private readonly observer: QueryObserver | undefined,
    private readonly logger: DbLogger,
  ) {}

  static async open(opts: DatabaseOptions): Promise<Database> {
    const shared = await acquireInstance(opts.path, opts.readonly);
    const logger = opts.logger ?? stderrLogger;
    const cacheSize = opts.statementCacheSize ?? 128;
    // Secrets are instance-wide: this Database now owns them (see SharedInstance.secretsGeneration).
    const secrets = opts.secrets ?? [];
    const generation = ++shared.secretsGeneration;
    const wanted = new Set(secrets.map((s) => s.name));
    let stale = [...shared.secretNames].filter((name) => !wanted.has(name));
    shared.secretNames = wanted;
    const create = async (): Promise<PooledConnection> => {
      const connection = await shared.instance.connect();
      try {
        await loadExtensions(connection, opts.extensions ?? []);
        if (shared.secretsGeneration === generation) {
          await dropSecrets(connection, stale, logger);
          stale = [];
          await injectSecrets(connection, secrets, logger);
        }
        registerRequestFunctions(connection, shared.contexts);
      } catch (err) {
        connection.closeSync();
        throw err;
      }
      return {
        connection,
        id: connection.clientContext.connectionId,
        statements: new StatementCache(cacheSize),
        setupsApplied: 0,
      };
    };
    const destroy = (pc: PooledConnection): void => {
      pc.statements.clear();
      pc.connection.closeSync();
    };
    let pool: Pool<PooledConnection> | undefined;
    try {
      pool = new Pool(create, destroy, opts.poolSize ?? defaultPoolSize());
      // Set up one connection now, so a bad extension fails startup rather than the first request.
      pool.release(await pool.acquire());
    } catch (err) {
      await pool?.close();
      releaseInstance(shared);
      throw err;
    }
    return new Database(shared, pool, opts.path, opts.observer, logger);
  }

  /**
   * Runs `setup` on every connection of the pool: existing ones before their next query, new ones
   * when they are created. Used to register the plugins' UDFs once the Python host is up.
   */
  addConnectionSetup(setup: ConnectionSetup): void {
    this.setups.push(setup);
  }

  get readonly(): boolean {
    return this.shared.readonly;
  }

  stats(): DatabaseStats {
    return {
      ...this.pool.stats(),
      statementCacheHits: this.statementCacheHits,
      statementCacheMisses: this.statementCacheMisses,
    };
  }

  /**
   * Runs SQL with `$name` parameters bound from `params`; the helper functions see `ctx`.
   * Several statements run in order and the last one's rows are returned.
   * Failures are SqlError("Failed to execute SQL: <DuckDB message>").
   */
  async query(sql: string, params: Record<string, unknown> = {}, ctx?: SqlRequestContext): Promise<Row[]> {
    return this.traced(sql, Object.keys(params).length, () =>
      this.withConnection(ctx, async (pc) => {
        try {
          return await this.runCached(pc, sql, params);
        } catch (err) {
          // A failed statement may be stale (schema changed): prepare it afresh next time.
          pc.statements.delete(sql);
          throw executionError(err);
        }
      }),
    );
  }

  /** Runs setup statements (no parameters, no results), e.g. a project's init SQL. */
  async exec(sql: string): Promise<void> {
    await this.traced(sql, 0, () =>
      this.withConnection(undefined, async (pc) => {
        try {
          const extracted = await extract(pc.connection, sql);
          await runStatements(extracted, {});
        } catch (err) {
          throw executionError(err);
        }
      }),
    );
  }

  /**
   * Checks SQL as MXCP's `PREPARE` does: syntax, and that tables and functions exist. Returns the
   * named parameters of the FIRST statement, which is what MXCP compares with the YAML parameters.
   */
  async validateSql(sql: string): Promise<{ parameters: string[] }> {
    return this.withConnection(undefined, async (pc) => {
      let statement: DuckDBPreparedStatement | undefined;
      try {
        const extracted = await extract(pc.connection, sql);
        statement = await extracted.prepare(0);
        return { parameters: parameterNames(statement) };
      } catch (err) {
        const msg = err instanceof SqlError ? err.duckdbMessage : duckdbMessageOf(err);
        throw new SqlError(`Invalid SQL: ${msg}`, msg, { cause: err });
      } finally {
        statement?.destroySync();
      }
    });
  }

  /** Interrupts the queries running now (they fail with DuckDB's "Interrupted" error); for shutdown. */
  interrupt(): number {
    const busy = this.pool.borrowedItems();
    for (const pc of busy) pc.connection.interrupt();
    return busy.length;
  }

  /** Stops new queries, waits for running ones, closes the connections and (if last) the instance. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.pool.close();
      releaseInstance(this.shared);
    })();
    return this.closing;
  }

  /** One `mxcp.duckdb.execute` span and one observer report around a query. */
  private async traced<T>(sql: string, parameterCount: number, work: () => Promise<T>): Promise<T> {
    const { operation, hash } = describeStatement(sql);
    const done = this.observer?.started(operation);
    const span = tracer.startSpan('mxcp.duckdb.execute', {
      attributes: {
        'db.system': 'duckdb',
        'db.statement.hash': hash,
        'db.operation': operation,
        'db.parameters.count': parameterCount,
        'db.readonly': this.readonly,
      },
    });
    try {
      const result = await work();
      if (Array.isArray(result)) span.setAttribute('db.rows_affected', result.length);
      done?.('success');
      return result;
    } catch (err) {
      // The error's type only: DuckDB messages can quote parameter values.
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      done?.('error');
      throw err;
    } finally {
      span.end();
    }
  }

  private async withConnection<T>(
    ctx: SqlRequestContext | undefined,
    work: (pc: PooledConnection) => Promise<T>,
  ): Promise<T> {
    const pc = await this.pool.acquire();
    this.shared.contexts.set(pc.id, ctx);
    let failed = false;
    try {
      while (pc.setupsApplied < this.setups.length) this.setups[pc.setupsApplied++](pc.connection);
      return await work(pc);
    } catch (err) {
      failed = true;
      const message = err instanceof SqlError ? err.duckdbMessage : duckdbMessageOf(err);
      if (isFatalDuckdbError(message)) {
        retireInstance(this.shared, message);
        this.logger.warn(
          'DuckDB invalidated the database after a fatal error; it serves again after a reload',
          {
            path: this.path,
          },
        );
      }
      throw err;
    } finally {
      this.shared.contexts.clear(pc.id);
      // A failure can leave the connection mid-transaction ("Current transaction is aborted")
      // or with half-applied session state; a fresh connection is cheaper than finding out.
      if (failed) this.pool.discard(pc);
      else this.pool.release(pc);
    }
  }

  private async runCached(
    pc: PooledConnection,
    sql: string,
    params: Record<string, unknown>,
  ): Promise<Row[]> {
    const cached = pc.statements.get(sql);
    if (cached) this.statementCacheHits++;
    else this.statementCacheMisses++;
    if (cached?.kind === 'single') return runPrepared(cached.statement, params);
    const extracted = await extract(pc.connection, sql);
    if (cached?.kind === 'multi') return runStatements(extracted, params);
    if (extracted.count > 1) {
      pc.statements.set(sql, { kind: 'multi' });
      return runStatements(extracted, params);
    }
    const statement = await extracted.prepare(0);
    pc.statements.set(sql, { kind: 'single', statement });
    return runPrepared(statement, params);
  }
}

const tracer = trace.getTracer('mxcp');

/** A statement's operation and hash, remembered: endpoints run the same few statements over and over. */
const described = new Map<string, { operation: SqlOperation; hash: string }>();
const DESCRIBED_MAX = 1000;

function describeStatement(sql: string): { operation: SqlOperation; hash: string } {
  let description = described.get(sql);
  if (!description) {
    // Ad-hoc SQL (db.execute from Python) could grow this without end: start over when full.
    if (described.size >= DESCRIBED_MAX) described.clear();
    description = { operation: sqlOperation(sql), hash: statementHash(sql) };
    described.set(sql, description);
  }
  return description;
}

/** `db.statement.hash`: identifies a statement across spans without revealing it. */
export function statementHash(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

const OPERATIONS = new Set<SqlOperation>(['select', 'insert', 'update', 'delete', 'create', 'drop']);

/** The first statement's verb after comments and parentheses; `WITH … SELECT` counts as select. */
export function sqlOperation(sql: string): SqlOperation {
  const text = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  const verb = /^[\s(;]*([A-Za-z]+)/.exec(text)?.[1]?.toLowerCase();
  if (verb === 'with' || verb === 'from') return 'select';
  return verb && OPERATIONS.has(verb as SqlOperation) ? (verb as SqlOperation) : 'unknown';
}

async function extract(connection: DuckDBConnection, sql: string): Promise<DuckDBExtractedStatements> {
  if (sql.trim() === '')
    throw new SqlError('Failed to execute SQL: no SQL statement given', 'no SQL statement given');
  try {
    return await connection.extractStatements(sql);
  } catch (err) {
    // Report DuckDB's own message (e.g. "Parser Error: …"), not the client library's wrapper.
    const msg = duckdbMessageOf(err).replace(/^Failed to extract statements: /, '');
    throw new SqlError(`Failed to execute SQL: ${msg}`, msg, { cause: err });
  }
}

async function runPrepared(
  statement: DuckDBPreparedStatement,
  params: Record<string, unknown>,
): Promise<Row[]> {
  bindParameters(statement, params);
  const reader = await statement.runAndReadAll();
  return convertRows(reader);
}

/** Runs every statement in order, each bound to the parameters it names; returns the last's rows. */
async function runStatements(
  extracted: DuckDBExtractedStatements,
  params: Record<string, unknown>,
): Promise<Row[]> {
  let rows: Row[] = [];
  for (let i = 0; i < extracted.count; i++) {
    const statement = await extracted.prepare(i);
    try {
      rows = await runPrepared(statement, params);
    } finally {
      statement.destroySync();
    }
  }
  return rows;
}
