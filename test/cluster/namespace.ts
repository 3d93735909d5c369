// How a test file uses the run's shared test control plane: `await testCluster()` gives admin access
// (starting the cluster on the first request of the run, see global-setup.ts), and
// useTestNamespace() gives the file (or each test) a namespace of its own, created before and
// deleted after, so files running in parallel never see each other's objects.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { ClusterAccess, type ClusterInfo } from './access.js';
import type { ClusterBroker } from './global-setup.js';

/** A first run builds the binaries (10-25 min) before the cluster starts. */
export const CLUSTER_HOOK_TIMEOUT_MS = 40 * 60_000;

let shared: Promise<ClusterAccess> | undefined;

/** The run's shared cluster (admin access), started on the first call of the run. */
export function testCluster(): Promise<ClusterAccess> {
  shared ??= (async () => {
    const broker = inject('clusterBroker');
    if (!broker)
      throw new Error(
        'No test cluster broker: is test/cluster/global-setup.ts in vitest.config.ts globalSetup?',
      );
    return new ClusterAccess(await requestCluster(broker));
  })();
  return shared;
}

// node:http rather than fetch: fetch gives up waiting for response headers after 5 minutes.
function requestCluster(broker: ClusterBroker): Promise<ClusterInfo> {
  return new Promise((resolve, reject) => {
    const req = request(broker.url, { headers: { authorization: `Bearer ${broker.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(JSON.parse(body) as ClusterInfo);
        else reject(new Error(`The test cluster did not start: ${body || res.statusCode}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface TestNamespace {
  /** The namespace's name; read it inside tests or hooks, not at module load. */
  readonly name: string;
  /** Admin access to the shared cluster (audit log, other identities); inside tests or hooks. */
  readonly cluster: ClusterAccess;
  /** Admin KubeConfig for the shared cluster. */
  kubeConfig(): KubeConfig;
}

export interface TestNamespaceOptions {
  /** Name prefix; default the test file's name. */
  prefix?: string;
  /** A fresh namespace for every test instead of one per file (or per describe block). */
  perTest?: boolean;
}

export const TEST_NAMESPACE_LABEL = 'mxcp.dev/test-namespace';

/**
 * Registers hooks that create a uniquely named namespace (and wait for its `default`
 * ServiceAccount, as a real cluster has) and delete it afterwards. Call at the top level of a
 * test file or inside a describe block.
 */
export function useTestNamespace(opts: TestNamespaceOptions = {}): TestNamespace {
  let cluster: ClusterAccess | undefined;
  let current: string | undefined;

  const create = async (fileName: string | undefined): Promise<void> => {
    cluster ??= await testCluster();
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const prefix =
      dnsLabel(opts.prefix ?? fileName ?? 'test')
        .slice(0, 40)
        .replace(/-+$/, '') || 'test';
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    await core.createNamespace({ body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } } } });
    current = name;
    await waitForDefaultServiceAccount(core, name);
  };
  const remove = async (): Promise<void> => {
    const name = current;
    current = undefined;
    if (!name || !cluster) return;
    try {
      // The namespace controller finishes the deletion in the background.
      await cluster
        .kubeConfig()
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name, propagationPolicy: 'Background' });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  };

  if (opts.perTest) {
    beforeEach((ctx) => create(baseName(ctx.task.file?.name)), CLUSTER_HOOK_TIMEOUT_MS);
    afterEach(remove);
  } else {
    // Vitest insists on a destructuring pattern for the fixture context even when it is unused.
    // eslint-disable-next-line no-empty-pattern
    beforeAll(({}, suite) => create(baseName(suite.file?.name ?? suite.name)), CLUSTER_HOOK_TIMEOUT_MS);
    afterAll(remove);
  }

  return {
    get name(): string {
      if (!current) throw new Error('the test namespace exists only inside tests and hooks');
      return current;
    },
    get cluster(): ClusterAccess {
      if (!cluster) throw new Error('the test cluster is available only inside tests and hooks');
      return cluster;
    },
    kubeConfig(): KubeConfig {
      if (!cluster) throw new Error('the test cluster is available only inside tests and hooks');
      return cluster.kubeConfig();
    },
  };
}

async function waitForDefaultServiceAccount(core: CoreV1Api, namespace: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ namespace, name: 'default' });
      return;
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404) || Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function baseName(path: string | undefined): string | undefined {
  return path
    ?.split('/')
    .pop()
    ?.replace(/\.test\.[cm]?[jt]s$/, '');
}

function dnsLabel(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '');
}
