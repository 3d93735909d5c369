// The benchmark's baseline: the least a hand-written HTTP service needs to answer
// the same query. Express 5, one DuckDB instance, a fixed pool of connections with
// the statements prepared once per connection, plain JSON in and out: `POST /square`
// runs the trivial query, `POST /events_page` the heavy one (the 10k-group aggregation
// over the `events` table, which the bench copies into BENCH_DB before starting it).
// Run as a child process by worker-http.bench.ts (env BENCH_PORT, BENCH_DB, BENCH_POOL_SIZE).
import express from 'express';
import { DuckDBInstance, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { BENCH_SQL, HEAVY_PAGES, HEAVY_SQL } from './bench-project.js';

const port = Number(process.env.BENCH_PORT);
const dbPath = process.env.BENCH_DB;
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 10);
if (!Number.isInteger(port) || !dbPath) {
  console.error('baseline-server: BENCH_PORT and BENCH_DB are required');
  process.exit(2);
}

const instance = await DuckDBInstance.create(dbPath);
/** One pooled connection with both statements prepared on it. */
interface Pooled {
  square: DuckDBPreparedStatement;
  heavy: DuckDBPreparedStatement;
}
const idle: Pooled[] = [];
for (let i = 0; i < poolSize; i++) {
  const connection = await instance.connect();
  idle.push({ square: await connection.prepare(BENCH_SQL), heavy: await connection.prepare(HEAVY_SQL) });
}
// Callers waiting for a free connection, served in arrival order.
const waiting: Array<(pooled: Pooled) => void> = [];

async function withStatement<T>(work: (pooled: Pooled) => Promise<T>): Promise<T> {
  const pooled = idle.pop() ?? (await new Promise<Pooled>((grant) => waiting.push(grant)));
  try {
    return await work(pooled);
  } finally {
    const next = waiting.shift();
    if (next) next(pooled);
    else idle.push(pooled);
  }
}

const app = express();
app.use(express.json());
app.get('/ready', (_req, res) => {
  res.status(200).json({ status: 'ready' });
});
app.post('/square', async (req, res) => {
  const n = (req.body as { n?: unknown } | undefined)?.n;
  if (!Number.isInteger(n)) {
    res.status(400).json({ error: 'n must be an integer' });
    return;
  }
  try {
    const row = await withStatement(async ({ square }) => {
      square.bind({ n: n as number });
      const rows = (await square.runAndReadAll()).getRowObjectsJson();
      return rows[0];
    });
    if (!row) res.status(404).json({ error: 'No results returned' });
    else res.json(row);
  } catch (error) {
    res.status(500).json({ error: (error as Error).message });
  }
});
app.post('/events_page', async (req, res) => {
  const page = (req.body as { page?: unknown } | undefined)?.page;
  if (!Number.isInteger(page) || (page as number) < 0 || (page as number) >= HEAVY_PAGES) {
    res.status(400).json({ error: `page must be an integer from 0 to ${HEAVY_PAGES - 1}` });
    return;
  }
  try {
    const rows = await withStatement(async ({ heavy }) => {
      heavy.bind({ page: page as number });
      return (await heavy.runAndReadAll()).getRowObjectsJson();
    });
    res.json(rows);
  } catch (error) {
    res.status(500).json({ error: (error as Error).message });
  }
});

const server = app.listen(port, '127.0.0.1', () => {
  console.error(`baseline listening on http://127.0.0.1:${port}`);
});

function shutdown(): void {
  server.close(() => {
    instance.closeSync();
    process.exit(0);
  });
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
