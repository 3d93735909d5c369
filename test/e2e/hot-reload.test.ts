// Hot reload end to end (DESIGN §6): the real control plane, the test kubelet running the rendered
// worker pods as local processes, and two operator processes (leader and standby). A rotated Secret
// reaches every running worker without a restart and without a failed call; a changed endpoint file
// rolls the pods instead; the standby finishes a rotation its leader died in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { AppsV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../cluster/eventually.js';
import { startTestKubelet, type TestKubelet } from '../cluster/kubelet/index.js';
import { useTestNamespace } from '../cluster/namespace.js';
import { OperatorProcess, installCrd } from '../operator/operator-process.js';
import {
  applyProject,
  callLoop,
  callText,
  condition,
  podClient,
  reloadProject,
  statusOf,
  waitReadyPods,
  waitReloaded,
  writeProxySecret,
} from './support/hot-reload.js';

const ns = useTestNamespace();
const NAME = 'rotating';
const REPLICAS = 2;
const RESTART_HASH = 'mxcp.dev/restart-hash';

describe('hot reload of a rotated Secret through the operator', { timeout: 300_000 }, () => {
  let root: string;
  let kubelet: TestKubelet;
  const operators: OperatorProcess[] = [];
  const clients: Client[] = [];

  /** Lease timings short enough for a quick takeover (client-go's ratios). */
  const startOperator = (name: string) => {
    const p = new OperatorProcess({
      name,
      kubeconfig: ns.cluster.kubeconfigPath,
      args: [
        '--namespace',
        ns.name,
        '--leader-election-namespace',
        ns.name,
        '--lease-duration',
        '6',
        '--renew-deadline',
        '4',
        '--retry-period',
        '1',
      ],
    });
    operators.push(p);
    return p;
  };
  const leader = async (): Promise<OperatorProcess> =>
    eventually(
      async () => {
        for (const p of operators)
          if (p.exitCode === undefined && (await p.metric('mxcp_operator_leader').catch(() => 0)) === 1)
            return p;
        throw new Error('no leader yet');
      },
      () => true,
      { timeoutMs: 60_000, what: 'a leading operator' },
    );
  const connectAll = async (pods: V1Pod[]) => {
    const fresh = await Promise.all(pods.map(podClient));
    clients.push(...fresh);
    return fresh;
  };
  const kc = () => ns.kubeConfig();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mxcp-hot-reload-'));
    await installCrd(kc());
    // A kubelet that updates mounted Secrets 1.5 s after a change, like a (fast) real one: long
    // enough for the leader to be killed mid-rotation below.
    kubelet = await startTestKubelet({
      kubeConfig: kc(),
      namespaces: [ns.name],
      rootDir: join(root, 'kubelet'),
      volumeSyncDelayMs: 1500,
    });
    await writeProxySecret(kc(), ns.name, 'http://proxy-one');
    startOperator('operator-a');
    startOperator('operator-b');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(operators.map((p) => p.stop('SIGTERM', 10_000)));
    await kubelet?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('serves the project from ready pods, each reading the Secret-backed DuckDB secret', async () => {
    await applyProject(kc(), reloadProject(ns.name, NAME, { replicas: REPLICAS }));
    const pods = await waitReadyPods(kc(), ns.name, NAME, REPLICAS);
    for (const client of await connectAll(pods))
      expect(await callText(client, 'show_proxy')).toContain('proxy-one');
    const status = await waitReloaded(kc(), ns.name, NAME, REPLICAS);
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True' });
    expect(status.reload?.failures).toBeUndefined();
  });

  it('a rotated Secret reaches every worker in place: new hash acknowledged, no restart, no failed call', async () => {
    const before = await statusOf(kc(), ns.name, NAME);
    const pods = await waitReadyPods(kc(), ns.name, NAME, REPLICAS);
    const pids = new Map(kubelet.pods().map((p) => [p.uid, p.pid]));
    const loop = callLoop(await connectAll(pods));

    await writeProxySecret(kc(), ns.name, 'http://proxy-two');
    const after = await waitReloaded(kc(), ns.name, NAME, REPLICAS, { not: before.secretsHash });
    // Calls keep going a moment after the last acknowledgement.
    await new Promise((r) => setTimeout(r, 500));
    const { calls, failures } = await loop.stop();

    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(0);
    expect(after.secretsHash).not.toBe(before.secretsHash);
    expect(after.reload?.lastReloadTime).toBeDefined();
    const now = await waitReadyPods(kc(), ns.name, NAME, REPLICAS);
    expect(now.map((p) => p.metadata?.uid).sort()).toEqual(pods.map((p) => p.metadata?.uid).sort());
    for (const pod of now) {
      expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(0);
      expect(kubelet.pods().find((p) => p.uid === pod.metadata?.uid)?.pid).toBe(pids.get(pod.metadata!.uid!));
    }
    for (const client of await connectAll(now))
      expect(await callText(client, 'show_proxy')).toContain('proxy-two');
  });

  it('a changed endpoint file rolls the pods instead, and the new tool is served', async () => {
    const apps = kc().makeApiClient(AppsV1Api);
    const hashBefore = (await apps.readNamespacedDeployment({ namespace: ns.name, name: NAME })).spec
      ?.template.metadata?.annotations?.[RESTART_HASH];
    const oldPods = await waitReadyPods(kc(), ns.name, NAME, REPLICAS);
    const oldUids = new Set(oldPods.map((p) => p.metadata?.uid));
    const newTool = `mxcp: 1
tool:
  name: version
  description: Which version of the project runs
  return:
    type: string
  source:
    code: SELECT 'v2'
`;
    await applyProject(
      kc(),
      reloadProject(ns.name, NAME, { replicas: REPLICAS, extraFiles: { 'tools/version.yml': newTool } }),
    );
    const hashAfter = await eventually(
      async () =>
        (await apps.readNamespacedDeployment({ namespace: ns.name, name: NAME })).spec?.template.metadata
          ?.annotations?.[RESTART_HASH],
      (h) => h !== hashBefore,
      { what: 'a new restart hash' },
    );
    expect(hashAfter).toBeDefined();
    const fresh = await waitReadyPods(kc(), ns.name, NAME, REPLICAS, (pods) =>
      pods.every((p) => !oldUids.has(p.metadata?.uid)),
    );
    for (const client of await connectAll(fresh)) {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('version');
      expect(await callText(client, 'version')).toBe('v2');
      expect(await callText(client, 'show_proxy')).toContain('proxy-two');
    }
    await waitReloaded(kc(), ns.name, NAME, REPLICAS);
  });

  it('when the leader dies during a rotation, the standby finishes it', async () => {
    const before = await waitReloaded(kc(), ns.name, NAME, REPLICAS);
    const dying = await leader();
    const standby = operators.find((p) => p !== dying && p.exitCode === undefined)!;
    await writeProxySecret(kc(), ns.name, 'http://proxy-three');
    // The kubelet updates the files 1.5 s later: the leader cannot have finished.
    dying.child.kill('SIGKILL');
    await dying.waitForExit();

    const after = await waitReloaded(kc(), ns.name, NAME, REPLICAS, { not: before.secretsHash });
    expect(await standby.metric('mxcp_operator_leader')).toBe(1);
    expect(
      await standby.metric('mxcp_operator_reload_calls_total', { outcome: 'acknowledged' }),
    ).toBeGreaterThan(0);
    expect(after.reload?.secretsHash).toBe(after.secretsHash);
    for (const client of await connectAll(await waitReadyPods(kc(), ns.name, NAME, REPLICAS)))
      expect(await callText(client, 'show_proxy')).toContain('proxy-three');
  });
});
