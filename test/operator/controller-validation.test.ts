// What happens to wrong MxcpProjects: the API server refuses schema and CEL violations with
// readable messages; schema-valid but wrong projects (missing Secret, key or ConfigMap, bad endpoint
// YAML, bad CEL policy) get ConfigValid=False naming the field or file:line, leave the workloads as
// they are, and are not retried in a loop; a referenced object that appears later fixes the project.
// Also: suspend, orphan adoption and refusal to take over another controller's object.
import { CoreV1Api, EventsV1Api, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MxcpProject, MxcpProjectSpec } from '../../operator/src/api/index.js';
import { GROUP, PLURAL, VERSION } from '../../operator/src/api/index.js';
import { requestJson } from '../../operator/src/controller/list.js';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import {
  applyProject,
  condition,
  eventuallyStatus,
  getDeployment,
  getProject,
  helloFiles,
  project,
  restartHashOf,
  useController,
} from './controller-support.js';

const ns = useTestNamespace();
const controller = useController(ns);
let core: CoreV1Api;

beforeAll(() => {
  core = ns.kubeConfig().makeApiClient(CoreV1Api);
});

/** Creates the CR as kubectl would and returns the API server's refusal message ('' when accepted). */
async function refusal(name: string, spec: Record<string, unknown>): Promise<string> {
  try {
    await requestJson(ns.kubeConfig(), 'POST', `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/${PLURAL}`, {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'MxcpProject',
      metadata: { name },
      spec,
    });
    return '';
  } catch (error) {
    return (JSON.parse((error as { body: string }).body) as { message: string }).message;
  }
}

const configValid = (p: MxcpProject) => condition(p, 'ConfigValid');

describe('the API server refuses invalid CRs', () => {
  it('schema violations come back with the field and the rule', async () => {
    const files = helloFiles();
    expect(await refusal('neg', { files, replicas: -1 })).toMatch(
      /spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/,
    );
    expect(await refusal('mode', { files, duckdb: { mode: 'bogus' } })).toMatch(
      /spec\.duckdb\.mode: Unsupported value: "bogus": supported values: "ephemeral", "persistent", "readonly"/,
    );
    expect(await refusal('qty', { files, audit: { enabled: true, storage: { size: 'lots' } } })).toMatch(
      /spec\.audit\.storage\.size/,
    );
  });

  it('CEL rules come back with their messages', async () => {
    const files = helloFiles();
    expect(await refusal('both', { files, configMapRef: { name: 'x' } })).toContain(
      'exactly one of files or configMapRef must be set',
    );
    expect(await refusal('nosite', { files: { 'tools/a.yml': 'x' } })).toContain(
      'files must contain mxcp-site.yml',
    );
    expect(await refusal('rw', { files, replicas: 2, duckdb: { mode: 'persistent' } })).toContain(
      'a read-write persistent DuckDB allows one replica',
    );
    expect(
      await refusal('oidc', {
        files,
        auth: { provider: 'oidc', clientId: 'c', clientSecretRef: { name: 's', key: 'k' } },
      }),
    ).toContain('oidc needs configUrl');
    expect(await refusal('a'.repeat(41), { files })).toContain('metadata.name must be at most 40 characters');
    expect(await refusal('ok-one', { files })).toBe('');
  });
});

// The label the operator's Secret watch selects by default: changes to these Secrets are seen at once.
const WATCHED = { 'mxcp.dev/watch': 'true' };

describe('schema-valid but wrong projects', () => {
  it('a missing Secret sets ConfigValid=False naming the field; creating the Secret fixes it', async () => {
    const spec: MxcpProjectSpec = {
      files: helloFiles(),
      secrets: [{ name: 'api', type: 'api', secretRef: { name: 'api-creds' }, keys: { token: 'token' } }],
    };
    await applyProject(controller.client, project(ns.name, 'needs-secret', spec));
    const invalid = await eventuallyStatus(
      controller.client,
      ns.name,
      'needs-secret',
      (p) => configValid(p)?.status === 'False',
      'ConfigValid=False',
    );
    expect(configValid(invalid)).toMatchObject({ reason: 'SecretNotFound' });
    expect(configValid(invalid)?.message).toContain(
      `spec.secrets[0].secretRef.name: Secret 'api-creds' not found in namespace ${ns.name}`,
    );
    expect(condition(invalid, 'Ready')).toMatchObject({ status: 'False', reason: 'ConfigInvalid' });
    expect(condition(invalid, 'Degraded')).toMatchObject({ status: 'True', reason: 'ConfigInvalid' });
    expect(await getDeployment(controller.client, ns.name, 'needs-secret')).toBeUndefined();

    // A Secret without the key: the message names the key mapping.
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'api-creds', labels: WATCHED }, stringData: { other: 'x' } },
    });
    const noKey = await eventuallyStatus(
      controller.client,
      ns.name,
      'needs-secret',
      (p) => configValid(p)?.reason === 'SecretKeyNotFound',
      'SecretKeyNotFound',
    );
    expect(configValid(noKey)?.message).toContain(
      "spec.secrets[0].keys.token: Secret 'api-creds' has no key 'token' (it has: other)",
    );

    await core.replaceNamespacedSecret({
      namespace: ns.name,
      name: 'api-creds',
      body: { metadata: { name: 'api-creds', labels: WATCHED }, stringData: { token: 't0k3n' } },
    });
    const fixed = await eventuallyStatus(
      controller.client,
      ns.name,
      'needs-secret',
      (p) => configValid(p)?.status === 'True',
      'ConfigValid=True',
    );
    expect(fixed.status?.secretsHash).toMatch(/^[0-9a-f]{64}$/);
    await eventually(
      () => getDeployment(controller.client, ns.name, 'needs-secret'),
      (d) => Boolean(d),
      { what: 'the Deployment' },
    );

    // Rotating the value changes the secrets hash (what hot reload keys on), not the pod template.
    const hash = restartHashOf(await getDeployment(controller.client, ns.name, 'needs-secret'));
    await core.replaceNamespacedSecret({
      namespace: ns.name,
      name: 'api-creds',
      body: { metadata: { name: 'api-creds', labels: WATCHED }, stringData: { token: 'rotated' } },
    });
    const rotated = await eventuallyStatus(
      controller.client,
      ns.name,
      'needs-secret',
      (p) => p.status?.secretsHash !== fixed.status?.secretsHash,
      'a new secretsHash',
    );
    expect(rotated.status?.secretsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(restartHashOf(await getDeployment(controller.client, ns.name, 'needs-secret'))).toBe(hash);

    const events = await ns
      .kubeConfig()
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace: ns.name });
    const about = events.items.filter((e) => e.regarding?.name === 'needs-secret');
    expect(about.filter((e) => e.reason === 'SecretNotFound' && e.type === 'Warning')).toHaveLength(1);
  });

  it('a missing configMapRef ConfigMap is reported, and the project converges once it exists', async () => {
    await applyProject(
      controller.client,
      project(ns.name, 'from-cm', { configMapRef: { name: 'from-cm-project' } }),
    );
    const invalid = await eventuallyStatus(
      controller.client,
      ns.name,
      'from-cm',
      (p) => configValid(p)?.status === 'False',
      'ConfigValid=False',
    );
    expect(configValid(invalid)).toMatchObject({ reason: 'ConfigMapNotFound' });
    expect(configValid(invalid)?.message).toContain(
      "spec.configMapRef.name: ConfigMap 'from-cm-project' not found",
    );
    const files = helloFiles();
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: {
        metadata: { name: 'from-cm-project' },
        data: { 'mxcp-site.yml': files['mxcp-site.yml'], tools__hello: files['tools/hello.yml'] },
      },
    });
    // tools__hello decodes to tools/hello (not a .yml): the project loads, with no tools.
    await eventuallyStatus(
      controller.client,
      ns.name,
      'from-cm',
      (p) => configValid(p)?.status === 'True',
      'ConfigValid=True',
    );
    const cm = await controller.client.get<V1ConfigMap>('v1', 'ConfigMap', ns.name, 'from-cm-files');
    expect(Object.keys(cm?.data ?? {})).toContain('tools__hello');
  });

  it('bad endpoint YAML and a bad CEL policy are reported with file:line, and the running workload is untouched', async () => {
    const good = helloFiles();
    await applyProject(controller.client, project(ns.name, 'edits', { files: good }));
    await eventuallyStatus(
      controller.client,
      ns.name,
      'edits',
      (p) => configValid(p)?.status === 'True',
      'valid first',
    );
    const before = await eventually(
      () => getDeployment(controller.client, ns.name, 'edits'),
      (d) => Boolean(d),
      { what: 'Deployment' },
    );
    const filesBefore = await controller.client.get<V1ConfigMap>('v1', 'ConfigMap', ns.name, 'edits-files');

    const badYaml = {
      ...good,
      'tools/broken.yml': 'mxcp: 1\ntool:\n  name: broken\n  source:\n    code: [unclosed\n',
    };
    await applyProject(controller.client, project(ns.name, 'edits', { files: badYaml }));
    const yamlStatus = await eventuallyStatus(
      controller.client,
      ns.name,
      'edits',
      (p) => configValid(p)?.status === 'False',
      'ConfigValid=False (YAML)',
    );
    expect(configValid(yamlStatus)).toMatchObject({ reason: 'PreflightFailed' });
    expect(configValid(yamlStatus)?.message).toMatch(/tools\/broken\.yml:\d+:\d+: Invalid YAML/);

    const badCel = {
      ...good,
      'tools/guarded.yml': [
        'mxcp: 1',
        'tool:',
        '  name: guarded',
        '  description: Guarded',
        '  return:',
        '    type: string',
        '  source:',
        "    code: SELECT 'x'",
        '  policies:',
        '    input:',
        '      - condition: "user.role == "',
        '        action: deny',
        '',
      ].join('\n'),
    };
    await applyProject(controller.client, project(ns.name, 'edits', { files: badCel }));
    const celStatus = await eventuallyStatus(
      controller.client,
      ns.name,
      'edits',
      (p) => /guarded/.test(configValid(p)?.message ?? ''),
      'ConfigValid=False (CEL)',
    );
    expect(configValid(celStatus)?.message).toMatch(
      /tools\/guarded\.yml:11:\d+: tool\.policies\.input\[0\]\.condition: invalid CEL condition/,
    );

    // The workload still runs the previous configuration.
    const after = await getDeployment(controller.client, ns.name, 'edits');
    expect(after?.metadata?.generation).toBe(before?.metadata?.generation);
    expect(restartHashOf(after)).toBe(restartHashOf(before));
    expect(
      (await controller.client.get<V1ConfigMap>('v1', 'ConfigMap', ns.name, 'edits-files'))?.data,
    ).toEqual(filesBefore?.data);

    // Permanent problems are not retried in a loop.
    const settled = controller.observer.total;
    await new Promise((r) => setTimeout(r, 3000));
    expect(controller.observer.total - settled).toBeLessThanOrEqual(2);
    expect(controller.observer.counts.error).toBe(0);
  });
});

describe('suspend and ownership', () => {
  it('spec.suspend leaves the children alone and says so; resuming applies the pending change', async () => {
    await applyProject(controller.client, project(ns.name, 'paused', { files: helloFiles() }));
    await eventually(
      () => getDeployment(controller.client, ns.name, 'paused'),
      (d) => Boolean(d),
      { what: 'Deployment' },
    );
    await applyProject(
      controller.client,
      project(ns.name, 'paused', {
        files: helloFiles(),
        suspend: true,
        replicas: 2,
        transport: { stateless: true },
      }),
    );
    const suspended = await eventuallyStatus(
      controller.client,
      ns.name,
      'paused',
      (p) => condition(p, 'Progressing')?.reason === 'Suspended',
      'Suspended',
    );
    expect(condition(suspended, 'Progressing')?.message).toContain('spec.suspend is true');
    expect((await getDeployment(controller.client, ns.name, 'paused'))?.spec?.replicas).toBe(1);

    await applyProject(
      controller.client,
      project(ns.name, 'paused', {
        files: helloFiles(),
        suspend: false,
        replicas: 2,
        transport: { stateless: true },
      }),
    );
    await eventually(
      () => getDeployment(controller.client, ns.name, 'paused'),
      (d) => d?.spec?.replicas === 2,
      { what: 'replicas 2 after resume' },
    );
  });

  it('adopts an orphan with a child name, and refuses an object another controller owns', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'adopt-files' }, data: { stale: 'x' } },
    });
    const created = await applyProject(controller.client, project(ns.name, 'adopt', { files: helloFiles() }));
    const adopted = await eventually(
      () => controller.client.get<V1ConfigMap>('v1', 'ConfigMap', ns.name, 'adopt-files'),
      (cm) =>
        cm?.metadata?.ownerReferences?.some((r) => r.controller && r.uid === created.metadata.uid) ?? false,
      { what: 'the orphan ConfigMap adopted' },
    );
    expect(adopted?.data?.['mxcp-site.yml']).toContain('project: hello');

    const boss = await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'boss' } },
    });
    const foreignOwner = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'boss',
      uid: boss.metadata!.uid!,
      controller: true,
    };
    await core.createNamespacedService({
      namespace: ns.name,
      body: {
        metadata: { name: 'taken', ownerReferences: [foreignOwner] },
        spec: { ports: [{ port: 80 }], selector: { app: 'someone-else' } },
      },
    });
    await applyProject(controller.client, project(ns.name, 'taken', { files: helloFiles() }));
    const refused = await eventuallyStatus(
      controller.client,
      ns.name,
      'taken',
      (p) => condition(p, 'Degraded')?.status === 'True',
      'Degraded=True',
    );
    expect(condition(refused, 'Degraded')).toMatchObject({ reason: 'OwnershipConflict' });
    expect(condition(refused, 'Degraded')?.message).toContain(
      'Service/taken already exists and is controlled by ConfigMap/boss',
    );
    const service = await core.readNamespacedService({ namespace: ns.name, name: 'taken' });
    expect(service.spec?.selector).toEqual({ app: 'someone-else' });
    expect(service.metadata?.ownerReferences).toEqual([foreignOwner]);
    // The other children are still created.
    await eventually(
      () => getDeployment(controller.client, ns.name, 'taken'),
      (d) => Boolean(d),
      { what: 'Deployment of taken' },
    );
  });

  it('never writes the spec: the user stays the only manager of spec fields', async () => {
    const p = await getProject(controller.client, ns.name, 'adopt');
    const managers = ((p.metadata.managedFields ?? []) as Array<{ manager: string; subresource?: string }>)
      .filter((f) => f.manager === 'mxcp-operator')
      .map((f) => f.subresource ?? 'main');
    expect(managers).toEqual(['status']);
    expect((p as unknown as KubernetesObject).metadata?.finalizers).toBeUndefined();
  });
});
