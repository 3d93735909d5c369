// The per-request SQL helper functions (MXCP-SPEC §8): get_username(), get_user_email(),
// get_user_provider(), get_user_external_token(), get_request_header(name),
// get_request_headers_json(). They are JS scalar functions; DuckDB calls them on the JS thread.
//
// Which request is asking? Each query holds its pooled connection for the whole
// "set context → execute" sequence, and the functions' init callback learns the DuckDB
// connection id from the client context, so they read the context registered for exactly that
// connection. Two concurrent queries on two connections never see each other's user.
// The functions are volatile: otherwise DuckDB could fold a call into a constant when preparing
// a statement, and a cached prepared statement would then replay an earlier caller's value.

import type { DuckDBConnection, DuckDBScalarMainFunction, DuckDBType } from '@duckdb/node-api';
import { DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';

/**
 * What the SQL helper functions can see of the caller. The engine's RequestContext has this
 * shape; the database layer declares only what it reads, so it depends on nothing above it.
 */
export interface SqlRequestContext {
  user: {
    username: string | null;
    email: string | null;
    provider: string | null;
    external_token: string | null;
  } | null;
  /** Header names lower-cased. */
  headers: Record<string, string>;
}

/** Request contexts of the connections of one DuckDB instance, keyed by DuckDB connection id. */
export class RequestContextRegistry {
  private readonly byConnection = new Map<number, SqlRequestContext>();
  /** The registered function objects, kept reachable for as long as the instance lives. */
  readonly functions: DuckDBScalarFunction[] = [];

  set(connectionId: number, ctx: SqlRequestContext | undefined): void {
    if (ctx) this.byConnection.set(connectionId, ctx);
    else this.byConnection.delete(connectionId);
  }

  clear(connectionId: number): void {
    this.byConnection.delete(connectionId);
  }

  get(connectionId: number): SqlRequestContext | undefined {
    return this.byConnection.get(connectionId);
  }
}

type Lookup = (ctx: SqlRequestContext | undefined, arg: unknown) => string | null;

interface HelperFunction {
  name: string;
  parameterTypes: DuckDBType[];
  lookup: Lookup;
}

const HELPERS: HelperFunction[] = [
  { name: 'get_username', parameterTypes: [], lookup: (ctx) => ctx?.user?.username ?? null },
  { name: 'get_user_email', parameterTypes: [], lookup: (ctx) => ctx?.user?.email ?? null },
  { name: 'get_user_provider', parameterTypes: [], lookup: (ctx) => ctx?.user?.provider ?? null },
  { name: 'get_user_external_token', parameterTypes: [], lookup: (ctx) => ctx?.user?.external_token ?? null },
  {
    name: 'get_request_header',
    parameterTypes: [VARCHAR],
    // Header names are lower-cased in the request context, so the lookup is case-insensitive.
    lookup: (ctx, name) => (typeof name === 'string' ? (ctx?.headers[name.toLowerCase()] ?? null) : null),
  },
  {
    name: 'get_request_headers_json',
    parameterTypes: [],
    lookup: (ctx) => (ctx && Object.keys(ctx.headers).length > 0 ? JSON.stringify(ctx.headers) : null),
  },
];

export const REQUEST_FUNCTION_NAMES: readonly string[] = HELPERS.map((h) => h.name);

interface CallState {
  connectionId: number;
}

/** Registers the helper functions on a connection, reading contexts from `registry`. */
export function registerRequestFunctions(
  connection: DuckDBConnection,
  registry: RequestContextRegistry,
): void {
  for (const helper of HELPERS) {
    const main: DuckDBScalarMainFunction = (info, input, output) => {
      const { connectionId } = info.state as CallState;
      const ctx = registry.get(connectionId);
      const argVector = helper.parameterTypes.length > 0 ? input.getColumnVector(0) : undefined;
      for (let row = 0; row < input.rowCount; row++) {
        output.setItem(row, helper.lookup(ctx, argVector?.getItem(row)));
      }
      output.flush();
    };
    const fn = DuckDBScalarFunction.create({
      name: helper.name,
      returnType: VARCHAR,
      parameterTypes: helper.parameterTypes,
      volatile: true,
      initFunction: (initInfo) => {
        const state: CallState = { connectionId: initInfo.clientContext.connectionId };
        initInfo.setState(state);
      },
      mainFunction: main,
    });
    connection.registerScalarFunction(fn);
    registry.functions.push(fn);
  }
}
