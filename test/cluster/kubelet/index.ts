// The test kubelet: test infrastructure (not a product feature) that makes the pods of the test control
// plane run on this machine without containers, so the operator's rendered worker pods really serve.
// Like the real kubelet, within reason, for the pods of the given namespaces:
//
// - registers a Node (Ready, this machine's capacity) and deletes it on stop() (node.ts);
// - binds Pending, unscheduled pods to that node through pods/binding (there is no scheduler);
// - gives each pod its own loopback address 127.N.x.y, reported as podIP/podIPs (addresses.ts); the
//   hostIP is 127.0.0.1, the machine itself;
// - materialises the pod's volumes below rootDir/<ns>/<pod>/volumes, Secret and ConfigMap volumes in the
//   kubelet's atomic-writer layout (..data -> ..<timestamp>), and keeps them in sync with the API
//   `volumeSyncDelayMs` after a change (the real kubelet's sync period, 0 by default) (volumes.ts);
// - runs init containers to completion, then the containers, each as a process in its own mount
//   namespace with the volumes bind-mounted on their mountPaths and `--host 0.0.0.0` rewritten to the
//   pod address; `mxcp` is the local worker CLI (container.ts);
// - runs httpGet/tcpSocket startup, readiness and liveness probes, restarts exited containers per
//   restartPolicy, and patches pods/status (phase, conditions, container statuses) (pod-runner.ts);
// - on a pod's deletionTimestamp: SIGTERM, terminationGracePeriodSeconds, SIGKILL, then the final
//   delete with gracePeriodSeconds 0.
//
// Not done: securityContext and resources (processes run as root, unconfined), exec/grpc probes, images
// (no pulls: commands run from this machine), network namespaces, node heartbeats, projected/downwardAPI
// volumes, ephemeral and sidecar containers, readiness gates. Needs root (mount namespaces).
import {
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { collectionPath } from '../../../operator/src/kube/client.js';
import { describeApiError, isConflict, isNotFound } from '../../../operator/src/kube/errors.js';
import { Informer, type ListFn } from '../../../operator/src/kube/informer.js';
import { PodAddresses } from './addresses.js';
import type { ImageMap } from './container.js';
import { HOST_IP, deleteNode, registerNode } from './node.js';
import { PodRunner, type RunningPod } from './pod-runner.js';
import { referencedObjects, type ObjectLookup } from './volumes.js';

export type { RunningPod, RunningContainer } from './pod-runner.js';
export { WORKER_COMMAND } from './container.js';
export { TEST_KUBELET_LABEL } from './node.js';

export interface TestKubeletOptions {
  /** Admin access to the test control plane. */
  kubeConfig: KubeConfig;
  /** Only pods in these namespaces are handled. */
  namespaces: string[];
  /** Default `test-node-<random>`. */
  nodeName?: string;
  /** Pod directories live below it; removed on stop. */
  rootDir: string;
  /** Delay before Secret/ConfigMap changes reach pod files (default 0; the kubelet's sync period). */
  volumeSyncDelayMs?: number;
  /**
   * Image -> the command that stands for `mxcp` in that image (and its entrypoint when a container has
   * no command). Default: `mxcp` is the local worker CLI (WORKER_COMMAND) for every image.
   */
  images?: ImageMap;
  log?: (line: string) => void;
}

export interface TestKubelet {
  nodeName: string;
  /** Kills every container, deletes the Node and removes rootDir. Pod objects stay in the API. */
  stop(): Promise<void>;
  /** Everything the pod's containers wrote to stdout and stderr (kept until stop()). */
  podLogs(namespace: string, pod: string): string;
  /** The pods this kubelet runs now, with their addresses and container pids. */
  pods(): RunningPod[];
}

/** Output kept per pod: the last 2 MB. */
const MAX_LOG_CHARS = 2_000_000;
/** Grace period when stop() kills containers (the pods are not being deleted, the node is going away). */
const STOP_GRACE_SECONDS = 2;

export async function startTestKubelet(opts: TestKubeletOptions): Promise<TestKubelet> {
  const kubelet = new Kubelet(opts);
  try {
    await kubelet.start();
  } catch (err) {
    await kubelet.stop();
    throw err;
  }
  return kubelet;
}

class Kubelet implements TestKubelet {
  readonly nodeName: string;
  private readonly core: CoreV1Api;
  private readonly addresses = PodAddresses.claim();
  private readonly runners = new Map<string, PodRunner>();
  private readonly binding = new Set<string>();
  private readonly logs = new Map<string, string>();
  private readonly secrets = new Map<string, Informer<V1Secret>>();
  private readonly configMaps = new Map<string, Informer<V1ConfigMap>>();
  private readonly podInformers: Informer<V1Pod>[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lookup: ObjectLookup;
  private readonly log: (line: string) => void;
  private nodeRegistered = false;
  private stopping?: Promise<void>;

  constructor(private readonly opts: TestKubeletOptions) {
    this.nodeName = opts.nodeName ?? `test-node-${randomBytes(3).toString('hex')}`;
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.log = opts.log ?? (() => {});
    this.lookup = {
      secret: (ns, name) => this.secrets.get(ns)?.get(ns, name),
      configMap: (ns, name) => this.configMaps.get(ns)?.get(ns, name),
    };
  }

  async start(): Promise<void> {
    mkdirSync(this.opts.rootDir, { recursive: true });
    await registerNode(this.core, this.nodeName, this.addresses.cidr);
    this.nodeRegistered = true;
    this.log(`node ${this.nodeName} registered, pods in ${this.addresses.cidr}`);
    // Secrets and ConfigMaps first: a pod found by the first pod list can then start at once.
    for (const ns of this.opts.namespaces) {
      this.secrets.set(
        ns,
        this.informer<V1Secret>(ns, 'secrets', () => this.core.listNamespacedSecret({ namespace: ns })),
      );
      this.configMaps.set(
        ns,
        this.informer<V1ConfigMap>(ns, 'configmaps', () =>
          this.core.listNamespacedConfigMap({ namespace: ns }),
        ),
      );
    }
    await Promise.all([...this.secrets.values(), ...this.configMaps.values()].map((i) => i.synced));
    for (const ns of this.opts.namespaces) {
      this.podInformers.push(
        this.informer<V1Pod>(ns, 'pods', () => this.core.listNamespacedPod({ namespace: ns }), {
          onAdd: (pod) => this.onPod(pod),
          onUpdate: (pod) => this.onPod(pod),
          onDelete: (pod) => this.onPodGone(pod),
        }),
      );
    }
    await Promise.all(this.podInformers.map((i) => i.synced));
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  podLogs(namespace: string, pod: string): string {
    return this.logs.get(`${namespace}/${pod}`) ?? '';
  }

  pods(): RunningPod[] {
    return [...this.runners.values()].map((r) => r.running());
  }

  private async shutdown(): Promise<void> {
    const informers = [...this.podInformers, ...this.secrets.values(), ...this.configMaps.values()];
    await Promise.all(informers.map((i) => i.stop()));
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.runners.values()].map((r) => r.terminate(STOP_GRACE_SECONDS, false)));
    this.runners.clear();
    if (this.nodeRegistered) await deleteNode(this.core, this.nodeName);
    this.addresses.release();
    rmSync(this.opts.rootDir, { recursive: true, force: true });
    this.log(`node ${this.nodeName} stopped`);
  }

  private informer<T extends KubernetesObject>(
    namespace: string,
    plural: string,
    list: ListFn<T>,
    handlers?: { onAdd(o: T): void; onUpdate(o: T): void; onDelete(o: T): void },
  ): Informer<T> {
    const changed = (o: T) => this.objectChanged(namespace, plural === 'secrets' ? 'Secret' : 'ConfigMap', o);
    const informer = new Informer<T>({
      kubeConfig: this.opts.kubeConfig,
      path: collectionPath({ group: '', version: 'v1', plural }, namespace),
      list,
      handlers: handlers ?? { onAdd: changed, onUpdate: changed, onDelete: changed },
      backoffInitialMs: 200,
      backoffMaxMs: 2000,
      onSignal: (s) => {
        if (s.type === 'error' || s.type === 'handler-error')
          this.log(`${plural} informer: ${String(s.error)}`);
      },
    });
    informer.start();
    return informer;
  }

  /** A Secret or ConfigMap changed: re-sync the volumes of the pods that use it, after the sync delay. */
  private objectChanged(namespace: string, kind: string, obj: KubernetesObject): void {
    const ref = `${kind}/${obj.metadata?.name}`;
    for (const runner of this.runners.values()) {
      if (runner.namespace !== namespace || !referencedObjects(runner.spec).has(ref)) continue;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        try {
          runner.syncVolumes();
        } catch (err) {
          this.log(`${namespace}/${runner.name}: volume sync failed: ${String(err)}`);
        }
      }, this.opts.volumeSyncDelayMs ?? 0);
      this.timers.add(timer);
    }
  }

  private onPod(pod: V1Pod): void {
    if (this.stopping) return;
    const key = pod.metadata!.uid!;
    const runner = this.runners.get(key);
    if (pod.metadata?.deletionTimestamp) {
      if (runner) {
        const grace =
          pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
        void runner.terminate(grace, true).finally(() => this.runners.delete(key));
      } else if (pod.spec?.nodeName === this.nodeName) {
        void this.finalDelete(pod);
      }
      return;
    }
    if (runner) {
      runner.update(pod);
      return;
    }
    if (!pod.spec?.nodeName) {
      void this.bind(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (pod.spec.nodeName !== this.nodeName || phase === 'Succeeded' || phase === 'Failed') return;
    const started = new PodRunner(
      {
        rootDir: this.opts.rootDir,
        hostIp: HOST_IP,
        images: this.opts.images,
        lookup: this.lookup,
        core: this.core,
        log: this.log,
        output: (ns, name, text) => this.appendLog(ns, name, text),
      },
      pod,
      this.addresses.allocate(),
    );
    this.runners.set(key, started);
    this.log(`${pod.metadata!.namespace}/${pod.metadata!.name}: starting on ${started.ip}`);
    started.start();
  }

  private onPodGone(pod: V1Pod): void {
    const key = pod.metadata!.uid!;
    const runner = this.runners.get(key);
    if (!runner) return;
    // Deleted behind our back (force delete): kill now, nothing left to report to.
    void runner.terminate(0, false).finally(() => this.runners.delete(key));
  }

  private async bind(pod: V1Pod): Promise<void> {
    const { name, namespace, uid } = pod.metadata!;
    const scheduler = pod.spec?.schedulerName;
    if ((pod.status?.phase ?? 'Pending') !== 'Pending' || (scheduler && scheduler !== 'default-scheduler'))
      return;
    if (this.binding.has(uid!)) return;
    this.binding.add(uid!);
    try {
      await this.core.createNamespacedPodBinding({
        name: name!,
        namespace: namespace!,
        body: {
          metadata: { name, namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
        },
      });
      this.log(`${namespace}/${name}: bound to ${this.nodeName}`);
    } catch (err) {
      this.binding.delete(uid!);
      // 409: another kubelet (or a scheduler) bound it first.
      if (!isConflict(err) && !isNotFound(err))
        this.log(`${namespace}/${name}: binding failed: ${describeApiError(err)}`);
    }
  }

  private async finalDelete(pod: V1Pod): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
        // In the body too: with a body, the API server ignores the query parameter.
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) this.log(`final delete failed: ${describeApiError(err)}`);
    }
  }

  private appendLog(namespace: string, pod: string, text: string): void {
    const key = `${namespace}/${pod}`;
    const all = (this.logs.get(key) ?? '') + text;
    this.logs.set(key, all.length > MAX_LOG_CHARS ? all.slice(-MAX_LOG_CHARS) : all);
  }
}
