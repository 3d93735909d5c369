import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { MxcpProject } from '../api/index.js';
import type { ReloadSnapshot } from '../reload/index.js';
import { REASONS, buildStatus, sameStatus, transitions } from './status.js';

const project = (status?: MxcpProject['status']): MxcpProject => ({
  apiVersion: 'mxcp.dev/v1alpha1',
  kind: 'MxcpProject',
  metadata: { name: 'p', namespace: 'ns', generation: 3 },
  spec: {},
  status,
});

const deployment = (ready: number): V1Deployment => ({
  metadata: { generation: 2 },
  spec: { replicas: 2, selector: {}, template: {} },
  status: {
    observedGeneration: 2,
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: ready,
    availableReplicas: ready,
  },
});

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T01:00:00Z');
const cond = (s: ReturnType<typeof buildStatus>, type: string) => s.conditions!.find((c) => c.type === type)!;

describe('buildStatus', () => {
  it('reports a complete rollout as Ready with the replica counts and the URL', () => {
    const s = buildStatus({ project: project(), suspended: false, deployment: deployment(2), now: t0 });
    expect(s.observedGeneration).toBe(3);
    expect(s).toMatchObject({ replicas: 2, readyReplicas: 2, url: 'http://p.ns.svc:8000/mcp' });
    expect(cond(s, 'Ready')).toMatchObject({
      status: 'True',
      reason: REASONS.available,
      message: '2/2 workers ready',
      observedGeneration: 3,
    });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: REASONS.complete });
    expect(cond(s, 'Degraded')).toMatchObject({ status: 'False' });
    expect(cond(s, 'ConfigValid')).toMatchObject({ status: 'True' });
  });

  it('keeps lastTransitionTime while a status holds and moves it when the status flips', () => {
    const first = buildStatus({ project: project(), suspended: false, deployment: deployment(1), now: t0 });
    const same = buildStatus({
      project: project(first),
      suspended: false,
      deployment: deployment(1),
      now: t1,
    });
    expect(cond(same, 'Ready').lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(sameStatus(first, same)).toBe(true);
    const flipped = buildStatus({
      project: project(first),
      suspended: false,
      deployment: deployment(2),
      now: t1,
    });
    expect(cond(flipped, 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: '2026-01-01T01:00:00Z',
    });
    expect(transitions(first, flipped).map((t) => t.type)).toEqual(['Ready', 'Progressing']);
  });

  it('an invalid configuration lists its problems (bounded) and marks the project degraded, not ready', () => {
    const problems = Array.from({ length: 12 }, (_, i) => ({
      file: `tools/t${i}.yml`,
      line: i + 1,
      message: 'bad',
    }));
    const s = buildStatus({
      project: project(),
      invalid: { reason: REASONS.preflightFailed, problems },
      suspended: false,
      deployment: deployment(2),
      now: t0,
    });
    const valid = cond(s, 'ConfigValid');
    expect(valid).toMatchObject({ status: 'False', reason: REASONS.preflightFailed });
    expect(valid.message).toContain('The project has 12 problems');
    expect(valid.message).toContain('tools/t0.yml:1: bad');
    expect(valid.message).toContain('…and 2 more');
    expect(valid.message).not.toContain('t11.yml');
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: REASONS.configInvalid });
    expect(cond(s, 'Degraded')).toMatchObject({ status: 'True', reason: REASONS.configInvalid });
  });

  it('suspended: says so in Progressing and keeps the last ConfigValid verdict', () => {
    const before = buildStatus({ project: project(), suspended: false, deployment: deployment(2), now: t0 });
    const s = buildStatus({ project: project(before), suspended: true, deployment: deployment(2), now: t1 });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: REASONS.suspended });
    expect(cond(s, 'ConfigValid')).toEqual(cond(before, 'ConfigValid'));
  });

  it('an ownership conflict is Degraded and not Ready, even with a healthy Deployment', () => {
    const s = buildStatus({
      project: project(),
      trouble: { reason: REASONS.ownershipConflict, message: 'Service/p is controlled by X/y' },
      suspended: false,
      deployment: deployment(2),
      now: t0,
    });
    expect(cond(s, 'Degraded')).toMatchObject({ status: 'True', reason: REASONS.ownershipConflict });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: REASONS.ownershipConflict });
  });
});

describe('the Reloaded condition and status.reload', () => {
  const H = 'a'.repeat(64);
  const snapshot = (over: Partial<ReloadSnapshot> = {}) => ({
    secretsHash: H,
    readyReplicas: 3,
    reloadedReplicas: 3,
    failures: [],
    failing: false,
    ...over,
  });
  const build = (reload: Parameters<typeof buildStatus>[0]['reload'], previous?: MxcpProject['status']) =>
    buildStatus({ project: project(previous), suspended: false, deployment: deployment(2), reload, now: t0 });

  it('is True when every ready worker runs the hash, False while some do not, and ReloadFailed after a replacement', () => {
    const done = build(snapshot({ lastReloadTime: '2026-01-01T00:00:00Z' }));
    expect(cond(done, 'Reloaded')).toMatchObject({
      status: 'True',
      reason: REASONS.reloaded,
      message: '3/3 ready workers run secrets hash aaaaaaaaaaaa',
    });
    expect(done.reload).toEqual({
      secretsHash: H,
      readyReplicas: 3,
      reloadedReplicas: 3,
      lastReloadTime: '2026-01-01T00:00:00Z',
    });
    expect(cond(build(snapshot({ reloadedReplicas: 1 })), 'Reloaded')).toMatchObject({
      status: 'False',
      reason: REASONS.reloading,
    });
    const failure = { pod: 'p-0', message: 'did not load', time: '2026-01-01T00:00:00Z' };
    const failing = build(snapshot({ reloadedReplicas: 2, failing: true, failures: [failure] }));
    expect(cond(failing, 'Reloaded')).toMatchObject({ status: 'False', reason: REASONS.reloadFailed });
    expect(cond(failing, 'Reloaded').message).toContain('p-0');
    expect(failing.reload?.failures).toEqual([failure]);
    expect(cond(build(snapshot({ readyReplicas: 0, reloadedReplicas: 0 })), 'Reloaded')).toMatchObject({
      status: 'Unknown',
      reason: REASONS.waitingForWorkers,
    });
  });

  it('names referenced Secrets without the watch label', () => {
    const s = buildStatus({
      project: project(),
      suspended: false,
      deployment: deployment(2),
      reload: snapshot(),
      unwatchedSecrets: ['db-creds'],
      now: t0,
    });
    expect(cond(s, 'Reloaded').message).toContain(
      "Secret 'db-creds' lacks the watch label (mxcp.dev/watch=true)",
    );
  });

  it('keeps what status says when not computed, and drops it when the project references no Secret', () => {
    const before = build(snapshot());
    const kept = build(undefined, before);
    expect(kept.reload).toEqual(before.reload);
    expect(cond(kept, 'Reloaded')).toEqual(cond(before, 'Reloaded'));
    const dropped = build(null, before);
    expect(dropped.reload).toBeUndefined();
    expect(dropped.conditions!.some((c) => c.type === 'Reloaded')).toBe(false);
  });
});
