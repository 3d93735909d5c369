// A worker that never acknowledges a rotated Secret is replaced (DESIGN §6): here the test kubelet
// never refreshes mounted Secrets (its sync delay is longer than the test), so the running pod cannot
// reach the new hash; after --reload-timeout the operator deletes it, says so in an Event and in
// status.reload.failures, and the replacement starts with the current Secret.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../cluster/eventually.js';
import { startTestKubelet, type TestKubelet } from '../cluster/kubelet/index.js';
import { useTestNamespace } from '../cluster/namespace.js';
import { OperatorProcess, installCrd } from '../operator/operator-process.js';
import {
  applyProject,
  callText,
  podClient,
  projectEvents,
  reloadProject,
  waitReadyPods,
  waitReloaded,
  writeProxySecret,
} from './support/hot-reload.js';

const ns = useTestNamespace();
const NAME = 'stubborn';

describe('a worker that does not acknowledge a reload', { timeout: 300_000 }, () => {
  let root: string;
  let kubelet: TestKubelet;
  let operator: OperatorProcess;
  const clients: Client[] = [];
  const kc = () => ns.kubeConfig();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mxcp-reload-replace-'));
    await installCrd(kc());
    kubelet = await startTestKubelet({
      kubeConfig: kc(),
      namespaces: [ns.name],
      rootDir: join(root, 'kubelet'),
      volumeSyncDelayMs: 60 * 60_000,
    });
    await writeProxySecret(kc(), ns.name, 'http://proxy-old');
    operator = new OperatorProcess({
      name: 'operator',
      kubeconfig: ns.cluster.kubeconfigPath,
      args: ['--namespace', ns.name, '--leader-elect=false', '--reload-timeout', '8'],
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await operator?.stop('SIGTERM', 10_000);
    await kubelet?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('is deleted after the deadline with an Event, and its replacement runs the new Secret', async () => {
    await applyProject(kc(), reloadProject(ns.name, NAME, { replicas: 1 }));
    const [first] = await waitReadyPods(kc(), ns.name, NAME, 1);
    const before = await waitReloaded(kc(), ns.name, NAME, 1);

    await writeProxySecret(kc(), ns.name, 'http://proxy-new');
    const after = await waitReloaded(kc(), ns.name, NAME, 1, { not: before.secretsHash, timeoutMs: 180_000 });

    const [replacement] = await waitReadyPods(kc(), ns.name, NAME, 1);
    expect(replacement.metadata?.uid).not.toBe(first.metadata?.uid);
    const client = await podClient(replacement);
    clients.push(client);
    expect(await callText(client, 'show_proxy')).toContain('proxy-new');

    expect(after.reload?.failures?.[0]).toMatchObject({ pod: first.metadata?.name });
    expect(after.reload?.failures?.[0]?.message).toMatch(
      /did not load secrets hash [0-9a-f]{12} within 8 s .*deleted it so its replacement starts with the current Secrets/,
    );
    const events = await eventually(
      () => projectEvents(kc(), ns.name, NAME),
      (list) => list.some((e) => e.reason === 'ReloadTimeout'),
      { what: 'a ReloadTimeout Event' },
    );
    const event = events.find((e) => e.reason === 'ReloadTimeout')!;
    expect(event.type).toBe('Warning');
    expect(event.note).toContain(`Pod ${first.metadata?.name} did not load secrets hash`);
    expect(await operator.metric('mxcp_operator_reload_pods_replaced_total')).toBe(1);
    // Secret values never reach logs or Events.
    expect(JSON.stringify(events)).not.toContain('proxy-new');
    expect(operator.describe()).not.toContain('proxy-new');
  });
});
