// The load generator process: the benchmark forks this once per run and sends it one load
// job at a time over the IPC channel; it opens the clients, runs the closed loop (load.ts)
// and answers with the result. Living in its own process, the clients' CPU work (HTTP,
// JSON, SSE parsing) never shares an event loop with the benchmark's orchestration (CPU
// and memory sampling of the server under test), and the server's and the clients' CPU
// time are read apart. Messages out: {type: 'measure-start'}, {type: 'measure-end'},
// {type: 'result', result} or {type: 'failed', message}.
import { connectTarget, type LoadTarget } from './clients.js';
import { runLoad } from './load.js';

export interface LoadJob {
  target: LoadTarget;
  clients: number;
  warmupMs: number;
  measureMs: number;
}

if (!process.send) {
  console.error('load-child.ts runs as a forked child of the benchmark (it needs an IPC channel)');
  process.exit(2);
}
const send = (message: unknown) => process.send!(message);

process.on('message', (job: LoadJob) => {
  runLoad({
    clients: job.clients,
    connect: () => connectTarget(job.target),
    warmupMs: job.warmupMs,
    measureMs: job.measureMs,
    onMeasureStart: () => send({ type: 'measure-start' }),
    onMeasureEnd: () => send({ type: 'measure-end' }),
  }).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) => send({ type: 'failed', message: (error as Error).message }),
  );
});
// The benchmark closing the channel ends this process.
process.on('disconnect', () => process.exit(0));
