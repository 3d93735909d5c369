// spec.auth against a real API server: the controller generates the token sealing key once into
// `<name>-auth-keys` (controlled by the CR) and keeps it across spec changes and a restart of the
// operator, renders the client secret as a file:// reference and the claim mappings into the user
// config, mounts both Secrets in the Deployment, and prunes the key Secret when auth is turned off.
import { CoreV1Api, type V1Deployment, type V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { MxcpProject } from '../../operator/src/api/index.js';
import { getJson } from '../../operator/src/controller/list.js';
import { KubeClient } from '../../operator/src/kube/index.js';
import { eventually } from '../cluster/eventually.js';
import { useTestNamespace } from '../cluster/namespace.js';
import {
  applyProject,
  childPath,
  condition,
  eventuallyStatus,
  getDeployment,
  helloFiles,
  installCrd,
  project,
  startController,
  type RunningController,
} from './controller-support.js';

const ns = useTestNamespace();
const NAME = 'authy';
const CLIENT_SECRET = 'e2e-oidc-client-secret-value';
const CLAIM_MAPPINGS = {
  groups: { finance: ['reports:read', 'reports:export'] },
  'realm_access.roles': { auditor: ['audit:read'] },
};
let client: KubeClient;
let running: RunningController | undefined;
let cr: MxcpProject;

beforeAll(async () => {
  await installCrd(ns.kubeConfig());
  client = new KubeClient(ns.kubeConfig());
  const core = ns.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'oidc-client' }, stringData: { 'client-secret': CLIENT_SECRET } },
  });
  running = await startController(ns.kubeConfig(), ns.name);
  cr = project(ns.name, NAME, {
    files: helloFiles(),
    auth: {
      provider: 'oidc',
      configUrl: 'https://idp.example.com/.well-known/openid-configuration',
      clientId: 'mxcp-e2e',
      clientSecretRef: { name: 'oidc-client', key: 'client-secret' },
      requiredScopes: ['mcp:tools'],
      baseUrl: 'https://mcp.example.com',
      claimMappings: CLAIM_MAPPINGS,
      accessTokenTtlSeconds: 900,
    },
  });
});

afterAll(async () => {
  await running?.stop();
});

async function secret(name: string): Promise<V1Secret> {
  return getJson<V1Secret>(ns.kubeConfig(), childPath('Secret', ns.name, name));
}

async function gone(name: string): Promise<boolean> {
  try {
    await secret(name);
    return false;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return true;
    throw error;
  }
}

const decode = (s: V1Secret, key: string) => Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');

async function signingKey(): Promise<string> {
  const keys = await eventually(() => secret(`${NAME}-auth-keys`), undefined, {
    timeoutMs: 60_000,
    what: 'the auth-keys Secret',
  });
  return decode(keys, 'keys');
}

async function scaledTo(replicas: number): Promise<V1Deployment | undefined> {
  return eventually(
    () => getDeployment(client, ns.name, NAME),
    (d) => d?.spec?.replicas === replicas,
    { timeoutMs: 60_000, what: `Deployment scaled to ${replicas}` },
  );
}

describe('an MxcpProject with auth', () => {
  it('gets a generated sealing key Secret, a user config with the client secret path and claim mappings, and a Deployment mounting both', async () => {
    const created = await applyProject(client, cr);
    await eventuallyStatus(
      client,
      ns.name,
      NAME,
      (p) => condition(p, 'ConfigValid')?.status === 'True',
      'ConfigValid=True',
    );
    const keys = await eventually(() => secret(`${NAME}-auth-keys`), undefined, {
      timeoutMs: 60_000,
      what: 'the auth-keys Secret',
    });
    // 32 random bytes, base64url.
    expect(decode(keys, 'keys')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'MxcpProject',
        name: NAME,
        uid: created.metadata.uid,
        controller: true,
      }),
    ]);
    expect(keys.metadata?.labels?.['app.kubernetes.io/component']).toBe('auth');

    const config = decode(await secret(`${NAME}-config`), 'config.yml');
    const profile = (
      parse(config) as {
        projects: Record<string, { profiles: Record<string, { auth: Record<string, unknown> }> }>;
      }
    ).projects.hello.profiles.default;
    expect(profile.auth).toMatchObject({
      mode: 'issuer',
      provider: 'oidc',
      oidc: {
        client_id: 'mxcp-e2e',
        client_secret: 'file:///var/run/mxcp/secrets/oidc-client/client-secret',
        claim_mappings: CLAIM_MAPPINGS,
      },
      authorization: { required_scopes: ['mcp:tools'] },
    });
    expect(config).not.toContain(CLIENT_SECRET);
    expect(config).not.toContain(decode(keys, 'keys'));

    const deployment = await getDeployment(client, ns.name, NAME);
    const pod = deployment?.spec?.template.spec;
    const volumes = Object.fromEntries((pod?.volumes ?? []).map((v) => [v.name, v.secret?.secretName]));
    expect(volumes).toMatchObject({ 'auth-keys': `${NAME}-auth-keys`, 'secret-oidc-client': 'oidc-client' });
    const container = pod?.containers[0];
    expect(container?.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'auth-keys', mountPath: '/var/run/mxcp/auth', readOnly: true },
        { name: 'secret-oidc-client', mountPath: '/var/run/mxcp/secrets/oidc-client', readOnly: true },
      ]),
    );
    expect(container?.volumeMounts?.every((m) => m.subPath === undefined)).toBe(true);
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      MXCP_AUTH_KEY_FILE: '/var/run/mxcp/auth/keys',
      MXCP_AUTH_ACCESS_TOKEN_TTL: '900',
    });
    expect(JSON.stringify(deployment)).not.toContain(decode(keys, 'keys'));
  });

  it('keeps the same key across spec changes and a restart of the operator', async () => {
    const key = await signingKey();
    cr.spec.replicas = 2;
    await applyProject(client, cr);
    await scaledTo(2);
    expect(await signingKey()).toBe(key);

    // A new operator process knows nothing generated before: it reads the key back from the Secret.
    await running?.stop();
    running = await startController(ns.kubeConfig(), ns.name);
    cr.spec.replicas = 3;
    await applyProject(client, cr);
    await scaledTo(3);
    expect(await signingKey()).toBe(key);
  });

  it('prunes the key Secret and the key file when auth is turned off', async () => {
    const { auth: _auth, ...withoutAuth } = cr.spec;
    await applyProject(client, { ...cr, spec: withoutAuth });
    await eventually(
      () => gone(`${NAME}-auth-keys`),
      (isGone) => isGone,
      {
        timeoutMs: 60_000,
        what: 'the auth-keys Secret to be deleted',
      },
    );
    const deployment = await eventually(
      () => getDeployment(client, ns.name, NAME),
      (d) => !d?.spec?.template.spec?.volumes?.some((v) => v.name === 'auth-keys'),
      { timeoutMs: 60_000, what: 'the Deployment without the auth-keys volume' },
    );
    const env = deployment?.spec?.template.spec?.containers[0].env ?? [];
    expect(env.filter((e) => e.name.startsWith('MXCP_AUTH_'))).toEqual([]);
    const config = decode(await secret(`${NAME}-config`), 'config.yml');
    expect(config).not.toContain('auth:');
    // The user's Secret is not the operator's: it stays.
    expect((await secret('oidc-client')).metadata?.name).toBe('oidc-client');
  });
});
