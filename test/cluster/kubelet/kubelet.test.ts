// The test kubelet on the real control plane: the operator's rendered objects for a tiny project are
// created by hand (no operator), the Deployment controller makes the pod, and the kubelet binds, runs,
// probes, re-syncs volumes and deletes it. Plus the atomic writer's layout, without a cluster.
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MxcpProject } from '../../../operator/src/api/index.js';
import { isNotFound } from '../../../operator/src/kube/errors.js';
import { render } from '../../../operator/src/render/index.js';
import { eventually } from '../eventually.js';
import { useTestNamespace } from '../namespace.js';
import { DATA_DIR_NAME, currentPayloadDir, writeAtomically } from './atomic-writer.js';
import { startTestKubelet, type TestKubelet } from './index.js';

describe('atomic writer', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = (s: string) => ({ content: Buffer.from(s) });

  it('publishes keys as symlinks through ..data and swaps the payload on change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-writer-'));
    dirs.push(dir);
    expect(
      writeAtomically(
        dir,
        new Map([
          ['a', file('1')],
          ['sql/q.sql', file('select 1')],
        ]),
      ),
    ).toBe(true);
    const first = currentPayloadDir(dir)!;
    expect(first).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+\.[0-9a-f]+$/);
    expect(readlinkSync(join(dir, 'a'))).toBe(`${DATA_DIR_NAME}/a`);
    expect(readlinkSync(join(dir, 'sql'))).toBe(`${DATA_DIR_NAME}/sql`);
    expect(readFileSync(join(dir, 'sql/q.sql'), 'utf8')).toBe('select 1');

    // The same payload again changes nothing.
    expect(
      writeAtomically(
        dir,
        new Map([
          ['a', file('1')],
          ['sql/q.sql', file('select 1')],
        ]),
      ),
    ).toBe(false);
    expect(currentPayloadDir(dir)).toBe(first);

    // A new payload: new timestamped dir, the old one and the vanished key are gone.
    expect(writeAtomically(dir, new Map([['a', file('2')]]))).toBe(true);
    const second = currentPayloadDir(dir)!;
    expect(second).not.toBe(first);
    expect(existsSync(join(dir, first))).toBe(false);
    expect(existsSync(join(dir, 'sql'))).toBe(false);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('2');
  });
});

describe('test kubelet', () => {
  const ns = useTestNamespace();
  let kubelet: TestKubelet | undefined;
  let rootDir: string;
  let core: CoreV1Api;
  const lines: string[] = [];

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), 'test-kubelet-'));
    core = ns.kubeConfig().makeApiClient(CoreV1Api);
    kubelet = await startTestKubelet({
      kubeConfig: ns.kubeConfig(),
      namespaces: [ns.name],
      rootDir,
      log: (line) => lines.push(line),
    });
  });
  afterAll(async () => {
    await kubelet?.stop();
    rmSync(rootDir, { recursive: true, force: true });
  });

  const onFailure = () =>
    [
      `kubelet log:\n${lines.join('\n')}`,
      ...kubelet!.pods().map((p) => `output of ${p.name}:\n${kubelet!.podLogs(p.namespace, p.name)}`),
    ].join('\n');

  async function readyPod(exceptUid?: string): Promise<V1Pod> {
    return eventually(
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: 'app.kubernetes.io/instance=hello',
        });
        return pods.items.find(
          (p) =>
            p.metadata!.uid !== exceptUid &&
            !p.metadata!.deletionTimestamp &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
      },
      (p) => p !== undefined,
      { timeoutMs: 120_000, intervalMs: 500, what: 'a Ready worker pod' },
    ).then((p) => p!);
  }

  it('runs the rendered worker pod on a loopback address, re-syncs its Secret volume and replaces it when deleted', async () => {
    const objects = KubernetesObjectApi.makeApiClient(ns.kubeConfig());
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'greeting' }, stringData: { word: 'hello-v1' } },
    });
    for (const obj of render(helloProject(ns.name), {
      adminToken: 'test-admin-token',
      defaultImage: 'mxcp-worker:test',
    })) {
      await objects.create(obj as KubernetesObject);
    }

    // Bound, started and Ready on 127.N.x.y, serving there.
    let pod: V1Pod;
    try {
      pod = await readyPod();
    } catch (err) {
      throw new Error(`${String(err)}\n${onFailure()}`);
    }
    const name = pod.metadata!.name!;
    const ip = pod.status!.podIP!;
    expect(pod.spec!.nodeName).toBe(kubelet!.nodeName);
    expect(ip).toMatch(/^127\.(\d+)\.\d+\.\d+$/);
    expect(ip).not.toBe('127.0.0.1');
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.containerStatuses![0]).toMatchObject({
      name: 'worker',
      ready: true,
      started: true,
      restartCount: 0,
    });
    const health = await fetch(`http://${ip}:8000/health`);
    expect(health.status, onFailure()).toBe(200);
    await eventually(
      () =>
        ns
          .kubeConfig()
          .makeApiClient(AppsV1Api)
          .readNamespacedDeployment({ namespace: ns.name, name: 'hello' }),
      (d) => d.status?.availableReplicas === 1,
      { what: 'the Deployment available' },
    );

    const running = kubelet!.pods().find((p) => p.name === name)!;
    expect(running.ip).toBe(ip);
    const pid = running.pid!;
    // What the worker sees at its mountPath, through its own mount namespace (/proc/<pid>/root). The
    // host's /var/run is a symlink to /run, which /proc/<pid>/root would resolve against our root.
    const inPod = `/proc/${pid}/root${realpathSync('/var/run/mxcp/secrets/greeting')}/word`;
    expect(readFileSync(inPod, 'utf8')).toBe('hello-v1');
    const volume = join(rootDir, ns.name, name, 'volumes', 'secret-greeting');
    const before = readlinkSync(join(volume, DATA_DIR_NAME));

    // A Secret update reaches the file in place, through a new ..data, without a restart.
    await core.patchNamespacedSecret(
      { namespace: ns.name, name: 'greeting', body: { stringData: { word: 'hello-v2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually(
      async () => readFileSync(inPod, 'utf8'),
      (v) => v === 'hello-v2',
      { what: 'the new Secret value in the pod' },
    );
    expect(readlinkSync(join(volume, DATA_DIR_NAME))).not.toBe(before);
    expect(lstatSync(join(volume, 'word')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(volume, 'word'))).toBe(`${DATA_DIR_NAME}/word`);
    expect(kubelet!.pods().find((p) => p.name === name)).toMatchObject({
      pid,
      containers: [{ name: 'worker', pid, restartCount: 0 }],
    });

    // Deleting the pod stops the process, removes the object, and the ReplicaSet's replacement runs.
    await core.deleteNamespacedPod({ namespace: ns.name, name });
    await eventually(
      async () => {
        try {
          await core.readNamespacedPod({ namespace: ns.name, name });
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      (gone) => gone,
      { timeoutMs: 90_000, what: 'the deleted pod object gone' },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${onFailure()}`);
    });
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(rootDir, ns.name, name))).toBe(false);
    const replacement = await readyPod(pod.metadata!.uid);
    expect(replacement.status!.podIP).not.toBe(ip);
    expect((await fetch(`http://${replacement.status!.podIP}:8000/health`)).status).toBe(200);
  }, 300_000);

  it('stop() kills every container, deletes the Node and removes its directories', async () => {
    const pids = kubelet!.pods().map((p) => p.pid);
    expect(pids).toEqual([expect.any(Number)]);
    expect(pids.filter((p) => alive(p!))).toEqual(pids);
    const nodeName = kubelet!.nodeName;
    await kubelet!.stop();
    expect(pids.filter((p) => alive(p!))).toEqual([]);
    expect(existsSync(rootDir)).toBe(false);
    await expect(core.readNode({ name: nodeName })).rejects.toSatisfy(isNotFound);
  }, 60_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function helloProject(namespace: string): MxcpProject {
  return {
    apiVersion: 'mxcp.dev/v1alpha1',
    kind: 'MxcpProject',
    metadata: { name: 'hello', namespace },
    spec: {
      files: {
        'mxcp-site.yml': 'mxcp: 1\nproject: hello\nprofile: default\n',
        'tools/hello.yml': [
          'mxcp: 1',
          'tool:',
          '  name: hello',
          '  description: Say hello',
          '  parameters: []',
          '  return:',
          '    type: string',
          '  source:',
          "    code: SELECT 'hello'",
          '',
        ].join('\n'),
      },
      secrets: [
        { name: 'greeting', type: 'custom', secretRef: { name: 'greeting' }, keys: { word: 'word' } },
      ],
    },
  } as MxcpProject;
}
