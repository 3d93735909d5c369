// MxcpController wires the machinery: supervised informers on MxcpProjects, on every child kind
// (label-selected by app.kubernetes.io/managed-by, except Secrets and ConfigMaps, which are watched
// whole because projects reference user Secrets and ConfigMaps too), a reference index from those
// objects back to projects, and a keyed work queue whose workers run the Reconciler. Any event on a
// child or a referenced object enqueues its project; a periodic resync re-checks every project.
import { hostname } from 'node:os';
import type { KubernetesObject } from '@kubernetes/client-node';
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
import { CHILD_KINDS, MANAGED_SELECTOR, ownerKeyOf, type ChildKind } from './children.js';
import { listRaw } from './list.js';
import { PreflightCache } from './preflight-cache.js';
import { PROJECT_TYPE, Reconciler } from './reconciler.js';
import { ReferenceIndex, referenceKeys } from './references.js';
import { silentLogger, type ControllerLogger, type ControllerOptions } from './types.js';

const DEFAULT_WORKERS = 4;
const DEFAULT_RESYNC_MS = 10 * 60_000;
export const REPORTING_CONTROLLER = 'mxcp.dev/operator';

export class MxcpController {
  private readonly client: KubeClient;
  private readonly logger: ControllerLogger;
  private readonly projects: Informer<MxcpProject & KubernetesObject>;
  private readonly children = new Map<string, Informer<KubernetesObject>>();
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

    this.reconciler = new Reconciler({
      client: this.client,
      projects: this.projects,
      children: this.children,
      recorder: new EventRecorder({
        api: this.client.events,
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: opts.identity ?? hostname(),
        onError: (error) => this.logger.warn('could not record an event', { error: describeApiError(error) }),
      }),
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
    const informers = [this.projects, ...this.children.values()];
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
    await this.queue.shutdown();
    await Promise.all([this.projects, ...this.children.values()].map((i) => i.stop()));
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
    this.reconciler.forget(project);
  }

  private childChanged(kind: ChildKind, obj: KubernetesObject): void {
    const owner = ownerKeyOf(obj);
    if (owner) this.queue.add(owner);
    if (kind.unfiltered) {
      const { namespace, name } = { namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' };
      for (const key of this.index.projectsFor(kind.kind, namespace, name)) this.queue.add(key);
    }
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
