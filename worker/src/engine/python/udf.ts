// DuckDB UDF plugins (MXCP-SPEC §9): each @udf method of a site plugin becomes a DuckDB scalar
// function `<method>_<instance>` on every pooled connection, answered by Python.
//
// DuckDB calls JS scalar functions synchronously on the JS thread, while Python answers over a
// pipe, which is asynchronous. The bridge: a dedicated "UDF host" Python process owned by a
// worker thread. The main thread writes a batch (one DuckDB chunk of argument rows) into shared
// memory, wakes the worker and blocks in Atomics.wait until the worker has written Python's
// answer back. The UDF host only builds the plugins (no python/ preload, no hooks); db.execute is
// refused inside a UDF, because the JS thread it would need is the one waiting.
import { delimiter } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  FLOAT,
  INTEGER,
  SMALLINT,
  VARCHAR,
  DuckDBScalarFunction,
  type DuckDBType,
} from '@duckdb/node-api';
import type { Database } from '../../db/index.js';
import { pythonPackageDir } from './process.js';
import type { LogLevel, ReadyMessage, UdfInfo } from './protocol.js';
import type { PythonRuntime } from './runtime.js';

const TYPES: Record<string, DuckDBType> = { VARCHAR, INTEGER, BIGINT, DOUBLE, FLOAT, BOOLEAN, SMALLINT };
const BUFFER_BYTES = 32 * 1024 * 1024;
const IDLE = 0;
const REQUEST = 1;
const ANSWER = 2;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { python, cwd, env, init, ctrlBuffer, dataBuffer } = workerData;
const ctrl = new Int32Array(ctrlBuffer);
const data = new Uint8Array(dataBuffer);
const child = spawn(python, ['-u', '-m', 'mxcp_host'], { cwd, env, stdio: ['pipe', 'pipe', 'inherit'] });
function answer(message) {
  let bytes = Buffer.from(JSON.stringify(message));
  if (bytes.length > data.length) bytes = Buffer.from(JSON.stringify({ op: 'error', error: 'UDF result too large' }));
  data.set(bytes);
  Atomics.store(ctrl, 1, bytes.length);
  Atomics.store(ctrl, 0, ${ANSWER});
  Atomics.notify(ctrl, 0);
}
child.stdin.on('error', () => {});
readline.createInterface({ input: child.stdout }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.op === 'ready') parentPort.postMessage({ ready: message });
  else if (message.op === 'result' || message.op === 'error') answer(message);
  else if (message.op === 'db')
    child.stdin.write(JSON.stringify({ op: 'db_error', req: message.req, error: 'db.execute is not available inside a UDF' }) + '\\n');
});
child.on('exit', (code, signal) => {
  if (Atomics.load(ctrl, 0) === ${REQUEST}) answer({ op: 'error', error: 'UDF Python process exited (' + (signal || code) + ')' });
  parentPort.postMessage({ exited: signal || code });
  parentPort.close();
});
child.stdin.write(JSON.stringify(init) + '\\n');
parentPort.on('message', (message) => {
  if (message === 'call') {
    const length = Atomics.load(ctrl, 1);
    child.stdin.write(Buffer.from(data.subarray(0, length)).toString() + '\\n');
  } else if (message === 'shutdown') child.stdin.write('{"op":"shutdown"}\\n');
  else if (message === 'kill') child.kill('SIGKILL');
});
`;

/** The synchronous side of the bridge: one worker thread, one UDF host process. */
export class UdfBridge {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8));
  private readonly data = new Uint8Array(new SharedArrayBuffer(BUFFER_BYTES));
  private readonly worker: Worker;
  private dead: string | undefined;
  private readonly exited: Promise<void>;
  readonly ready: Promise<ReadyMessage>;

  constructor(
    runtime: PythonRuntime,
    private readonly timeoutMs: number,
  ) {
    const pythonPath = [pythonPackageDir(), process.env.PYTHONPATH].filter(Boolean).join(delimiter);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        python: process.env.MXCP_PYTHON ?? 'python3',
        cwd: runtime.initRequest.repo_root,
        env: { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
        init: { ...runtime.initRequest, udf_only: true },
        ctrlBuffer: this.ctrl.buffer,
        dataBuffer: this.data.buffer,
      },
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (message: { ready?: ReadyMessage; exited?: unknown }) => {
        if (message.ready) resolve(message.ready);
        if (message.exited !== undefined) {
          this.dead = `UDF Python process exited (${String(message.exited)})`;
          reject(new Error(this.dead));
        }
      });
      this.worker.on('error', reject);
    });
    this.exited = new Promise((resolve) => this.worker.on('exit', () => resolve()));
  }

  /** Blocks the JS thread until Python has answered `rows` (or the timeout kills the host). */
  callSync(plugin: string, method: string, rows: unknown[][]): unknown[] {
    if (this.dead) throw new Error(this.dead);
    const bytes = new TextEncoder().encode(JSON.stringify({ op: 'udf', id: 1, plugin, method, rows }));
    if (bytes.length > this.data.length) throw new Error('UDF arguments too large');
    this.data.set(bytes);
    Atomics.store(this.ctrl, 1, bytes.length);
    Atomics.store(this.ctrl, 0, REQUEST);
    this.worker.postMessage('call');
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(this.ctrl, 0) !== ANSWER) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.dead = `UDF ${method}_${plugin} timed out after ${this.timeoutMs / 1000} s`;
        this.worker.postMessage('kill');
        throw new Error(this.dead);
      }
      Atomics.wait(this.ctrl, 0, REQUEST, left);
    }
    const length = Atomics.load(this.ctrl, 1);
    const answer = JSON.parse(new TextDecoder().decode(this.data.slice(0, length))) as {
      op: string;
      value?: unknown[];
      error?: string;
    };
    Atomics.store(this.ctrl, 0, IDLE);
    if (answer.op !== 'result') throw new Error(answer.error ?? 'UDF failed');
    return answer.value ?? [];
  }

  async close(): Promise<void> {
    if (!this.dead) this.worker.postMessage('shutdown');
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** DuckDB's values as JSON for Python: BIGINTs as numbers. */
function jsonArg(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

function outputValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'BIGINT') return BigInt(Math.trunc(Number(value)));
  return value;
}

export async function registerPluginUdfs(
  db: Database,
  runtime: PythonRuntime,
  log: (level: LogLevel, message: string) => void,
  timeoutMs = 60_000,
): Promise<void> {
  const usable: UdfInfo[] = [];
  for (const udf of runtime.udfs) {
    const unsupported = [...udf.args, udf.returns].filter((t) => !(t in TYPES));
    if (unsupported.length > 0) {
      log(
        'error',
        `UDF ${udf.name} not registered: DuckDB type(s) ${unsupported.join(', ')} are not supported by this worker yet`,
      );
    } else usable.push(udf);
  }
  if (usable.length === 0) return;
  const bridge = new UdfBridge(runtime, timeoutMs);
  runtime.onClose(() => bridge.close());
  await bridge.ready;
  const functions: DuckDBScalarFunction[] = usable.map((udf) =>
    DuckDBScalarFunction.create({
      name: udf.name,
      returnType: TYPES[udf.returns],
      parameterTypes: udf.args.map((t) => TYPES[t]),
      // Plugins can read per-request state (user tokens), so results must not be folded.
      volatile: true,
      mainFunction: (_info, input, output) => {
        const columns = udf.args.map((_, i) => input.getColumnVector(i));
        const rows: unknown[][] = [];
        for (let row = 0; row < input.rowCount; row++) rows.push(columns.map((c) => jsonArg(c.getItem(row))));
        const values = bridge.callSync(udf.plugin, udf.method, rows);
        for (let row = 0; row < input.rowCount; row++) {
          output.setItem(row, outputValue(values[row], udf.returns) as never);
        }
        output.flush();
      },
    }),
  );
  db.addConnectionSetup((connection) => {
    for (const fn of functions) connection.registerScalarFunction(fn);
  });
  log('debug', `registered UDFs: ${usable.map((u) => u.name).join(', ')}`);
}
