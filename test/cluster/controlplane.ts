// A real Kubernetes control plane for tests, without Docker: etcd, kube-apiserver (RBAC, service
// account tokens, an audit log) and kube-controller-manager (the workload, garbage collection,
// namespace and service account controllers), as child processes on free loopback ports with
// certificates made by openssl. Mirrors controller-runtime's envtest (TESTING.md A5-A8).
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { ClusterAccess, type ClusterInfo } from './access.js';
import { AUDIT_POLICY } from './audit.js';
import { ensureBinaries } from './binaries.js';
import { createCertificates, issueClientCert, type CertPaths } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ManagedProcess, ownDirectory, startWatchdog } from './process.js';

export type { ClusterInfo } from './access.js';
export type { AuditEvent, AuditFilter } from './audit.js';
export { ClusterAccess } from './access.js';
export { WRITE_VERBS } from './audit.js';

export interface ControlPlaneOptions {
  /** Directory for certificates, data and logs; default a fresh temp dir, removed by stop(). A given one is kept. */
  dataDir?: string;
  /** Progress lines (what is starting, how long it took). */
  log?: (line: string) => void;
  /** How long each component may take to become ready (ms). Default 90 s: a loaded 2-core machine is slow. */
  startTimeoutMs?: number;
}

/** The user the bootstrap RBAC policy grants the controller manager's permissions to. */
const KCM_USER = 'system:kube-controller-manager';

/** Controllers that make sense without a scheduler or kubelet (TESTING.md A8); never '*'. */
export const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'pod-garbage-collector-controller',
  'endpointslice-controller',
  'root-ca-certificate-publisher-controller',
  // Fills the aggregated ClusterRoles admin, edit and view (and any a chart aggregates into them).
  'clusterrole-aggregation-controller',
];

export class ControlPlane extends ClusterAccess {
  private released = false;

  constructor(
    info: ClusterInfo,
    private readonly processes: { etcd: ManagedProcess; apiserver: ManagedProcess; kcm: ManagedProcess },
    private readonly removeDirOnStop: boolean,
    private readonly releaseDir: () => void,
    private readonly stopWatchdog: () => void,
    private readonly startTimeoutMs: number,
    private readonly log: (line: string) => void,
    private readonly etcdPort: number,
  ) {
    super(info);
  }

  /**
   * Stops etcd (SIGTERM), leaves it down for `downtimeMs`, and starts it again with the same flags,
   * port and data; waits for its /health. The API server keeps running and reconnects by itself.
   */
  async restartEtcd(downtimeMs = 0): Promise<void> {
    const { etcd } = this.processes;
    await etcd.stop();
    if (downtimeMs > 0) await new Promise((r) => setTimeout(r, downtimeMs));
    const started = Date.now();
    etcd.start();
    await etcd.waitUntil('/health answered true', () => etcdHealthy(this.etcdPort), this.startTimeoutMs);
    this.log(`etcd restarted in ${Date.now() - started} ms`);
  }

  /** Stops the API server and starts it again with the same flags, port and etcd; waits for /readyz. */
  async restartApiServer(): Promise<void> {
    const { apiserver } = this.processes;
    await apiserver.stop();
    const started = Date.now();
    apiserver.start();
    await waitForApiServer(apiserver, this.info, this.startTimeoutMs);
    this.log(`kube-apiserver restarted in ${Date.now() - started} ms`);
  }

  /** SIGTERM in reverse start order, waiting for each; then removes the directory if it is ours. */
  async stop(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const { etcd, apiserver, kcm } = this.processes;
    for (const p of [kcm, apiserver, etcd]) await p.stop();
    this.stopWatchdog();
    if (this.removeDirOnStop) await rm(this.info.dir, { recursive: true, force: true });
    this.releaseDir();
  }

  /** Pids of the running components (for tests of the harness itself). */
  pids(): number[] {
    return Object.values(this.processes).flatMap((p) => (p.running && p.pid ? [p.pid] : []));
  }
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const timeout = opts.startTimeoutMs ?? 90_000;
  const bins = await ensureBinaries();
  const owned = opts.dataDir === undefined;
  const dir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'mxcp-k8s-')));
  // Until stop(), an exit of this process (even by a signal) removes a dir we created.
  const releaseDir = owned ? ownDirectory(dir) : () => {};
  const started: ManagedProcess[] = [];
  await Promise.all(
    ['certs', 'logs', 'kubeconfigs', 'pids'].map((d) => mkdir(join(dir, d), { recursive: true })),
  );
  const pidFile = (name: string): string => join(dir, 'pids', `${name}.pid`);
  const stopWatchdog = startWatchdog(join(dir, 'pids'), owned ? dir : undefined);
  try {
    const t0 = Date.now();
    const [certs, etcdPort, etcdPeerPort, apiPort] = await Promise.all([
      createCertificates(join(dir, 'certs')),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const caData = (await readFile(certs.caCert)).toString('base64');
    const info: ClusterInfo = {
      dir,
      kubeconfigPath: join(dir, 'admin.kubeconfig'),
      server: `https://127.0.0.1:${apiPort}`,
      caData,
      auditLogPath: join(dir, 'logs', 'audit.log'),
    };
    await writeKubeconfig(info.kubeconfigPath, info, {
      name: 'admin',
      certData: (await readFile(certs.adminCert)).toString('base64'),
      keyData: (await readFile(certs.adminKey)).toString('base64'),
    });
    // The controller manager has its own identity, as in a real cluster, so the audit log tells its
    // writes from the admin's (the tests' and the operator's).
    const kcmCert = await issueClientCert(join(dir, 'certs'), certs, KCM_USER, [], 'kube-controller-manager');
    const kcmKubeconfig = await writeKubeconfig(join(dir, 'kube-controller-manager.kubeconfig'), info, {
      name: KCM_USER,
      certData: (await readFile(kcmCert.cert)).toString('base64'),
      keyData: (await readFile(kcmCert.key)).toString('base64'),
    });
    await writeFile(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    await writeFile(join(dir, 'cluster.json'), JSON.stringify(info, null, 2));
    log(`certificates in ${Date.now() - t0} ms`);

    const etcd = new ManagedProcess(
      'etcd',
      bins.etcd,
      etcdArgs(dir, etcdPort, etcdPeerPort),
      join(dir, 'logs', 'etcd.log'),
      pidFile('etcd'),
    );
    etcd.start();
    started.push(etcd);
    await etcd.waitUntil('/health answered true', () => etcdHealthy(etcdPort), timeout);
    log(`etcd ready at ${Date.now() - t0} ms`);

    const apiserver = new ManagedProcess(
      'kube-apiserver',
      bins['kube-apiserver'],
      apiServerArgs(dir, certs, apiPort, etcdPort, info.auditLogPath),
      join(dir, 'logs', 'kube-apiserver.log'),
      pidFile('kube-apiserver'),
    );
    apiserver.start();
    started.push(apiserver);
    await waitForApiServer(apiserver, info, timeout);
    log(`kube-apiserver ready at ${Date.now() - t0} ms`);

    const kcm = new ManagedProcess(
      'kube-controller-manager',
      bins['kube-controller-manager'],
      controllerManagerArgs(kcmKubeconfig, certs),
      join(dir, 'logs', 'kube-controller-manager.log'),
      pidFile('kube-controller-manager'),
    );
    kcm.start();
    started.push(kcm);
    await waitForControllers(kcm, info, timeout);
    log(`kube-controller-manager ready at ${Date.now() - t0} ms`);

    return new ControlPlane(
      info,
      { etcd, apiserver, kcm },
      owned,
      releaseDir,
      stopWatchdog,
      timeout,
      log,
      etcdPort,
    );
  } catch (err) {
    for (const p of started.reverse()) await p.stop(5_000);
    stopWatchdog();
    if (owned) {
      // Keep the logs of a failed start where the error message points.
      await rm(join(dir, 'etcd-data'), { recursive: true, force: true });
      releaseDir();
    }
    throw err;
  }
}

function etcdArgs(dir: string, port: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=default',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

function apiServerArgs(
  dir: string,
  certs: CertPaths,
  port: number,
  etcdPort: number,
  auditLog: string,
): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    // Without it the API server looks for a default route, which a sandbox may not have.
    '--advertise-address=127.0.0.1',
    // Do not publish a loopback endpoint for the `kubernetes` Service.
    '--endpoint-reconciler-type=none',
    `--cert-dir=${join(dir, 'certs')}`,
    `--tls-cert-file=${certs.servingCert}`,
    `--tls-private-key-file=${certs.servingKey}`,
    `--client-ca-file=${certs.caCert}`,
    '--authorization-mode=RBAC',
    // Room for thousands of Services (the operator benchmark creates one per project).
    '--service-cluster-ip-range=10.0.0.0/16',
    '--allow-privileged=true',
    `--service-account-issuer=https://127.0.0.1:${port}/`,
    `--service-account-key-file=${certs.saPub}`,
    `--service-account-signing-key-file=${certs.saKey}`,
    `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
    `--audit-log-path=${auditLog}`,
    '--audit-log-format=json',
    // Written in the request path, so an event is in the file soon after the response.
    '--audit-log-mode=blocking',
    // On SIGTERM, end open watches (the controller manager's, the operator's) instead of waiting up
    // to a minute for the HTTP server to drain them, so a restart takes seconds.
    '--shutdown-watch-termination-grace-period=2s',
  ];
}

function controllerManagerArgs(kubeconfig: string, certs: CertPaths): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    // 0 = serve no HTTPS at all, so no authn/authz delegation to set up.
    '--secure-port=0',
    `--controllers=${CONTROLLERS.join(',')}`,
    `--service-account-private-key-file=${certs.saKey}`,
    `--root-ca-file=${certs.caCert}`,
    // Each controller acts as its own service account (system:serviceaccount:kube-system:<controller>).
    '--use-service-account-credentials=true',
  ];
}

async function waitForApiServer(
  apiserver: ManagedProcess,
  info: ClusterInfo,
  timeoutMs: number,
): Promise<void> {
  const ca = Buffer.from(info.caData, 'base64');
  await apiserver.waitUntil(
    '/readyz answered 200',
    async () => (await httpsStatus(`${info.server}/readyz`, ca)) === 200,
    timeoutMs,
  );
  const core = new ClusterAccess(info).kubeConfig().makeApiClient(CoreV1Api);
  await apiserver.waitUntil(
    'namespace default exists',
    async () => {
      await core.readNamespace({ name: 'default' });
      return true;
    },
    timeoutMs,
  );
}

/**
 * The controller manager serves nothing (--secure-port=0); it is ready when its service account
 * controller has created the `default` ServiceAccount, which pods need before they are admitted.
 */
async function waitForControllers(kcm: ManagedProcess, info: ClusterInfo, timeoutMs: number): Promise<void> {
  const core = new ClusterAccess(info).kubeConfig().makeApiClient(CoreV1Api);
  await kcm.waitUntil(
    'ServiceAccount default/default exists',
    async () => {
      await core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' });
      return true;
    },
    timeoutMs,
  );
}

async function etcdHealthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) return false;
  return ((await res.json()) as { health?: string }).health === 'true';
}

/** Status code of an anonymous GET against the API server, trusting only the cluster CA. */
function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
