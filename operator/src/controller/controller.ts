// MxcpController wires the machinery: supervised informers on MxcpProjects, on every child kind
// (label-selected by app.kubernetes.io/managed-by, except ConfigMaps, which are watched whole because
// projects reference user ConfigMaps too), on the user Secrets labelled for watching, and on the
// worker pods; a reference index from referenced objects back to projects; the hot-reload
// coordinator; and a keyed work queue whose workers run the Reconciler. Any event on a child, a
// referenced object or a worker pod enqueues its project; a periodic resync re-checks every project.
import { hostname } from 'node:os';
import type { KubernetesObject, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { MxcpProject } from '../api/index.js';
import { API_VERSION, KIND } from '../api/index.js';
import {
  EventRecorder,
  Informer,
  KubeClient,
  WorkQueue,
  collectionPath,
  describeApiError,
  objectKey,
  splitKey,
  type InformerSignal,
} from '../kube/index.js';
import { APP_NAME, LABELS, MANAGER } from '../render/index.js';
import { ReloadCoordinator, httpPodAdmin, type WorkerPod } from '../reload/index.js';
import { CHILD_KINDS, MANAGED_SELECTOR, ownerKeyOf, type ChildKind } from './children.js';
import { listRaw } from './list.js';
import { PreflightCache } from './preflight-cache.js';
import { PROJECT_TYPE, Reconciler } from './reconciler.js';
import { ReferenceIndex, referenceKeys } from './references.js';
import {
  DEFAULT_SECRET_LABEL_SELECTOR,
  silentLogger,
  type ControllerLogger,
  type ControllerOptions,
} from './types.js';

const DEFAULT_WORKERS = 4;
const DEFAULT_RESYNC_MS = 10 * 60_000;
export const REPORTING_CONTROLLER = 'mxcp.dev/operator';
/** The worker pods of every project (their template labels). */
const WORKER_POD_SELECTOR = `${LABELS.name}=${APP_NAME},${LABELS.managedBy}=${MANAGER}`;
const SECRET_TYPE = { apiVersion: 'v1', kind: 'Secret', group: '', version: 'v1', plural: 'secrets' };
const POD_TYPE = { apiVersion: 'v1', kind: 'Pod', group: '', version: 'v1', plural: 'pods' };

export class MxcpController {
  private readonly client: KubeClient;
  private readonly logger: ControllerLogger;
  private readonly projects: Informer<MxcpProject & KubernetesObject>;
  private readonly children = new Map<string, Informer<KubernetesObject>>();
  private readonly userSecrets: Informer<V1Secret & KubernetesObject>;
  private readonly pods: Informer<V1Pod & KubernetesObject>;
  private readonly reloads: ReloadCoordinator;
  private readonly index = new ReferenceIndex();
  private readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private isSynced = false;
  private started = false;

  constructor(private readonly opts: ControllerOptions) {
    this.client = new KubeClient(opts.kubeConfig);
    this.logger = opts.logger ?? silentLogger;
    const observer = opts.observer;

    this.projects = new Informer<MxcpProject & KubernetesObject>({
      kubeConfig: opts.kubeConfig,
      path: collectionPath(PROJECT_TYPE, opts.namespace),
      list: (sel) =>
        listRaw(
          opts.kubeConfig,
          collectionPath(PROJECT_TYPE, opts.namespace),
          { apiVersion: API_VERSION, kind: KIND },
          sel,
        ),
      resyncMs: opts.resyncPeriodMs ?? DEFAULT_RESYNC_MS,
      handlers: {
        onAdd: (p) => this.projectChanged(p),
        onUpdate: (p, old) => this.projectChanged(p, old),
        onDelete: (p) => this.projectDeleted(p),
      },
      onSignal: (s) => this.informerSignal(PROJECT_TYPE.plural, s),
    });
    for (const kind of CHILD_KINDS) this.children.set(kind.kind, this.childInformer(kind));
    const secretSelector = opts.secretLabelSelector ?? DEFAULT_SECRET_LABEL_SELECTOR;
    this.userSecrets = this.watch<V1Secret & KubernetesObject>(
      SECRET_TYPE,
      secretSelector || undefined,
      (s) => this.referencedChanged('Secret', s),
    );
    this.pods = this.watch<V1Pod & KubernetesObject>(POD_TYPE, WORKER_POD_SELECTOR, (pod) => {
      const project = pod.metadata?.labels?.[LABELS.instance];
      if (project) this.queue.add(`${pod.metadata?.namespace}/${project}`);
    });
    const recorder = new EventRecorder({
      api: this.client.events,
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: opts.identity ?? hostname(),
      onError: (error) => this.logger.warn('could not record an event', { error: describeApiError(error) }),
    });
    const reload = opts.reload ?? {};
    this.reloads = new ReloadCoordinator({
      admin: reload.admin ?? httpPodAdmin,
      ackTimeoutMs: reload.ackTimeoutMs,
      callTimeoutMs: reload.callTimeoutMs,
      concurrency: reload.concurrency,
      retryDelayMs: reload.retryDelayMs,
      observer: observer?.reload,
      logger: this.logger,
      deletePod: async (namespace, name) => {
        await this.client.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } });
      },
      podReplaced: async (key, pod, message) => {
        const project = this.projects.get(splitKey(key).namespace, splitKey(key).name);
        if (!project) return;
        await recorder.record(project, 'Warning', 'ReloadTimeout', message, {
          action: 'Replace',
          related: podReference(pod),
        });
      },
      onProgress: (key) => this.queue.add(key),
    });

    this.reconciler = new Reconciler({
      client: this.client,
      projects: this.projects,
      children: this.children,
      recorder,
      userSecrets: this.userSecrets,
      pods: this.pods,
      reloads: this.reloads,
      preflight: new PreflightCache(),
      logger: this.logger,
      defaultImage: opts.defaultImage,
    });

    this.queue = new WorkQueue({
      workers: opts.workers ?? DEFAULT_WORKERS,
      process: (key) => {
        const { namespace, name } = splitKey(key);
        return this.reconciler.reconcile(namespace ?? '', name);
      },
      metrics: {
        onDepth: (depth) => observer?.queueDepth(depth),
        onWorkDuration: (key, ms, outcome) => {
          observer?.reconciled(outcome, ms / 1000);
          this.logger.debug('reconciled', { project: key, outcome, ms });
        },
        onError: (key, error) =>
          this.logger.warn('reconcile failed; retrying with backoff', {
            project: key,
            error: describeApiError(error),
          }),
      },
    });
  }

  /** True once every informer has listed its objects (the /readyz signal). */
  get synced(): boolean {
    return this.isSynced;
  }

  /** Starts the informers, waits until they have listed, then starts reconciling. */
  async start(): Promise<void> {
    if (this.started) throw new Error('the controller was already started');
    this.started = true;
    const informers = this.informers();
    for (const informer of informers) informer.start();
    await Promise.all(informers.map((i) => i.synced));
    this.isSynced = true;
    this.queue.start();
    this.logger.info('controller started', {
      namespace: this.opts.namespace ?? '(all)',
      projects: this.projects.list().length,
    });
  }

  /** Stops taking work, waits for the reconciles in flight, then stops the informers. */
  async stop(): Promise<void> {
    await this.reloads.stop();
    await this.queue.shutdown();
    await Promise.all(this.informers().map((i) => i.stop()));
    this.isSynced = false;
  }

  /** Enqueues every known project now (what the periodic resync does). */
  resyncAll(): void {
    for (const key of this.projects.keys()) this.queue.add(key);
  }

  /** Resolves when no reconcile is queued or running (delayed retries do not count); for tests. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private informers(): Array<Informer<KubernetesObject>> {
    return [this.projects, ...this.children.values(), this.userSecrets, this.pods];
  }

  /** An informer whose every event calls `changed` (adds, updates, deletes alike). */
  private watch<T extends KubernetesObject>(
    type: ChildKind,
    labelSelector: string | undefined,
    changed: (obj: T) => void,
  ): Informer<T> {
    const { kubeConfig, namespace } = this.opts;
    const path = collectionPath(type, namespace);
    return new Informer<T>({
      kubeConfig,
      path,
      labelSelector,
      list: (sel) => listRaw<T>(kubeConfig, path, type, sel),
      handlers: { onAdd: changed, onUpdate: changed, onDelete: changed },
      onSignal: (s) => this.informerSignal(type.plural, s),
    });
  }

  private referencedChanged(kind: string, obj: KubernetesObject): void {
    for (const key of this.index.projectsFor(kind, obj.metadata?.namespace, obj.metadata?.name ?? ''))
      this.queue.add(key);
  }

  private childInformer(kind: ChildKind): Informer<KubernetesObject> {
    const { kubeConfig, namespace } = this.opts;
    const path = collectionPath(kind, namespace);
    const enqueue = (obj: KubernetesObject) => this.childChanged(kind, obj);
    return new Informer<KubernetesObject>({
      kubeConfig,
      path,
      labelSelector: kind.unfiltered ? undefined : MANAGED_SELECTOR,
      list: (sel) => listRaw(kubeConfig, path, kind, sel),
      handlers: { onAdd: enqueue, onUpdate: enqueue, onDelete: enqueue },
      onSignal: (s) => this.informerSignal(kind.plural, s),
    });
  }

  private projectChanged(project: MxcpProject & KubernetesObject, old?: MxcpProject): void {
    const key = objectKey(project);
    this.index.set(key, referenceKeys(project));
    // Our own status writes come back as updates: only spec, metadata or a resync need a reconcile.
    if (old && old !== project) {
      const same =
        old.metadata.generation === project.metadata.generation &&
        old.metadata.uid === project.metadata.uid &&
        old.metadata.deletionTimestamp === project.metadata.deletionTimestamp &&
        JSON.stringify(old.metadata.labels ?? {}) === JSON.stringify(project.metadata.labels ?? {}) &&
        JSON.stringify(old.metadata.annotations ?? {}) === JSON.stringify(project.metadata.annotations ?? {});
      if (same) return;
    }
    this.queue.add(key);
  }

  private projectDeleted(project: MxcpProject & KubernetesObject): void {
    this.index.remove(objectKey(project));
    this.reloads.forget(objectKey(project));
    this.reconciler.forget(project);
  }

  private childChanged(kind: ChildKind, obj: KubernetesObject): void {
    const owner = ownerKeyOf(obj);
    if (owner) this.queue.add(owner);
    if (kind.unfiltered) this.referencedChanged(kind.kind, obj);
  }

  private informerSignal(resource: string, signal: InformerSignal): void {
    if (signal.type === 'relist' || signal.type === 'error') {
      this.opts.observer?.watchRestarted(resource);
      this.logger.warn('watch restarted', {
        resource,
        reason: signal.type === 'relist' ? signal.reason : describeApiError(signal.error),
      });
    } else if (signal.type === 'handler-error') {
      this.logger.error('informer handler failed', { resource, error: describeApiError(signal.error) });
    }
  }
}

function podReference(pod: WorkerPod): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: pod.namespace, name: pod.name, uid: pod.uid },
  };
}
