// The Helm chart, checked by the real helm CLI without a cluster: `helm lint --strict` for the chart
// and every ci/*-values.yaml scenario, `helm template` per scenario (RBAC identical to config/rbac,
// the restricted pod, leader election, the operator flags accepted by the operator's own parser,
// byte-identical output on a second render), values.schema.json and the template guards rejecting
// bad values with a message naming the value, and the chart's CRD template kept in step with crds/.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { renderCrdYaml } from '../../operator/src/api/index.js';
import {
  addRunOptions,
  toOperatorOptions,
  type OperatorOptions,
} from '../../operator/src/manager/options.js';
import { CHART_CRD_TEMPLATE, renderChartCrdTemplate } from './helm-chart-crd.js';
import { CHART_DIR, REPO_ROOT, helm, helmOk } from './helm.js';

// The first test may wait for helm to be built (once per machine).
const BUILD_TIMEOUT_MS = 20 * 60_000;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  resources: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
interface DeploymentShape extends Obj {
  spec: {
    replicas: number;
    strategy: { type: string };
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        securityContext: Record<string, unknown>;
        containers: Container[];
        volumes: { name: string; emptyDir?: unknown }[];
        imagePullSecrets?: { name: string }[];
      };
    };
  };
}

const RELEASE = 'mxcp';
const NAMESPACE = 'mxcp-system';
const CI_FILES = readdirSync(join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function repoYaml(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(REPO_ROOT, file), 'utf8'))
    .map((d) => d.toJSON() as Obj)
    .filter(Boolean);
}

async function render(args: string[]): Promise<{ text: string; objects: Obj[] }> {
  const text = await helmOk(['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, ...args]);
  const objects = parseAllDocuments(text)
    .map((d) => d.toJSON() as Obj | null)
    .filter((o): o is Obj => o !== null);
  return { text, objects };
}

function find<T extends Obj = Obj>(objects: Obj[], kind: string, name?: string): T[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as T[];
}

function only<T extends Obj = Obj>(objects: Obj[], kind: string, name?: string): T {
  const found = find<T>(objects, kind, name);
  expect(found.map((o) => `${o.kind}/${o.metadata.name}`)).toHaveLength(1);
  return found[0];
}

/** The operator's options from the rendered container, parsed by the operator's own `run` parser. */
function parseOperatorArgs(container: Container): OperatorOptions {
  expect(container.args[0]).toBe('run');
  const literalEnv = Object.fromEntries(
    container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
  );
  const env = { ...literalEnv, POD_NAMESPACE: NAMESPACE, POD_NAME: 'mxcp-operator-0' };
  // commander reads option fallbacks from process.env at parse time: lend it the pod's environment.
  const saved = process.env;
  process.env = env;
  try {
    const command = addRunOptions(new Command('run'))
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    command.parse(container.args.slice(1), { from: 'user' });
    return toOperatorOptions(command.opts() as Parameters<typeof toOperatorOptions>[0], env);
  } finally {
    process.env = saved;
  }
}

describe('the mxcp-operator chart', { timeout: 120_000 }, () => {
  it('has appVersion equal to the package version', { timeout: BUILD_TIMEOUT_MS }, async () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart.apiVersion).toBe('v2');
    expect(chart.appVersion).toBe(pkg.version);
    // helm reads the same file the same way.
    const shown = parse(await helmOk(['show', 'chart', CHART_DIR])) as Record<string, string>;
    expect(shown.appVersion).toBe(pkg.version);
  });

  it('passes helm lint --strict with the defaults and with every ci values file', async () => {
    expect(CI_FILES).toEqual(
      expect.arrayContaining([
        'custom-image-values.yaml',
        'default-values.yaml',
        'ha-values.yaml',
        'namespaced-values.yaml',
      ]),
    );
    for (const args of [[], ...CI_FILES.map((f) => ['--values', join(CHART_DIR, 'ci', f)])]) {
      const result = await helm(['lint', '--strict', CHART_DIR, ...args]);
      expect(result.code, `${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('renders byte-identical output twice for every ci values file (no random or lookup values)', async () => {
    for (const file of CI_FILES) {
      const args = ['--values', join(CHART_DIR, 'ci', file)];
      const first = await render(args);
      const second = await render(args);
      expect(second.text, file).toBe(first.text);
      expect(first.text).not.toMatch(/randAlphaNum|lookup/);
    }
    // Nor does any template action call a function whose result changes between renders.
    const actions = readdirSync(join(CHART_DIR, 'templates'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(yaml|tpl|txt)$/.test(f))
      .flatMap((f) => readFileSync(join(CHART_DIR, 'templates', f), 'utf8').match(/\{\{[^}]*\}\}/g) ?? [])
      .filter((a) => !/^\{\{-?\s*\/\*/.test(a));
    expect(actions.length).toBeGreaterThan(50);
    expect(
      actions.filter((a) => /\b(rand\w*|uuidv4|lookup|now|genPrivateKey|genCA|genSelfSignedCert)\b/.test(a)),
    ).toEqual([]);
  });

  it('grants exactly config/rbac: the ClusterRole rules, the leader-election Role and the people roles', async () => {
    const { objects } = await render([]);
    const [manager] = repoYaml('config/rbac/role.yaml') as (Obj & { rules: Rule[] })[];
    const [leader] = repoYaml('config/rbac/base/leader_election_role.yaml') as (Obj & { rules: Rule[] })[];
    const [editor] = repoYaml('config/rbac/base/mxcpproject_editor_role.yaml') as (Obj & { rules: Rule[] })[];
    const [viewer] = repoYaml('config/rbac/base/mxcpproject_viewer_role.yaml') as (Obj & { rules: Rule[] })[];

    const clusterRole = only<Obj & { rules: Rule[] }>(objects, 'ClusterRole', 'mxcp-mxcp-operator-manager');
    expect(clusterRole.rules).toEqual(manager.rules);
    const binding = only<Obj & { roleRef: { kind: string; name: string }; subjects: unknown[] }>(
      objects,
      'ClusterRoleBinding',
    );
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: clusterRole.metadata.name });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'mxcp-mxcp-operator', namespace: NAMESPACE },
    ]);

    const leaderRole = only<Obj & { rules: Rule[] }>(objects, 'Role', 'mxcp-mxcp-operator-leader-election');
    expect(leaderRole.metadata.namespace).toBe(NAMESPACE);
    expect(leaderRole.rules).toEqual(leader.rules);
    expect(
      only<Obj & { rules: Rule[] }>(objects, 'ClusterRole', 'mxcp-mxcp-operator-mxcpproject-editor').rules,
    ).toEqual(editor.rules);
    const viewerRole = only<Obj & { rules: Rule[] }>(
      objects,
      'ClusterRole',
      'mxcp-mxcp-operator-mxcpproject-viewer',
    );
    expect(viewerRole.rules).toEqual(viewer.rules);
    expect(viewerRole.metadata.labels).toMatchObject(viewer.metadata.labels!);
  });

  it('confines a namespaced install to a Role in the watched namespace and passes --namespace', async () => {
    const { objects } = await render(['--values', join(CHART_DIR, 'ci', 'namespaced-values.yaml')]);
    const [manager] = repoYaml('config/rbac/role.yaml') as (Obj & { rules: Rule[] })[];
    const role = only<Obj & { rules: Rule[] }>(objects, 'Role', 'mxcp-mxcp-operator-manager');
    expect(role.metadata.namespace).toBe('team-a');
    expect(role.rules).toEqual(manager.rules);
    const binding = only<Obj & { subjects: { namespace: string }[] }>(
      objects,
      'RoleBinding',
      'mxcp-mxcp-operator-manager',
    );
    expect(binding.metadata.namespace).toBe('team-a');
    expect(binding.subjects[0].namespace).toBe(NAMESPACE);
    // Nothing cluster-scoped: a namespace admin can install it.
    expect(objects.filter((o) => /^Cluster|CustomResourceDefinition/.test(o.kind))).toEqual([]);
    const deployment = only<DeploymentShape>(objects, 'Deployment');
    const options = parseOperatorArgs(deployment.spec.template.spec.containers[0]);
    expect(options.namespace).toBe('team-a');
    // The Lease stays in the operator's namespace, where the leader-election Role is.
    expect(options.leaderElectionNamespace).toBe(NAMESPACE);
  });

  it('runs the operator restricted: non-root uid 1000, read-only root, no capabilities, probes', async () => {
    for (const file of CI_FILES) {
      const { objects } = await render(['--values', join(CHART_DIR, 'ci', file)]);
      const deployment = only<DeploymentShape>(objects, 'Deployment', 'mxcp-mxcp-operator');
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext, file).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const [container] = pod.containers;
      expect(container.securityContext, file).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      // The image's HOME is /tmp: writable through an emptyDir although the root filesystem is not.
      expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(pod.volumes.find((v) => v.name === 'tmp')?.emptyDir).toBeDefined();
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
      expect(container.resources).toHaveProperty('requests.memory');
      expect(container.resources).toHaveProperty('limits.memory');
      expect(pod.serviceAccountName).toBe(only(objects, 'ServiceAccount').metadata.name);
      // The Service and the pod agree on the selector and the port name.
      const service = only<
        Obj & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }
      >(objects, 'Service');
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      expect(container.ports.map((p) => p.name)).toContain(service.spec.ports[0].targetPort);
    }
  });

  it('elects a leader with more than one replica or when asked, and never runs two reconcilers otherwise', async () => {
    const cases: { args: string[]; replicas: number; leaderElect: boolean; strategy: string }[] = [
      { args: [], replicas: 1, leaderElect: false, strategy: 'Recreate' },
      {
        args: ['--values', join(CHART_DIR, 'ci', 'ha-values.yaml')],
        replicas: 2,
        leaderElect: true,
        strategy: 'RollingUpdate',
      },
      {
        args: ['--set', 'leaderElection.enabled=true'],
        replicas: 1,
        leaderElect: true,
        strategy: 'RollingUpdate',
      },
      { args: ['--set', 'replicaCount=3'], replicas: 3, leaderElect: true, strategy: 'RollingUpdate' },
    ];
    for (const c of cases) {
      const deployment = only<DeploymentShape>((await render(c.args)).objects, 'Deployment');
      const options = parseOperatorArgs(deployment.spec.template.spec.containers[0]);
      expect(deployment.spec.replicas, c.args.join(' ')).toBe(c.replicas);
      expect(options.leaderElect, c.args.join(' ')).toBe(c.leaderElect);
      expect(deployment.spec.strategy.type, c.args.join(' ')).toBe(c.strategy);
      expect(options.leaderElectionId).toBe('mxcp-mxcp-operator');
      expect(options.leaderElectionNamespace).toBe(NAMESPACE);
    }
    const ha = parseOperatorArgs(
      only<DeploymentShape>(
        (await render(['--values', join(CHART_DIR, 'ci', 'ha-values.yaml')])).objects,
        'Deployment',
      ).spec.template.spec.containers[0],
    );
    expect([ha.leaseDurationMs, ha.renewDeadlineMs, ha.retryPeriodMs]).toEqual([30_000, 20_000, 4_000]);
  });

  it('passes flags and environment the operator parses into the values given', async () => {
    const defaults = parseOperatorArgs(
      only<DeploymentShape>((await render([])).objects, 'Deployment').spec.template.spec.containers[0],
    );
    expect(defaults).toMatchObject({
      namespace: undefined,
      defaultImage: 'ghcr.io/mxcp-operator/mxcp-worker:0.1.0',
      metricsPort: 8080,
      healthPort: 8081,
      secretLabelSelector: 'mxcp.dev/watch=true',
      reloadTimeoutMs: 300_000,
      reloadConcurrency: 16,
      shutdownTimeoutMs: 25_000,
      logLevel: 'info',
      workers: undefined,
      resyncPeriodMs: undefined,
    });

    const { objects } = await render(['--values', join(CHART_DIR, 'ci', 'custom-image-values.yaml')]);
    const deployment = only<DeploymentShape>(objects, 'Deployment');
    const [container] = deployment.spec.template.spec.containers;
    expect(container.image).toBe(
      'registry.example.com/platform/mxcp-operator@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
    );
    expect(container.imagePullPolicy).toBe('Always');
    expect(deployment.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry-example-com' }]);
    expect(parseOperatorArgs(container)).toMatchObject({
      defaultImage: 'registry.example.com/platform/mxcp-worker:0.1.0-patched',
      logLevel: 'debug',
      workers: 4,
      resyncPeriodMs: 600_000,
      // "" = every Secret: passed through the environment, where an empty value survives.
      secretLabelSelector: '',
    });
  });

  it('adds a ServiceMonitor only when enabled, selecting the metrics Service', async () => {
    expect(find((await render([])).objects, 'ServiceMonitor')).toEqual([]);
    const { objects } = await render(['--values', join(CHART_DIR, 'ci', 'ha-values.yaml')]);
    const monitor = only<
      Obj & {
        spec: {
          selector: { matchLabels: Record<string, string> };
          endpoints: { port: string; interval: string }[];
        };
      }
    >(objects, 'ServiceMonitor');
    const service = only(objects, 'Service');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
  });

  it('ships the generated CRD as a kept template, and leaves it out with crds.install=false', async () => {
    const { objects } = await render(['--set', 'crds.annotations.example\\.com/owner=platform']);
    const crd = only<Obj & { spec: unknown }>(objects, 'CustomResourceDefinition', 'mxcpprojects.mxcp.dev');
    const [generated] = repoYaml('crds/mxcp.dev_mxcpprojects.yaml') as (Obj & { spec: unknown })[];
    expect(crd.spec).toEqual(generated.spec);
    expect(crd.metadata.annotations).toEqual({
      ...generated.metadata.annotations,
      'helm.sh/resource-policy': 'keep',
      'example.com/owner': 'platform',
    });
    expect(find((await render(['--set', 'crds.install=false'])).objects, 'CustomResourceDefinition')).toEqual(
      [],
    );
  });

  it('keeps the chart CRD template in step with the generator (run `npm run generate` after API changes)', () => {
    const onDisk = readFileSync(join(REPO_ROOT, CHART_CRD_TEMPLATE), 'utf8');
    expect(onDisk).toBe(renderChartCrdTemplate(renderCrdYaml()));
  });

  describe('rejects bad values with a message naming the value', () => {
    // `schema`: values.schema.json refuses it, in helm template and helm lint alike. The others are
    // the templates' `fail` guards (relations the schema cannot express): helm lint runs templates
    // in lint mode, where `fail` only logs, so helm template (as install and upgrade) refuses them.
    const cases: { what: string; args: string[]; message: RegExp; schema?: true }[] = [
      // Helm names the value by its JSON pointer and says what was expected.
      {
        what: 'negative replicas',
        args: ['--set', 'replicaCount=-1'],
        message: /at '\/replicaCount': minimum: got -1, want 0/,
        schema: true,
      },
      {
        what: 'replicas as a string',
        args: ['--set-string', 'replicaCount=two'],
        message: /at '\/replicaCount': got string, want integer/,
        schema: true,
      },
      {
        what: 'an unknown top-level key',
        args: ['--set', 'replicas=2'],
        message: /additional properties 'replicas' not allowed/,
        schema: true,
      },
      {
        what: 'an unknown nested key',
        args: ['--set', 'image.name=x'],
        message: /at '\/image': additional properties 'name' not allowed/,
        schema: true,
      },
      {
        what: 'a bad pullPolicy',
        args: ['--set', 'image.pullPolicy=Sometimes'],
        message: /at '\/image\/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'/,
        schema: true,
      },
      {
        what: 'a bad log level',
        args: ['--set', 'operator.logLevel=verbose'],
        message: /at '\/operator\/logLevel': value must be one of 'debug', 'info', 'warn', 'error'/,
        schema: true,
      },
      {
        what: 'a watchNamespace that is no namespace name',
        args: ['--set', 'watchNamespace=Team_A'],
        message: /at '\/watchNamespace': 'Team_A' does not match pattern/,
        schema: true,
      },
      {
        what: 'a port out of range',
        args: ['--set', 'metrics.port=70000'],
        message: /at '\/metrics\/port': maximum: got 70,?000, want 65,?535/,
        schema: true,
      },
      {
        what: 'a boolean as a string',
        args: ['--set-string', 'crds.install=yes'],
        message: /at '\/crds\/install': got string, want boolean/,
        schema: true,
      },
      {
        what: 'a digest that is no sha256',
        args: ['--set', 'image.digest=latest'],
        message: /at '\/image\/digest': 'latest' does not match pattern/,
        schema: true,
      },
      {
        what: 'zero concurrent reconciles',
        args: ['--set', 'operator.workers=0'],
        message: /at '\/operator\/workers': minimum: got 0, want 1/,
        schema: true,
      },
      {
        what: 'a lease not longer than the renew deadline',
        args: ['--set', 'leaderElection.leaseDuration=10'],
        message: /leaderElection.leaseDuration must exceed leaderElection.renewDeadline/,
      },
      {
        what: 'a shutdown longer than the grace period',
        args: ['--set', 'operator.shutdownTimeout=60'],
        message: /operator.shutdownTimeout must be below terminationGracePeriodSeconds/,
      },
      {
        what: 'a ServiceMonitor without the Service',
        args: ['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.service.enabled=false'],
        message: /metrics.serviceMonitor.enabled needs metrics.service.enabled/,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.what} in helm template${c.schema ? ' and helm lint' : ''}`, async () => {
        const rendered = await helm(['template', RELEASE, CHART_DIR, ...c.args]);
        expect(rendered.code, rendered.stdout).not.toBe(0);
        expect(rendered.stderr).toMatch(c.message);
        if (!c.schema) return;
        const linted = await helm(['lint', '--strict', CHART_DIR, ...c.args]);
        expect(linted.code, linted.stdout).not.toBe(0);
        expect(linted.stdout + linted.stderr).toMatch(c.message);
      });
    }
  });
});
