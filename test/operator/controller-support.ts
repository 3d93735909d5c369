// Shared pieces of the operator end-to-end tests: the CRD installed from crds/ (idempotently, since
// every file of the run shares one API server), the controller running in-process against the test
// namespace, sample CRs, and small readers for the objects the tests look at.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { parse } from 'yaml';
import type { Condition, MxcpProject, MxcpProjectSpec } from '../../operator/src/api/index.js';
import { API_VERSION, CRD_FILE, CRD_NAME, KIND } from '../../operator/src/api/index.js';
import { MxcpController, type ControllerObserver } from '../../operator/src/controller/index.js';
import { requestJson } from '../../operator/src/controller/list.js';
import { PROJECT_TYPE } from '../../operator/src/controller/reconciler.js';
import { KubeClient, collectionPath } from '../../operator/src/kube/index.js';
import { eventually } from '../cluster/eventually.js';
import type { TestNamespace } from '../cluster/namespace.js';

export const TEST_IMAGE = 'registry.example.com/mxcp-worker:test';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Applies crds/ (server-side, so parallel files converge) and waits until the API serves it. */
export async function installCrd(kc: KubeConfig): Promise<void> {
  const client = new KubeClient(kc);
  const crd = parse(readFileSync(`${ROOT}${CRD_FILE}`, 'utf8')) as KubernetesObject;
  // Raw JSON: client-node's model serializer drops x-kubernetes-* schema keys (it expects x_kubernetes_*).
  await requestJson(
    kc,
    'PATCH',
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}?fieldManager=operator-e2e-setup&force=true`,
    crd,
    { 'content-type': 'application/apply-patch+yaml' },
  );
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await eventually(
    async () => {
      const live = await api.readCustomResourceDefinition({ name: CRD_NAME });
      if (!live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
        throw new Error('not established');
      await client.custom.listClusterCustomObject({ ...PROJECT_TYPE });
      return true;
    },
    undefined,
    { timeoutMs: 60_000, what: 'the MxcpProject CRD to be served' },
  );
}

export function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Counts reconciles by outcome (and exposes them for "it ran again" checks). */
export class CountingObserver implements ControllerObserver {
  readonly counts = { success: 0, error: 0, requeue: 0 };
  restarts = 0;
  reconciled(result: 'success' | 'error' | 'requeue'): void {
    this.counts[result]++;
  }
  watchRestarted(): void {
    this.restarts++;
  }
  queueDepth(): void {}
  get total(): number {
    return this.counts.success + this.counts.error + this.counts.requeue;
  }
}

export interface RunningController {
  controller: MxcpController;
  observer: CountingObserver;
  stop(): Promise<void>;
}

export async function startController(
  kc: KubeConfig,
  namespace: string,
  options: { resyncPeriodMs?: number; workers?: number } = {},
): Promise<RunningController> {
  const observer = new CountingObserver();
  const controller = new MxcpController({
    kubeConfig: kc,
    namespace,
    defaultImage: TEST_IMAGE,
    observer,
    ...options,
  });
  await controller.start();
  return { controller, observer, stop: () => controller.stop() };
}

/** What a controller test file works with; read inside tests or hooks, not at module load. */
export interface ControllerFixture {
  /** Admin client for the shared cluster. */
  readonly client: KubeClient;
  readonly observer: CountingObserver;
}

/**
 * Registers the hooks of a controller test file: the CRD installed and the controller running
 * in-process on `ns` (admin credentials) before the file's tests, stopped after them.
 */
export function useController(ns: TestNamespace): ControllerFixture {
  let client: KubeClient | undefined;
  let running: RunningController | undefined;
  beforeAll(async () => {
    await installCrd(ns.kubeConfig());
    client = new KubeClient(ns.kubeConfig());
    running = await startController(ns.kubeConfig(), ns.name);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return {
    get client() {
      if (!client) throw new Error('useController: the controller is not started yet');
      return client;
    },
    get observer() {
      if (!running) throw new Error('useController: the controller is not started yet');
      return running.observer;
    },
  };
}

export function readSample(file: string): MxcpProject {
  return parse(readFileSync(`${ROOT}config/samples/${file}`, 'utf8')) as MxcpProject;
}

export function project(namespace: string, name: string, spec: MxcpProjectSpec): MxcpProject {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, spec };
}

/** The hello sample's files under another project name. */
export function helloFiles(): Record<string, string> {
  return { ...readSample('mxcp_v1alpha1_mxcpproject_hello.yaml').spec.files! };
}

/** A user (kubectl-like) writing the CR: server-side apply under its own field manager. */
export async function applyProject(client: KubeClient, cr: MxcpProject): Promise<MxcpProject> {
  return (await client.applyObject(cr as unknown as KubernetesObject, {
    fieldManager: 'e2e-user',
  })) as unknown as MxcpProject;
}

export async function getProject(client: KubeClient, namespace: string, name: string): Promise<MxcpProject> {
  return (await client.custom.getNamespacedCustomObject({ ...PROJECT_TYPE, namespace, name })) as MxcpProject;
}

export function condition(p: MxcpProject, type: string): Condition | undefined {
  return p.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the status describes the current generation and `accept` holds. */
export function eventuallyStatus(
  client: KubeClient,
  namespace: string,
  name: string,
  accept: (p: MxcpProject) => boolean,
  what: string,
): Promise<MxcpProject> {
  return eventually(
    () => getProject(client, namespace, name),
    (p) => p.status?.observedGeneration === p.metadata.generation && accept(p),
    { timeoutMs: 60_000, what },
  );
}

export async function getDeployment(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<V1Deployment | undefined> {
  return client.get<V1Deployment>('apps/v1', 'Deployment', namespace, name);
}

export function restartHashOf(d: V1Deployment | undefined): string | undefined {
  return d?.spec?.template?.metadata?.annotations?.['mxcp.dev/restart-hash'];
}

export const CHILD_PATHS = {
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps' },
  Secret: { group: '', version: 'v1', plural: 'secrets' },
  Service: { group: '', version: 'v1', plural: 'services' },
  PersistentVolumeClaim: { group: '', version: 'v1', plural: 'persistentvolumeclaims' },
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments' },
  CronJob: { group: 'batch', version: 'v1', plural: 'cronjobs' },
  PodDisruptionBudget: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets' },
} as const;

export function childPath(kind: keyof typeof CHILD_PATHS, namespace: string, name: string): string {
  return `${collectionPath(CHILD_PATHS[kind], namespace)}/${name}`;
}
