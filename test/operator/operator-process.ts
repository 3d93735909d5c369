// Helpers for the operator PROCESS tests (process, rbac, leader, apiserver-restart, bench): the
// operator as a real child process (JSON logs captured, ports read from its log, /metrics parsed),
// the repository's kustomize bases loaded without the kustomize binary, the CRD installed, sample
// MxcpProjects, and "has it converged" checks. (support.ts serves the in-process controller tests.)
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  loadYaml,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { eventually } from '../cluster/eventually.js';
import { startControlPlane, type ControlPlane } from '../cluster/controlplane.js';
import { CLUSTER_HOOK_TIMEOUT_MS, type TestNamespace } from '../cluster/namespace.js';
import { sumMetric } from './prometheus.js';

export { sumMetric };

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
const TSX_LOADER = join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs');
const OPERATOR_ENTRY = join(REPO_ROOT, 'operator/src/main.ts');

/**
 * Node arguments that start the operator: the TypeScript source through tsx, or a compiled
 * `main.js` named by MXCP_OPERATOR_ENTRY (what ships; the benchmark measures memory with it).
 */
export function operatorEntry(): string[] {
  const compiled = process.env.MXCP_OPERATOR_ENTRY;
  return compiled ? [compiled] : ['--import', TSX_LOADER, OPERATOR_ENTRY];
}
const TEST_FIELD_MANAGER = 'mxcp-operator-tests';

export const MXCP = { group: 'mxcp.dev', version: 'v1alpha1', plural: 'mxcpprojects' } as const;

// ---------------------------------------------------------------- the operator as a child process

export interface LogLine {
  level: string;
  message: string;
  timestamp?: string;
  [field: string]: unknown;
}

export interface OperatorProcessOptions {
  kubeconfig: string;
  /** Extra flags after `run` (ports are always 0 = any free port). */
  args?: string[];
  env?: Record<string, string>;
  /** Label for failure messages. */
  name?: string;
}

export class OperatorProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  /** Non-JSON output (stderr, or anything on stdout that is not a log line). */
  raw = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitState?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(readonly options: OperatorProcessOptions) {
    this.child = spawn(
      process.execPath,
      [
        ...operatorEntry(),
        'run',
        '--kubeconfig',
        options.kubeconfig,
        '--metrics-port=0',
        '--health-port=0',
        '--bind-address=127.0.0.1',
        ...(options.args ?? []),
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.raw += line + '\n';
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.raw += chunk));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exitState = { code, signal };
        resolve(this.exitState);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** undefined while running. */
  get exitCode(): number | null | undefined {
    return this.exitState?.code;
  }

  /** The log as text, for failure messages. */
  describe(): string {
    const log = this.lines.map((l) => JSON.stringify(l)).join('\n');
    return `--- ${this.options.name ?? 'operator'} log ---\n${log.slice(-8000)}\n--- other output ---\n${this.raw.slice(-4000)}`;
  }

  /** Waits for a log line matching `match`. */
  async waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs = 60_000): Promise<LogLine> {
    return eventually(
      async () => {
        const line = this.lines.find(match);
        if (line) return line;
        if (this.exitState) throw new Error(`exited (${JSON.stringify(this.exitState)})`);
        throw new Error(`no log line: ${what}`);
      },
      () => true,
      { timeoutMs, what: `${this.options.name ?? 'operator'}: ${what}` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${this.describe()}`);
    });
  }

  async ports(): Promise<{ health: number; metrics: number }> {
    const line = await this.waitForLog((l) => l.message === 'serving probes and metrics', 'endpoints bound');
    return { health: line.healthPort as number, metrics: line.metricsPort as number };
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const { health, metrics } = await this.ports();
    const port = path === '/metrics' ? metrics : health;
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.text() };
  }

  /** The sum of one metric's samples whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const { body } = await this.get('/metrics');
    return sumMetric(body, name, labels);
  }

  async waitUntilReady(timeoutMs = 90_000): Promise<void> {
    await eventually(
      async () => {
        if (this.exitState) throw new Error(`exited (${JSON.stringify(this.exitState)})`);
        return (await this.get('/readyz')).status;
      },
      (status) => status === 200,
      { timeoutMs, what: `${this.options.name ?? 'operator'} /readyz 200` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${this.describe()}`);
    });
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. Resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<number | null> {
    if (!this.exitState) {
      this.child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>(
        (resolve) =>
          (timer = setTimeout(() => {
            this.child.kill('SIGKILL');
            resolve();
          }, graceMs)),
      );
      await Promise.race([this.exited, killed]);
      clearTimeout(timer);
    }
    return (await this.exited).code;
  }

  waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /** Log lines mentioning HTTP 403 / Forbidden anywhere. */
  forbiddenLines(): LogLine[] {
    return this.lines.filter((l) => /\b403\b|forbidden/i.test(JSON.stringify(l)));
  }
}

// ---------------------------------------------------------------- kustomize bases, without kustomize

/** The operator processes of one test file, killed after each test. */
export interface OperatorProcesses {
  /** Starts a process confined to the test namespace (its Lease there too); `args` come after. */
  inNamespace(options: OperatorProcessOptions): OperatorProcess;
  /** Starts a process with exactly these options. */
  start(options: OperatorProcessOptions): OperatorProcess;
}

/**
 * Registers the hooks of a file that starts operator processes against `ns`: the CRD installed
 * before its tests, every process it started SIGKILLed after each test.
 */
export function useOperatorProcesses(ns: TestNamespace): OperatorProcesses {
  const running: OperatorProcess[] = [];
  beforeAll(async () => {
    await installCrd(ns.kubeConfig());
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
  });
  const start = (options: OperatorProcessOptions): OperatorProcess => {
    const p = new OperatorProcess(options);
    running.push(p);
    return p;
  };
  return {
    start,
    inNamespace: (options) =>
      start({
        ...options,
        args: ['--namespace', ns.name, '--leader-election-namespace', ns.name, ...(options.args ?? [])],
      }),
  };
}

export interface KustomizeOptions {
  /** Like kustomize's `namespace:`: sets it on namespaced objects and ServiceAccount subjects. */
  namespace?: string;
  /** Like kustomize's `nameSuffix:`: appended to every name and to the references to them. */
  nameSuffix?: string;
}

const CLUSTER_SCOPED = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'Namespace',
  'CustomResourceDefinition',
]);

/** The objects of a kustomization (its `resources`, files and directories, recursively). */
export function loadKustomization(dir: string, opts: KustomizeOptions = {}): KubernetesObject[] {
  const objects = readResources(resolve(REPO_ROOT, dir));
  const suffix = opts.nameSuffix ?? '';
  const names = new Set(objects.map((o) => o.metadata!.name!));
  const renamed = (name: string): string => (names.has(name) ? name + suffix : name);
  return objects.map((source) => {
    const obj = structuredClone(source) as KubernetesObject & {
      roleRef?: { name: string };
      subjects?: { kind: string; name: string; namespace?: string }[];
    };
    obj.metadata!.name = renamed(obj.metadata!.name!);
    if (opts.namespace && !CLUSTER_SCOPED.has(obj.kind!)) obj.metadata!.namespace = opts.namespace;
    if (obj.roleRef) obj.roleRef.name = renamed(obj.roleRef.name);
    for (const s of obj.subjects ?? []) {
      if (s.kind !== 'ServiceAccount') continue;
      s.name = renamed(s.name);
      if (opts.namespace) s.namespace = opts.namespace;
    }
    return obj;
  });
}

function readResources(dir: string): KubernetesObject[] {
  const kustomization = parseYaml(join(dir, 'kustomization.yaml'))[0] as { resources?: string[] };
  return (kustomization.resources ?? []).flatMap((entry) => {
    const path = join(dir, entry);
    return entry.endsWith('.yaml') || entry.endsWith('.yml') ? parseYaml(path) : readResources(path);
  }) as KubernetesObject[];
}

export function parseYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(resolve(REPO_ROOT, file), 'utf8'))
    .map((d) => d.toJSON() as unknown)
    .filter((d) => d !== null);
}

/** Server-side applies every object as the test (admin) user. */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    await api.patch(obj, undefined, undefined, TEST_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}

/** A private control plane and the operator installed on it (useInstalledOperator). */
export interface InstalledOperator {
  readonly cluster: ControlPlane;
  readonly op: OperatorProcess;
}

/**
 * Registers the hooks of a file that disturbs its own control plane under a running operator: a
 * private control plane started before its tests, `namespaces` created (the first is the
 * operator's), the CRD and config/rbac applied, and the operator installed the way a cluster runs
 * it (its ServiceAccount, all namespaces, leader election); both stopped after the tests. The lease
 * timings ride out a short control-plane outage: one longer than --renew-deadline makes a leader
 * exit by design (client-go behaviour).
 */
export function useInstalledOperator(
  namespaces: [operatorNamespace: string, ...others: string[]],
): InstalledOperator {
  const [operatorNamespace] = namespaces;
  let cluster: ControlPlane | undefined;
  let op: OperatorProcess | undefined;
  beforeAll(async () => {
    cluster = await startControlPlane();
    const admin = cluster.kubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
    await installCrd(admin);
    await applyObjects(admin, loadKustomization('config/rbac', { namespace: operatorNamespace }));
    op = new OperatorProcess({
      kubeconfig: await cluster.kubeconfigForServiceAccount(operatorNamespace, 'mxcp-operator'),
      name: 'operator',
      args: ['--lease-duration', '90', '--renew-deadline', '80', '--retry-period', '2'],
      env: { POD_NAMESPACE: operatorNamespace },
    });
    await op.waitUntilReady();
  }, CLUSTER_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await op?.stop('SIGTERM');
    await cluster?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useInstalledOperator: used before its beforeAll ran');
    return value;
  };
  return {
    get cluster() {
      return started(cluster);
    },
    get op() {
      return started(op);
    },
  };
}

// ---------------------------------------------------------------- CRD and projects

const CRD_PATH = 'crds/mxcp.dev_mxcpprojects.yaml';

/** Installs (or re-applies) the MxcpProject CRD and waits until it is served. */
export async function installCrd(kc: KubeConfig): Promise<void> {
  // Through client-node's model (loadYaml), not as plain JSON: KubernetesObjectApi serializes known
  // kinds through their model classes, which silently drop keys such as x-kubernetes-int-or-string
  // unless the object was deserialized into the model first.
  const crd = loadYaml<KubernetesObject>(readFileSync(resolve(REPO_ROOT, CRD_PATH), 'utf8'));
  await applyObjects(kc, [crd]);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await eventually(
    () => ext.readCustomResourceDefinition({ name: crd.metadata!.name! }),
    (c) => !!c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
    { what: 'CRD established', timeoutMs: 60_000 },
  );
  // Established can precede discovery by a moment.
  const custom = kc.makeApiClient(CustomObjectsApi);
  await eventually(
    () => custom.listClusterCustomObject({ ...MXCP }),
    () => true,
    {
      what: 'mxcpprojects served',
      timeoutMs: 60_000,
    },
  );
}

export interface ProjectShape {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** The smallest useful project (inline files); `greeting` changes a file, so a new rollout. */
export function sampleProject(namespace: string, name: string, greeting = 'hello'): ProjectShape {
  return {
    apiVersion: 'mxcp.dev/v1alpha1',
    kind: 'MxcpProject',
    metadata: { name, namespace },
    spec: {
      files: {
        'mxcp-site.yml': `mxcp: 1\nproject: ${name}\nprofile: default\n`,
        'tools/hello.yml': [
          'mxcp: 1',
          'tool:',
          '  name: hello',
          '  description: Say hello',
          '  parameters:',
          '    - name: who',
          '      type: string',
          '      description: Whom to greet',
          '  return:',
          '    type: string',
          '  source:',
          `    code: SELECT '${greeting} ' || $who`,
          '',
        ].join('\n'),
      },
    },
  };
}

export async function applyProject(kc: KubeConfig, project: ProjectShape): Promise<void> {
  await applyObjects(kc, [project as KubernetesObject]);
}

export async function readProject(kc: KubeConfig, namespace: string, name: string): Promise<ProjectShape> {
  return (await kc
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...MXCP, namespace, name })) as ProjectShape;
}

/**
 * Converged: the operator has observed the current generation (status written for it, ConfigValid
 * True) and the children exist: the files ConfigMap, the Service and the Deployment, each owned by
 * the project.
 */
export async function isConverged(kc: KubeConfig, namespace: string, name: string): Promise<boolean> {
  const project = await readProject(kc, namespace, name);
  if (project.status?.observedGeneration !== project.metadata.generation) return false;
  if (!project.status?.conditions?.some((c) => c.type === 'ConfigValid' && c.status === 'True')) return false;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const children = await Promise.all([
    core.readNamespacedConfigMap({ namespace, name: `${name}-files` }),
    core.readNamespacedService({ namespace, name }),
    apps.readNamespacedDeployment({ namespace, name }),
  ]);
  return children.every((c) =>
    c.metadata?.ownerReferences?.some((o) => o.kind === 'MxcpProject' && o.name === name),
  );
}

export async function waitConverged(
  kc: KubeConfig,
  namespace: string,
  name: string,
  timeoutMs = 90_000,
): Promise<void> {
  await eventually(
    () => isConverged(kc, namespace, name),
    (ok) => ok,
    { what: `MxcpProject ${namespace}/${name} converged`, timeoutMs, intervalMs: 300 },
  );
}

/** The contents of the project's files ConfigMap, joined (to look for a tool's SQL). */
export async function filesOf(kc: KubeConfig, namespace: string, name: string): Promise<string> {
  const cm = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace, name: `${name}-files` });
  return Object.values(cm.data ?? {}).join('\n');
}
