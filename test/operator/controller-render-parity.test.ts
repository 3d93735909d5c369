// `mxcp-operator render` shows exactly what the controller applies: for the samples, every object
// the command prints equals the fields the operator's field manager owns on the live child (the
// managedFields view, so server defaults, status and other managers' fields are left out), apart
// from the ownerReferences and the generated admin token the command cannot know.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { renderCommand } from '../../operator/src/cli/render.js';
import { getJson } from '../../operator/src/controller/list.js';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import type { CHILD_PATHS } from './controller-support.js';
import {
  TEST_IMAGE,
  applyProject,
  childPath,
  condition,
  eventuallyStatus,
  readSample,
  useController,
} from './controller-support.js';

const ns = useTestNamespace();
const controller = useController(ns);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'render-parity-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type FieldSet = { [key: string]: FieldSet };

/** The part of `live` that `fields` (a managedFields fieldsV1) describes. */
function extract(live: unknown, fields: FieldSet): unknown {
  if (Object.keys(fields).length === 0 || (Object.keys(fields).length === 1 && '.' in fields)) return live;
  if (Array.isArray(live)) {
    const out: unknown[] = [];
    for (const element of live) {
      for (const [key, sub] of Object.entries(fields)) {
        if (!key.startsWith('k:')) continue;
        const want = JSON.parse(key.slice(2)) as Record<string, unknown>;
        if (Object.entries(want).every(([k, v]) => (element as Record<string, unknown>)[k] === v))
          out.push(extract(element, sub));
      }
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(fields)) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    out[name] = extract((live as Record<string, unknown>)[name], sub);
  }
  return out;
}

function appliedView(live: KubernetesObject): Record<string, unknown> {
  const entry = live.metadata?.managedFields?.find(
    (e) => e.manager === 'mxcp-operator' && e.operation === 'Apply',
  );
  expect(entry, `${live.kind}/${live.metadata?.name} applied by mxcp-operator`).toBeDefined();
  const view = extract(live, entry!.fieldsV1 as FieldSet) as Record<string, unknown> & {
    metadata: Record<string, unknown>;
  };
  const { ownerReferences: _owners, ...metadata } = view.metadata;
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    ...view,
    metadata: { name: live.metadata?.name, namespace: live.metadata?.namespace, ...metadata },
  };
}

async function parity(sample: string): Promise<void> {
  const cr = readSample(sample);
  cr.metadata.namespace = ns.name;
  const file = join(dir, sample);
  writeFileSync(file, stringify(cr));
  const rendered = parseAllDocuments(renderCommand({ file, image: TEST_IMAGE })).map(
    (d) => d.toJS() as KubernetesObject,
  );
  expect(rendered.length).toBeGreaterThanOrEqual(5);

  await applyProject(controller.client, cr);
  await eventuallyStatus(
    controller.client,
    ns.name,
    cr.metadata.name,
    (p) => condition(p, 'ConfigValid')?.status === 'True',
    'ConfigValid',
  );
  for (const want of rendered) {
    const kind = want.kind as keyof typeof CHILD_PATHS;
    const live = await eventually(
      () => getJson<KubernetesObject>(ns.kubeConfig(), childPath(kind, ns.name, want.metadata!.name!)),
      undefined,
      { what: `${kind}/${want.metadata?.name}` },
    );
    live.apiVersion ??= want.apiVersion;
    live.kind ??= want.kind;
    const applied = appliedView(live);
    if (kind === 'Secret' && want.metadata?.name?.endsWith('-admin-token')) {
      // The command prints a placeholder; the operator generated a random token.
      (want as { data: Record<string, string> }).data.token = (
        applied as { data: Record<string, string> }
      ).data.token;
    }
    expect(applied, `${kind}/${want.metadata?.name}`).toEqual(want);
  }
}

describe('mxcp-operator render', () => {
  it('prints what the controller applies for the hello sample', async () => {
    await parity('mxcp_v1alpha1_mxcpproject_hello.yaml');
  });

  it('prints what the controller applies for the production sample (secrets, audit, PDB, CronJob)', async () => {
    const core = ns.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'weather-api' }, stringData: { token: 'abc' } },
    });
    await parity('mxcp_v1alpha1_mxcpproject_production.yaml');
  });
});
