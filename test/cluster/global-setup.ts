// Vitest globalSetup: a broker for ONE test control plane per run, shared by every test file that
// needs it (each takes its own namespace, see namespace.ts). The cluster starts lazily, on the first
// request from a test (a loopback HTTP call from a test worker), so a run whose tests never ask for
// it (worker tests, operator unit tests) starts nothing and builds nothing. Stopped after the run.
// MXCP_TEST_CLUSTER=running makes it hand out the cluster `make cluster-up` started instead.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { TestProject } from 'vitest/node';
import type { ClusterInfo } from './access.js';
import { startControlPlane, type ControlPlane } from './controlplane.js';
import { readRunningCluster } from './running.js';

export interface ClusterBroker {
  url: string;
  token: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    clusterBroker: ClusterBroker;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let controlPlane: ControlPlane | undefined;
  let starting: Promise<ClusterInfo> | undefined;

  const acquire = (): Promise<ClusterInfo> => {
    starting ??= (async () => {
      if (process.env.MXCP_TEST_CLUSTER === 'running') {
        const running = await readRunningCluster();
        if (!running)
          throw new Error('MXCP_TEST_CLUSTER=running, but no cluster is up: run `make cluster-up` first');
        return running.info;
      }
      const t0 = Date.now();
      controlPlane = await startControlPlane();
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      process.stderr.write(
        `Test control plane up in ${secs} s at ${controlPlane.server} (${controlPlane.dir})\n`,
      );
      return controlPlane.info;
    })();
    return starting;
  };

  const token = randomBytes(16).toString('hex');
  const server = createServer((req, res) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    acquire().then(
      (info) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info)),
      (err: unknown) => res.writeHead(500).end(err instanceof Error ? err.message : String(err)),
    );
  });
  // A first run may build the binaries (many minutes) before answering.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('cluster broker has no address');
  project.provide('clusterBroker', { url: `http://127.0.0.1:${address.port}/cluster`, token });

  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await starting?.catch(() => undefined);
    await controlPlane?.stop();
  };
}
