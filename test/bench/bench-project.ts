// The tiny MXCP project the benchmark serves, and the one SQL statement both the
// worker (through the project's tool) and the baseline run, so the two measure
// the same DuckDB work. The audited flavour is the same project with the
// production layers on: the audit log enabled and an input and an output policy
// on the tool, so their cost can be read off against the plain one. The Python
// flavour adds two Python tools with the same parameter and answer: one runs the
// same SQL through `mxcp.runtime.db.execute` (the same DuckDB work, so comparable
// with the SQL tool), the other computes the answer in Python alone (what the
// Python round trip costs by itself). Every flavour also has the heavy tool: one page of
// a 10k-group aggregation over the 1M-row `events` table (events-table.ts creates it in
// the project's DuckDB file before the server starts). writeColdStartProject writes a
// project of N generated SQL tools, for the cold-start measurement.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_TOOL = 'square';
/** Python tool running BENCH_SQL through `db.execute`. */
export const PYTHON_DB_TOOL = 'square_py';
/** Python tool computing `{n, square}` without DuckDB. */
export const PYTHON_PURE_TOOL = 'square_py_pure';

/** The heavy tool: one page of the 10k-group aggregation over `events`. */
export const HEAVY_TOOL = 'events_page';
/** Rows per page of the heavy tool's answer, and the number of pages (10k groups). */
export const HEAVY_PAGE_ROWS = 100;
export const HEAVY_PAGES = 100;

/**
 * The 1M-row table: 10k keys of 100 rows each, with deterministic values (not random()) so the
 * worker's, the baseline's and Python MXCP's answers can be compared with each other.
 */
export const EVENTS_TABLE_SQL =
  'CREATE OR REPLACE TABLE events AS SELECT i, (i % 10000)::INTEGER AS k, ((i * 7919) % 1000)::DOUBLE / 1000 AS v FROM range(1000000) t(i)';

/**
 * Aggregates all 1M rows into 10k groups on every call, then returns one page of 100 of them:
 * ORDER BY + LIMIT/OFFSET sit above the GROUP BY, so DuckDB cannot push the page into the scan
 * (a WHERE on the key would be pushed below the aggregation and skip most of the work), and the
 * answer stays about 5 kB, so the figure is the query's, not JSON encoding's.
 */
export const HEAVY_SQL =
  'SELECT k, round(sum(v), 6) AS total, count(*)::INTEGER AS rows FROM events GROUP BY k ORDER BY k LIMIT 100 OFFSET $page * 100';

/** The heavy tool's argument for call number `i`, cycling through the 100 pages. */
export const heavyArgument = (i: number): number => i % HEAVY_PAGES;

/** Which copy of the project a worker serves. */
export type BenchFlavour = 'plain' | 'audited' | 'python';

/**
 * One row computed from the parameter: no stored data and next to no DuckDB work,
 * so the comparison shows what each server adds around the query.
 */
export const BENCH_SQL = 'SELECT $n::INTEGER AS n, ($n::INTEGER * $n::INTEGER) AS square';

/** The argument for call number `i`, cycling through 0..999. */
export const benchArgument = (i: number): number => i % 1000;

const siteConfig = `mxcp: 1
project: bench
profile: default
profiles:
  default: {}
`;

/** Audit records go to `audit/logs-default-<time>_<host>.jsonl` under the project. */
const auditedSiteConfig = `mxcp: 1
project: bench
profile: default
profiles:
  default:
    audit:
      enabled: true
`;

/**
 * Both rules are evaluated on every call (CEL over the validated parameters, then over the
 * result) and neither fires for the bench's anonymous clients, so the audited variant
 * answers exactly what the plain one does.
 */
export const BENCH_POLICIES = `  policies:
    input:
      - condition: "user.role == 'guest' && n > 100"
        action: deny
        reason: Guests may only square small numbers
    output:
      - condition: "user.role == 'guest' && response.square > 10000"
        action: filter_fields
        fields: [square]
`;

const returnSpec = `  return:
    type: object
    description: n and n squared.
    properties:
      n:
        type: integer
        description: The number.
      square:
        type: integer
        description: n * n.
`;

const parameterSpec = `  parameters:
    - name: n
      type: integer
      description: A number from 0 to 999.
      minimum: 0
      maximum: 999
`;

const tool = (policies: string) => `mxcp: 1
tool:
  name: ${BENCH_TOOL}
  description: Returns n and its square.
${parameterSpec}${returnSpec}${policies}  source:
    code: "${BENCH_SQL}"
`;

const heavyTool = `mxcp: 1
tool:
  name: ${HEAVY_TOOL}
  description: One page of the per-key totals of the events table (10k keys, 100 per page).
  parameters:
    - name: page
      type: integer
      description: The page, 0 to ${HEAVY_PAGES - 1}.
      minimum: 0
      maximum: ${HEAVY_PAGES - 1}
  return:
    type: array
    items:
      type: object
      properties:
        k:
          type: integer
          description: The key.
        total:
          type: number
          description: The sum of v over the key's rows.
        rows:
          type: integer
          description: How many rows have the key.
  source:
    code: "${HEAVY_SQL}"
`;

const pythonTool = (name: string, description: string) => `mxcp: 1
tool:
  name: ${name}
  description: ${description}
  language: python
${parameterSpec}${returnSpec}  source:
    file: ../python/bench_tools.py
`;

/** The Python tools' module: one function per tool, named after it (MXCP's rule). */
export const PYTHON_MODULE = `"""The benchmark's Python tools (test/bench/bench-project.ts)."""
from mxcp.runtime import db

SQL = ${JSON.stringify(BENCH_SQL)}


def ${PYTHON_DB_TOOL}(n: int) -> dict:
    return db.execute(SQL, {"n": n})[0]


def ${PYTHON_PURE_TOOL}(n: int) -> dict:
    return {"n": n, "square": n * n}
`;

// A user config of its own, so the benchmark never reads ~/.mxcp/config.yml.
const userConfig = `mxcp: 1
projects:
  bench:
    profiles:
      default:
        secrets: []
`;

/**
 * Writes the project into `dir` in the given flavour and returns the path of its user config
 * and of its audit directory. Every flavour has the SQL tool and the heavy tool (whose table
 * `events-table.ts` puts into `databasePath(dir)`); `python` adds the Python tools.
 */
export function writeBenchProject(
  dir: string,
  flavour: BenchFlavour = 'plain',
): { userConfigPath: string; auditDir: string } {
  const audited = flavour === 'audited';
  mkdirSync(join(dir, 'tools'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'mxcp-site.yml'), audited ? auditedSiteConfig : siteConfig);
  writeFileSync(join(dir, 'tools', `${BENCH_TOOL}.yml`), tool(audited ? BENCH_POLICIES : ''));
  writeFileSync(join(dir, 'tools', `${HEAVY_TOOL}.yml`), heavyTool);
  if (flavour === 'python') {
    mkdirSync(join(dir, 'python'), { recursive: true });
    writeFileSync(join(dir, 'python', 'bench_tools.py'), PYTHON_MODULE);
    writeFileSync(
      join(dir, 'tools', `${PYTHON_DB_TOOL}.yml`),
      pythonTool(PYTHON_DB_TOOL, 'Returns n and its square, running the SQL tool query with db.execute.'),
    );
    writeFileSync(
      join(dir, 'tools', `${PYTHON_PURE_TOOL}.yml`),
      pythonTool(PYTHON_PURE_TOOL, 'Returns n and its square, computed in Python.'),
    );
  }
  const userConfigPath = join(dir, 'mxcp-user-config.yml');
  writeFileSync(userConfigPath, userConfig);
  return { userConfigPath, auditDir: join(dir, 'audit') };
}

/** Where a bench project's DuckDB file is (the default `<paths.data>/db-<profile>.duckdb`). */
export const databasePath = (projectDir: string): string => join(projectDir, 'data', 'db-default.duckdb');

/**
 * A project of `endpoints` generated SQL tools (`tool_0001`…), one file each, for the cold start
 * measurement: each has a parameter and an object return, like the bench tool, so the worker
 * parses, validates and registers each in full. Returns the path of its user config.
 */
export function writeColdStartProject(dir: string, endpoints: number): { userConfigPath: string } {
  mkdirSync(join(dir, 'tools'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'mxcp-site.yml'), siteConfig);
  for (let i = 1; i <= endpoints; i++) {
    const name = `tool_${String(i).padStart(4, '0')}`;
    writeFileSync(
      join(dir, 'tools', `${name}.yml`),
      `mxcp: 1
tool:
  name: ${name}
  description: Generated tool ${i} of ${endpoints}.
${parameterSpec}${returnSpec}  source:
    code: "SELECT $n::INTEGER AS n, ($n::INTEGER * ${i}) AS square"
`,
    );
  }
  const userConfigPath = join(dir, 'mxcp-user-config.yml');
  writeFileSync(userConfigPath, userConfig);
  return { userConfigPath };
}
