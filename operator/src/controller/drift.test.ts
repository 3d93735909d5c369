import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { applyReason, parseQuantity } from './drift.js';

const desired = (): KubernetesObject & Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'n', labels: { a: '1' } },
  spec: {
    replicas: 1,
    template: {
      metadata: { annotations: { 'mxcp.dev/restart-hash': 'h1' } },
      spec: {
        containers: [
          {
            name: 'worker',
            args: ['serve'],
            env: [{ name: 'A', value: '1' }],
            resources: { requests: { cpu: '0.5' } },
          },
        ],
      },
    },
  },
});

/** The fieldsV1 the API server records for `desired()` applied by mxcp-operator. */
const owned = () => ({
  'f:metadata': { 'f:labels': { 'f:a': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:metadata': { 'f:annotations': { 'f:mxcp.dev/restart-hash': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"worker"}': {
            '.': {},
            'f:name': {},
            'f:args': {},
            'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
            'f:resources': { 'f:requests': { 'f:cpu': {} } },
          },
        },
      },
    },
  },
});

function live(mutate: (obj: ReturnType<typeof desired>) => void = () => {}, fields: object = owned()) {
  const obj = desired();
  // What the server adds: defaults, status, another manager's annotation, canonical quantities.
  const spec = obj.spec as {
    template: {
      metadata: { annotations: Record<string, string> };
      spec: { containers: Array<Record<string, unknown>> };
    };
  };
  spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'] = '2026-01-01T00:00:00Z';
  spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
  (spec.template.spec.containers[0].resources as { requests: Record<string, string> }).requests.cpu = '500m';
  obj.status = { replicas: 1 };
  obj.metadata = {
    ...obj.metadata,
    resourceVersion: '7',
    managedFields: [
      { manager: 'mxcp-operator', operation: 'Apply', fieldsV1: fields },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': {} },
      },
    ],
  };
  mutate(obj);
  return obj;
}

describe('applyReason', () => {
  it('skips the apply when every wanted value is live, whatever the server and others added', () => {
    expect(applyReason(desired(), live())).toBeUndefined();
  });

  it('applies when the object is absent or the operator never applied it', () => {
    expect(applyReason(desired(), undefined)).toBe('absent');
    const adopted = live((o) => (o.metadata!.managedFields = []));
    expect(applyReason(desired(), adopted)).toBe('not applied by mxcp-operator yet');
  });

  it('applies when someone changed a value the operator wants', () => {
    const drifted = live((o) => ((o.spec as { replicas: number }).replicas = 5));
    expect(applyReason(desired(), drifted)).toBe('differs at spec.replicas');
    const env = live((o) => {
      const c = (o.spec as { template: { spec: { containers: Array<{ env: Array<{ value: string }> }> } } })
        .template.spec.containers[0];
      c.env[0].value = '2';
    });
    expect(applyReason(desired(), env)).toMatch(
      /^differs at spec\.template\.spec\.containers\.name=worker\.env/,
    );
  });

  it('applies when a field the operator owns is no longer wanted (so the apply removes it)', () => {
    const fields = owned() as Record<string, Record<string, unknown>>;
    (fields['f:spec'] as Record<string, unknown>)['f:paused'] = {};
    expect(applyReason(desired(), live(undefined, fields))).toBe('no longer wanted: spec.paused');

    const withEnv = owned();
    const container = withEnv['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"worker"}'] as {
      'f:env': Record<string, unknown>;
    };
    container['f:env']['k:{"name":"GONE"}'] = { '.': {}, 'f:name': {} };
    expect(applyReason(desired(), live(undefined, withEnv))).toMatch(/no longer wanted: .*GONE/);
  });

  it('compares quantities by value only under resources', () => {
    expect(parseQuantity('0.5')).toBe(parseQuantity('500m'));
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('lots')).toBeUndefined();
    const want = desired();
    const c = (want.spec as { template: { spec: { containers: Array<{ env: Array<{ value: string }> }> } } })
      .template.spec.containers[0];
    c.env[0].value = '1.0';
    expect(applyReason(want, live())).toMatch(/^differs at .*env/);
  });
});
