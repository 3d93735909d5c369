// The event recorder writes events.k8s.io/v1 Events the API server accepts, and drops repeats.
import { CoreV1Api, EventsV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../../../test/cluster/namespace.js';
import { EventRecorder } from './events.js';

const ns = useTestNamespace();
let events: EventsV1Api;
let core: CoreV1Api;

beforeAll(() => {
  events = ns.kubeConfig().makeApiClient(EventsV1Api);
  core = ns.kubeConfig().makeApiClient(CoreV1Api);
});

async function eventsAbout(uid: string) {
  const list = await events.listNamespacedEvent({ namespace: ns.name });
  return list.items.filter((e) => e.regarding?.uid === uid);
}

describe('EventRecorder', () => {
  it('records events about an object and drops an identical consecutive one', async () => {
    const target = await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'subject' } },
    });
    const target2: V1ConfigMap = { ...target, apiVersion: 'v1', kind: 'ConfigMap' };
    const errors: unknown[] = [];
    const recorder = new EventRecorder({
      api: events,
      reportingController: 'mxcp.dev/operator',
      reportingInstance: 'test-instance',
      onError: (e) => errors.push(e),
    });
    expect(await recorder.record(target2, 'Normal', 'Ready', 'all replicas available')).toBe(true);
    expect(await recorder.record(target2, 'Normal', 'Ready', 'all replicas available')).toBe(false);
    expect(
      await recorder.record(target2, 'Warning', 'Degraded', 'x'.repeat(5000), { action: 'Rollout' }),
    ).toBe(true);
    expect(errors).toEqual([]);

    const written = await eventsAbout(target.metadata!.uid!);
    expect(written).toHaveLength(2);
    const byReason = Object.fromEntries(written.map((e) => [e.reason, e]));
    expect(byReason.Ready).toMatchObject({
      type: 'Normal',
      note: 'all replicas available',
      action: 'Reconcile',
      reportingController: 'mxcp.dev/operator',
      reportingInstance: 'test-instance',
      regarding: { kind: 'ConfigMap', name: 'subject', namespace: ns.name },
    });
    expect(byReason.Degraded?.type).toBe('Warning');
    expect(byReason.Degraded?.action).toBe('Rollout');
    expect(Buffer.byteLength(byReason.Degraded!.note!)).toBeLessThanOrEqual(1024);

    // After forget() the same event is written again (e.g. the object was recreated).
    recorder.forget(target2);
    expect(
      await recorder.record(target2, 'Warning', 'Degraded', 'x'.repeat(5000), { action: 'Rollout' }),
    ).toBe(true);
    expect(await eventsAbout(target.metadata!.uid!)).toHaveLength(3);
  });

  it('reports a rejected event through onError and resolves false instead of throwing', async () => {
    const errors: unknown[] = [];
    const recorder = new EventRecorder({
      api: events,
      reportingController: 'mxcp.dev/operator',
      reportingInstance: 'test-instance',
      onError: (e) => errors.push(e),
    });
    // Namespace that does not exist: the API server refuses the event.
    const ghost = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'no-such-namespace-4242', uid: 'u' },
    };
    expect(await recorder.record(ghost, 'Normal', 'Ready', 'hello')).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
