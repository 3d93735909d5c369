// Records Kubernetes Events (events.k8s.io/v1) about the objects the operator manages, so
// `kubectl describe mxcpproject x` tells the story. The reconciler decides WHEN (condition transitions
// only); this module only writes, drops an event identical to the previous one for the same object,
// and never fails the caller: an event that cannot be written is reported and forgotten.

import type {
  EventsV1Api,
  EventsV1Event,
  KubernetesObject,
  V1MicroTime,
  V1ObjectReference,
} from '@kubernetes/client-node';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  api: EventsV1Api;
  /** e.g. `mxcp.dev/operator` */
  reportingController: string;
  /** The emitting process (pod name / leader identity). */
  reportingInstance: string;
  /** Drop an event identical (type, reason, action, note) to the last one for the same object. Default true. */
  dedupe?: boolean;
  onError?: (error: unknown, event: EventsV1Event) => void;
}

export interface RecordOptions {
  /** What was done (events.k8s.io requires it). Default `Reconcile`. */
  action?: string;
  /** A second object the event is about (e.g. the child Deployment). */
  related?: KubernetesObject;
}

/** events.k8s.io/v1 limits: note ≤ 1 kB, reason/action ≤ 128 characters. */
const NOTE_MAX = 1024;
const SHORT_MAX = 128;
/** Bound on remembered objects, so a churning cluster cannot grow the dedupe memory forever. */
const MEMORY_MAX = 10_000;

export function objectReference(obj: KubernetesObject): V1ObjectReference {
  const m = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, ending with an ellipsis when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  const budget = maxBytes - Buffer.byteLength(ellipsis);
  // Cut by code points so a multi-byte character is never split.
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > budget) break;
    out += ch;
    bytes += size;
  }
  return out + ellipsis;
}

function memoryKey(obj: KubernetesObject): string {
  const m = obj.metadata ?? {};
  return m.uid ?? `${obj.apiVersion}/${obj.kind}/${m.namespace ?? ''}/${m.name ?? ''}`;
}

export class EventRecorder {
  private readonly last = new Map<string, string>();
  private sequence = 0;

  constructor(private readonly options: EventRecorderOptions) {}

  /**
   * Writes an event about `regarding`. Resolves true when written, false when dropped as a duplicate
   * or when the API call failed (reported through onError). Never rejects.
   */
  async record(
    regarding: KubernetesObject,
    type: EventType,
    reason: string,
    message: string,
    options: RecordOptions = {},
  ): Promise<boolean> {
    const action = truncateUtf8(options.action ?? 'Reconcile', SHORT_MAX);
    const note = truncateUtf8(message, NOTE_MAX);
    const fingerprint = JSON.stringify([type, reason, action, note]);
    const key = memoryKey(regarding);
    if ((this.options.dedupe ?? true) && this.last.get(key) === fingerprint) return false;

    const event = this.build(regarding, type, truncateUtf8(reason, SHORT_MAX), action, note, options.related);
    try {
      await this.options.api.createNamespacedEvent({ namespace: event.metadata!.namespace!, body: event });
    } catch (error) {
      this.options.onError?.(error, event);
      return false;
    }
    this.remember(key, fingerprint);
    return true;
  }

  /** Forgets an object's last event (call when the object is deleted). */
  forget(obj: KubernetesObject): void {
    this.last.delete(memoryKey(obj));
  }

  private build(
    regarding: KubernetesObject,
    type: EventType,
    reason: string,
    action: string,
    note: string,
    related: KubernetesObject | undefined,
  ): EventsV1Event {
    const now = Date.now();
    const name = regarding.metadata?.name ?? 'unknown';
    // Unique per recorder and moment, like client-go's `<name>.<unix nanos hex>`.
    const suffix = (BigInt(now) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16);
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${name}.${suffix}`, namespace: regarding.metadata?.namespace || 'default' },
      eventTime: new Date(now).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as V1MicroTime,
      type,
      reason,
      action,
      note,
      regarding: objectReference(regarding),
      related: related ? objectReference(related) : undefined,
      reportingController: this.options.reportingController,
      reportingInstance: this.options.reportingInstance,
    };
  }

  private remember(key: string, fingerprint: string): void {
    this.last.delete(key);
    this.last.set(key, fingerprint);
    if (this.last.size > MEMORY_MAX) this.last.delete(this.last.keys().next().value!);
  }
}
