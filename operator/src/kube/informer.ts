// A supervised informer: list, then watch from the list's resourceVersion, keeping a cache and calling
// add/update/delete handlers. It exists because client-node's ListWatch stops for good on any error
// other than 410/timeout, cannot be told to relist, and has no resync (client-node #596, #958, #1933).
// Here every failure is retried with a jittered 1 s → 30 s backoff and a relist, 410 Gone relists, a watchdog
// relists when nothing (not even a bookmark) has arrived for `watchdogMs`, and `resyncMs` re-delivers
// every cached object as an update so level-based reconcilers re-check the world.
// The watch stream itself is client-node's Watch (auth, TLS, inactivity timeout).

import {
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { statusOf } from './errors.js';
import { InterruptibleSleep } from './interruptible-sleep.js';
import { cacheKey, objectKey } from './keys.js';
import { JitteredBackoff } from './ratelimit.js';

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Lists the watched collection; must honour the selectors it is given (the watch uses the same). */
export type ListFn<T extends KubernetesObject> = (selectors: Selectors) => Promise<KubernetesListObject<T>>;

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  /** `old` is the cached version; on a resync both are the same object. */
  onUpdate?(obj: T, old: T): void;
  /** The last known state of the deleted object. */
  onDelete?(obj: T): void;
}

/** Lifecycle notes for logs and metrics. */
export type InformerSignal =
  | { type: 'listed'; count: number; resourceVersion: string }
  | { type: 'watching'; resourceVersion: string }
  | { type: 'relist'; reason: 'gone' | 'watchdog' }
  | { type: 'error'; error: unknown; retryInMs: number }
  | { type: 'handler-error'; error: unknown }
  | { type: 'resync'; count: number };

export interface InformerOptions<T extends KubernetesObject> extends Selectors {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. `/api/v1/namespaces/ns/configmaps` (see collectionPath()). */
  path: string;
  list: ListFn<T>;
  handlers?: InformerHandlers<T>;
  /** Relist when no watch event or bookmark arrived for this long. Default 5 min; 0 disables. */
  watchdogMs?: number;
  /** Re-deliver every cached object as an update this often. Default 0 (off). */
  resyncMs?: number;
  /** Reconnect backoff bounds. Default 1 s → 30 s. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onSignal?: (signal: InformerSignal) => void;
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** Recoveries: relists after 410 or the watchdog, and retries after errors. */
  restarts: number;
  errors: number;
  events: number;
  watchdogFirings: number;
  resyncs: number;
  /** Time (ms since epoch) of the last list or watch event; 0 before the first. */
  lastSeenAt: number;
}

type WatchEnd = {
  kind: 'gone' | 'watchdog' | 'stopped' | 'closed' | 'error';
  error?: unknown;
  events: number;
  livedMs: number;
};

/** A watch that ended after at least this long, or after delivering events, was healthy. */
const HEALTHY_WATCH_MS = 1000;

export class Informer<T extends KubernetesObject> {
  /** Resolves when the first list has been delivered to the handlers; rejects if stopped before. */
  readonly synced: Promise<void>;

  private readonly cache = new Map<string, T>();
  private readonly watcher: Watch;
  private readonly backoff: JitteredBackoff;
  private readonly watchdogMs: number;
  private readonly resyncMs: number;
  private readonly handlers: InformerHandlers<T>;
  private readonly counters: InformerStats = {
    lists: 0,
    watches: 0,
    restarts: 0,
    errors: 0,
    events: 0,
    watchdogFirings: 0,
    resyncs: 0,
    lastSeenAt: 0,
  };

  private resourceVersion = '';
  private isSynced = false;
  private resolveSynced!: () => void;
  private rejectSynced!: (e: Error) => void;
  private running?: Promise<void>;
  private stopped = false;
  private endWatch?: (end: 'watchdog' | 'stopped') => void;
  private readonly pause = new InterruptibleSleep();
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: InformerOptions<T>) {
    this.watcher = new Watch(options.kubeConfig);
    this.backoff = new JitteredBackoff(options.backoffInitialMs ?? 1000, options.backoffMaxMs ?? 30_000);
    this.watchdogMs = options.watchdogMs ?? 300_000;
    this.resyncMs = options.resyncMs ?? 0;
    this.handlers = options.handlers ?? {};
    this.synced = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // Callers that never await `synced` must not get an unhandled rejection on stop().
    this.synced.catch(() => {});
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  start(): void {
    if (this.running) return;
    if (this.stopped) throw new Error('informer was stopped; create a new one');
    this.running = this.run();
    if (this.watchdogMs > 0) {
      const every = Math.max(50, Math.min(this.watchdogMs / 4, 30_000));
      this.timers.push(setInterval(() => this.checkWatchdog(), every));
    }
    if (this.resyncMs > 0) this.timers.push(setInterval(() => this.resync(), this.resyncMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.endWatch?.('stopped');
    this.pause.interrupt();
    if (!this.isSynced) this.rejectSynced(new Error('informer stopped before its first list'));
    await this.running;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(cacheKey(namespace, name));
  }

  /** Cached objects, in one namespace or all. */
  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  /** Cache keys (`namespace/name`, or `name` for cluster-scoped objects). */
  keys(): string[] {
    return [...this.cache.keys()];
  }

  stats(): InformerStats {
    return { ...this.counters };
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        try {
          await this.relist();
          needList = false;
          this.backoff.reset();
        } catch (error) {
          await this.retryAfterError(error);
          continue;
        }
      }
      const end = await this.watchOnce();
      if (end.kind === 'stopped') break;
      if (end.kind === 'gone' || end.kind === 'watchdog') {
        this.counters.restarts++;
        this.signal({ type: 'relist', reason: end.kind });
        needList = true;
      } else if (end.kind === 'error') {
        if (statusOf(end.error) === 410) {
          this.counters.restarts++;
          this.signal({ type: 'relist', reason: 'gone' });
        } else {
          await this.retryAfterError(end.error);
        }
        // Like client-go's reflector: after a broken watch, start over from a list, so nothing that
        // changed while the watch was down is missed (the relist delivers only the differences).
        needList = true;
      } else if (end.events > 0 || end.livedMs >= HEALTHY_WATCH_MS) {
        // A healthy watch the server (or the client's idle timer) closed: resume at once.
        this.backoff.reset();
      } else {
        // Closed as soon as it opened: do not spin.
        await this.pause.sleep(this.backoff.next());
      }
    }
  }

  private async retryAfterError(error: unknown): Promise<void> {
    this.counters.errors++;
    this.counters.restarts++;
    const delay = this.backoff.next();
    this.signal({ type: 'error', error, retryInMs: delay });
    await this.pause.sleep(delay);
  }

  private async relist(): Promise<void> {
    const { labelSelector, fieldSelector } = this.options;
    const result = await this.options.list({ labelSelector, fieldSelector });
    if (this.stopped) return;
    this.counters.lists++;
    this.counters.lastSeenAt = Date.now();
    this.resourceVersion = result.metadata?.resourceVersion ?? '';

    const previous = new Map(this.cache);
    const added: T[] = [];
    const updated: Array<[T, T]> = [];
    this.cache.clear();
    for (const obj of result.items ?? []) {
      const key = objectKey(obj);
      this.cache.set(key, obj);
      const old = previous.get(key);
      previous.delete(key);
      if (!old) added.push(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) updated.push([obj, old]);
    }
    // The cache is final before handlers run, so they see the listed world.
    for (const obj of added) this.deliver(() => this.handlers.onAdd?.(obj));
    for (const [obj, old] of updated) this.deliver(() => this.handlers.onUpdate?.(obj, old));
    for (const gone of previous.values()) this.deliver(() => this.handlers.onDelete?.(gone));
    this.signal({ type: 'listed', count: this.cache.size, resourceVersion: this.resourceVersion });

    if (!this.isSynced) {
      this.isSynced = true;
      this.resolveSynced();
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    const started = Date.now();
    let events = 0;
    let goneEvent = false;
    let errorEvent: unknown;
    return new Promise<WatchEnd>((resolve) => {
      let settled = false;
      let controller: AbortController | undefined;
      let pendingAbort = false;
      const finish = (end: Omit<WatchEnd, 'events' | 'livedMs'>): void => {
        if (settled) return;
        settled = true;
        this.endWatch = undefined;
        controller?.abort();
        if (!controller) pendingAbort = true;
        resolve({ ...end, events, livedMs: Date.now() - started });
      };
      this.endWatch = (kind) => finish({ kind });

      const onEvent = (phase: string, obj: KubernetesObject & { code?: number }): void => {
        if (settled) return;
        events++;
        this.counters.events++;
        this.counters.lastSeenAt = Date.now();
        switch (phase) {
          case 'ADDED':
          case 'MODIFIED':
            this.upsert(obj as T);
            break;
          case 'DELETED':
            this.remove(obj as T);
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            // The server ends the stream after an ERROR; remember why for the done callback.
            if (obj?.code === 410) goneEvent = true;
            else
              errorEvent = Object.assign(new Error(`watch error event: ${JSON.stringify(obj)}`), {
                code: obj?.code,
              });
            return;
        }
        if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
      };
      const onDone = (err: unknown): void => {
        if (goneEvent) finish({ kind: 'gone' });
        else if (errorEvent) finish({ kind: 'error', error: errorEvent });
        else if (err && (err as Error).name === 'TimeoutError') finish({ kind: 'closed' });
        else if (err) finish({ kind: 'error', error: err });
        else finish({ kind: 'closed' });
      };

      const params: Record<string, string | boolean> = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
      };
      if (this.options.labelSelector) params.labelSelector = this.options.labelSelector;
      if (this.options.fieldSelector) params.fieldSelector = this.options.fieldSelector;
      this.counters.watches++;
      this.signal({ type: 'watching', resourceVersion: this.resourceVersion });
      this.watcher.watch(this.options.path, params, onEvent, onDone).then(
        (c) => {
          controller = c;
          if (pendingAbort) c.abort();
        },
        (err: unknown) => finish({ kind: 'error', error: err }),
      );
    });
  }

  private upsert(obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) this.deliver(() => this.handlers.onAdd?.(obj));
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      this.deliver(() => this.handlers.onUpdate?.(obj, old));
    }
  }

  private remove(obj: T): void {
    const key = objectKey(obj);
    if (!this.cache.delete(key)) return;
    this.deliver(() => this.handlers.onDelete?.(obj));
  }

  private checkWatchdog(): void {
    if (!this.endWatch || !this.isSynced) return;
    if (Date.now() - this.counters.lastSeenAt <= this.watchdogMs) return;
    this.counters.watchdogFirings++;
    this.endWatch('watchdog');
  }

  private resync(): void {
    if (!this.isSynced || this.stopped) return;
    this.counters.resyncs++;
    const objects = [...this.cache.values()];
    for (const obj of objects) this.deliver(() => this.handlers.onUpdate?.(obj, obj));
    this.signal({ type: 'resync', count: objects.length });
  }

  /** A throwing handler must not take the informer down with it. */
  private deliver(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.signal({ type: 'handler-error', error });
    }
  }

  private signal(signal: InformerSignal): void {
    try {
      this.options.onSignal?.(signal);
    } catch {
      // Observability hooks cannot break the watch loop.
    }
  }
}
