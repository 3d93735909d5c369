// A converged operator is quiet: after 100 projects have converged, full resyncs (every project
// reconciled again) make no write request at all, counted in the API server's audit log for the
// operator's own user (it runs with a client certificate of its own, so its requests stand apart).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_VERBS } from '../cluster/audit.js';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import { KubeClient } from '../../operator/src/kube/index.js';
import { PROJECT_TYPE } from '../../operator/src/controller/reconciler.js';
import type { MxcpProject } from '../../operator/src/api/index.js';
import {
  applyProject,
  helloFiles,
  installCrd,
  kubeConfigFrom,
  project,
  startController,
  type RunningController,
} from './controller-support.js';

const PROJECTS = 100;
const RESYNC_MS = 2000;

const ns = useTestNamespace();
let running: RunningController;
let user: string;

beforeAll(async () => {
  await installCrd(ns.kubeConfig());
  user = `mxcp-operator-e2e-${randomBytes(3).toString('hex')}`;
  const kc = kubeConfigFrom(await ns.cluster.kubeconfigForUser(user, ['system:masters']));
  running = await startController(kc, ns.name, { resyncPeriodMs: RESYNC_MS });
}, 120_000);

afterAll(async () => {
  await running?.stop();
});

const writes = (since: Date) => ns.cluster.auditEvents({ user, verbs: WRITE_VERBS, since });

describe('a no-op resync', () => {
  it(`of ${PROJECTS} converged projects performs zero API writes`, async () => {
    const admin = new KubeClient(ns.kubeConfig());
    const files = helloFiles();
    for (let i = 0; i < PROJECTS; i++) await applyProject(admin, project(ns.name, `p${i}`, { files }));

    // Converged: every status describes its generation and counts the Deployment's pod.
    await eventually(
      async () => {
        const list = (await admin.custom.listNamespacedCustomObject({
          ...PROJECT_TYPE,
          namespace: ns.name,
        })) as {
          items: MxcpProject[];
        };
        return list.items.filter(
          (p) => p.status?.observedGeneration === p.metadata.generation && p.status?.replicas === 1,
        ).length;
      },
      (n) => n === PROJECTS,
      { timeoutMs: 240_000, intervalMs: 1000, what: `${PROJECTS} projects converged` },
    );
    // And quiet: no operator write for a while (status updates from the Deployment controller settle).
    let mark = new Date();
    await eventually(
      async () => {
        const recent = await writes(mark);
        const quiet = recent.length === 0;
        if (!quiet) mark = new Date();
        return quiet;
      },
      (quiet) => quiet,
      { timeoutMs: 120_000, intervalMs: 3000, what: 'no operator writes for 3 s' },
    );
    const before = await writes(new Date(0));
    expect(before.length).toBeGreaterThanOrEqual(PROJECTS * 6);

    const start = new Date();
    const reconciledBefore = running.observer.counts.success;
    // At least two full resyncs (the periodic one every 2 s, and one more on request).
    await eventually(
      async () => running.observer.counts.success - reconciledBefore,
      (n) => n >= 2 * PROJECTS,
      { timeoutMs: 60_000, what: 'two full resyncs' },
    );
    running.controller.resyncAll();
    await running.controller.idle();
    expect(running.observer.counts.success - reconciledBefore).toBeGreaterThanOrEqual(3 * PROJECTS);
    expect(running.observer.counts.error).toBe(0);

    const during = await writes(start);
    expect(
      during.map(
        (e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource ?? ''} ${e.objectRef?.name}`,
      ),
    ).toEqual([]);
  });
});
