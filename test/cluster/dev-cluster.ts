// `make dev-cluster`: try the operator without a cluster. In the foreground, until Ctrl-C: the test
// control plane, the test kubelet (worker pods run as local processes), the operator as a child
// process, and the hello sample applied in the `default` namespace. Prints the kubeconfig for
// kubectl and an MCP URL on a fixed local port that forwards to a ready pod of the project's
// Service, the way `kubectl port-forward svc/hello 8000` would (there is no kube-proxy here).
//
// Settings: DEV_CLUSTER_PORT (default 18000, 0 = any free port), DEV_CLUSTER_SAMPLE (a sample file,
// default config/samples/mxcp_v1alpha1_mxcpproject_hello.yaml).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { OperatorProcess, REPO_ROOT, applyObjects, installCrd } from '../operator/operator-process.js';
import { kubectlPath } from './binaries.js';
import { startControlPlane } from './controlplane.js';
import { eventually } from './eventually.js';
import { startTestKubelet } from './kubelet/index.js';

const NAMESPACE = 'default';
const MCP_PORT = 8000;
const step = (text: string) => console.error(`• ${text}`);

/** The address of a ready pod behind the Service `name`, or undefined. */
async function readyPodIp(kc: KubeConfig, name: string): Promise<string | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  const service = await core.readNamespacedService({ namespace: NAMESPACE, name });
  const selector = Object.entries(service.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: selector });
  const ready = pods.items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.podIP &&
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ready[Math.floor(Math.random() * ready.length)]?.status?.podIP;
}

/** A local port forwarding each connection to a ready pod of the Service (picked per connection). */
function forwardToService(kc: KubeConfig, service: string, port: number): Promise<Server> {
  const server = createServer((client: Socket) => {
    client.pause();
    readyPodIp(kc, service)
      .then((ip) => {
        if (!ip) return void client.destroy();
        const upstream = connect(MCP_PORT, ip, () => {
          client.pipe(upstream).pipe(client);
          client.resume();
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      })
      .catch(() => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function main(): Promise<void> {
  const samplePath = process.env.DEV_CLUSTER_SAMPLE ?? 'config/samples/mxcp_v1alpha1_mxcpproject_hello.yaml';
  const objects = parseAllDocuments(readFileSync(join(REPO_ROOT, samplePath), 'utf8'))
    .map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } })
    .filter(Boolean)
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: NAMESPACE } }));
  const project = objects.find((o) => o.kind === 'MxcpProject');
  if (!project) throw new Error(`${samplePath} has no MxcpProject`);

  const root = mkdtempSync(join(tmpdir(), 'mxcp-dev-cluster-'));
  step('starting the control plane (etcd, kube-apiserver, kube-controller-manager)…');
  const cluster = await startControlPlane();
  const kc = cluster.kubeConfig();
  const cleanup: Array<() => Promise<unknown>> = [() => cluster.stop()];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    step('stopping…');
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    await installCrd(kc);
    step('starting the test kubelet (pods run as local processes)…');
    const kubelet = await startTestKubelet({
      kubeConfig: kc,
      namespaces: [NAMESPACE],
      rootDir: join(root, 'kubelet'),
    });
    cleanup.push(() => kubelet.stop());
    step('starting the operator…');
    const operator = new OperatorProcess({
      name: 'operator',
      kubeconfig: cluster.kubeconfigPath,
      args: ['--leader-elect=false'],
    });
    cleanup.push(() => operator.stop('SIGTERM', 10_000));
    await operator.waitUntilReady(120_000);
    step(`applying ${samplePath}…`);
    await applyObjects(kc, objects as never);
    const name = project.metadata.name;
    await eventually(
      () => readyPodIp(kc, name),
      (ip) => Boolean(ip),
      {
        timeoutMs: 300_000,
        intervalMs: 500,
        what: `a ready pod of ${name}`,
      },
    );
    const server = await forwardToService(kc, name, Number(process.env.DEV_CLUSTER_PORT ?? 18000));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    console.log('');
    console.log(
      `MCP URL:    http://127.0.0.1:${port}/mcp   (MxcpProject ${NAMESPACE}/${name}, streamable HTTP)`,
    );
    console.log(`kubeconfig: ${cluster.kubeconfigPath}`);
    console.log(`kubectl:    ${await kubectlPath()} --kubeconfig ${cluster.kubeconfigPath} get mxcp`);
    console.log('Press Ctrl-C to stop everything.');
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await stop(1);
  }
}

void main();
