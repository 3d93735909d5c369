// render's contract: deterministic, pure, children labelled the operator's
// way (never with the CR's labels), secret values never copied, the restart
// hash following what needs a restart, and a user config and mxcp-site.yml
// the worker's own loaders accept.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject, V1CronJob, V1Deployment, V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { capabilitiesFromClaims, claimMappingsFor } from '../../../worker/src/auth/claim-mappings.js';
import {
  AUTH_ENV as WORKER_AUTH_ENV,
  loadAuthKeys,
  loadLifetimes,
} from '../../../worker/src/auth/settings.js';
import { UserConfigSchema, checkSchema, parseYaml } from '../../../worker/src/config/index.js';
import type { MxcpProject } from '../api/index.js';
import {
  AUTH_ENV,
  RESTART_HASH_ANNOTATION,
  RenderError,
  projectFiles,
  render,
  validateProject,
  type ResolvedRefs,
} from './index.js';
import { preflightProject } from './preflight.js';

const SITE = 'mxcp: 1\nproject: demo\nprofile: default\n';
const TOOL =
  'mxcp: 1\ntool:\n  name: t\n  description: d\n  return:\n    type: string\n  source:\n    code: SELECT 1\n';
const REFS: ResolvedRefs = { adminToken: 'token-1', authSigningKey: 'key-1', defaultImage: 'worker:1' };

function project(
  spec: Partial<MxcpProject['spec']> = {},
  metadata: Partial<MxcpProject['metadata']> = {},
): MxcpProject {
  return {
    apiVersion: 'mxcp.dev/v1alpha1',
    kind: 'MxcpProject',
    metadata: { name: 'demo', namespace: 'ns', ...metadata },
    spec: { files: { 'mxcp-site.yml': SITE, 'tools/t.yml': TOOL }, ...spec },
  };
}

const find = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (!name || o.metadata?.name === name)) as T | undefined;
const decoded = (secret: V1Secret, key: string) =>
  Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
const hashOf = (objects: KubernetesObject[]) =>
  find<V1Deployment>(objects, 'Deployment')?.spec?.template.metadata?.annotations?.[RESTART_HASH_ANNOTATION];

const withSecrets = project({
  secrets: [{ name: 'db', type: 'database', secretRef: { name: 'db-creds' }, keys: { password: 'pw' } }],
  auth: { provider: 'github', clientId: 'id', clientSecretRef: { name: 'gh', key: 'secret' } },
});

describe('render', () => {
  it('is deterministic and does not change its input', () => {
    const input = project({
      replicas: 2,
      audit: { enabled: true, storage: { accessModes: ['ReadWriteMany'] } },
    });
    const copy = structuredClone(input);
    expect(render(input, REFS)).toEqual(render(input, REFS));
    expect(input).toEqual(copy);
  });

  it('labels children app.kubernetes.io/* only, never with the CR labels, annotations or owner references', () => {
    const cr = project(
      { podAnnotations: { 'example.com/a': 'b' } },
      {
        labels: { 'app.kubernetes.io/instance': 'argo-app', team: 'x' },
        annotations: { 'argocd.argoproj.io/tracking-id': 'app:mxcp.dev/MxcpProject:ns/demo' },
      },
    );
    for (const object of render(cr, REFS)) {
      expect(object.metadata?.ownerReferences).toBeUndefined();
      expect(object.metadata?.annotations).toBeUndefined();
      expect(object.metadata?.labels).toMatchObject({
        'app.kubernetes.io/name': 'mxcp-worker',
        'app.kubernetes.io/instance': 'demo',
        'app.kubernetes.io/managed-by': 'mxcp-operator',
      });
      expect(JSON.stringify(object)).not.toContain('argo-app');
      expect(JSON.stringify(object)).not.toContain('tracking-id');
    }
  });

  it('references secret values as file:// paths of mounted volumes and never copies them', () => {
    const objects = render(withSecrets, REFS);
    const config = decoded(find<V1Secret>(objects, 'Secret', 'demo-config') as V1Secret, 'config.yml');
    expect(config).toContain('password: file:///var/run/mxcp/secrets/db-creds/pw');
    expect(config).toContain('client_secret: file:///var/run/mxcp/secrets/gh/secret');
    const pod = find<V1Deployment>(objects, 'Deployment')?.spec?.template.spec;
    const mounts = pod?.containers[0].volumeMounts ?? [];
    expect(
      mounts.filter((m) => m.mountPath.startsWith('/var/run/mxcp/secrets/')).map((m) => m.mountPath),
    ).toEqual(['/var/run/mxcp/secrets/db-creds', '/var/run/mxcp/secrets/gh']);
    expect(mounts.every((m) => m.subPath === undefined)).toBe(true);
    expect(pod?.volumes?.filter((v) => v.secret).map((v) => v.secret?.secretName)).toEqual([
      'demo-config',
      'demo-admin-token',
      'demo-auth-keys',
      'db-creds',
      'gh',
    ]);
  });

  it('renders a user config and an mxcp-site.yml the worker loaders accept', async () => {
    const cr = project({
      ...withSecrets.spec,
      auth: { ...withSecrets.spec.auth!, claimMappings: { groups: { finance: ['reports:read'] } } },
      telemetry: { enabled: true, endpoint: 'http://otel:4318' },
      audit: { enabled: true },
      site: { sqlTools: { enabled: true }, extensions: [{ name: 'httpfs' }] },
    });
    const objects = render(cr, REFS);
    const text = decoded(find<V1Secret>(objects, 'Secret', 'demo-config') as V1Secret, 'config.yml');
    const { errors } = checkSchema(UserConfigSchema, parseYaml(text, 'config.yml'), parse(text));
    expect(errors.map((e) => e.format())).toEqual([]);
    expect(await preflightProject(projectFiles(cr, {}))).toEqual([]);
    expect(parse(projectFiles(cr, {})['mxcp-site.yml'])).toMatchObject({
      sql_tools: { enabled: true },
      extensions: ['httpfs'],
      profiles: { default: { audit: { enabled: true, path: '/var/lib/mxcp/audit/logs-default.jsonl' } } },
    });
  });

  // What rolls and what reloads: render never sees Secret values (only names and keys), so a rotated
  // Secret cannot change the pod template; it reaches running pods by hot reload instead.
  it('changes the restart hash for files, image, auth and transport, not for the admin token', () => {
    const base = hashOf(render(project(), REFS));
    const template = (objects: KubernetesObject[]) =>
      JSON.stringify(find<V1Deployment>(objects, 'Deployment')?.spec?.template);
    expect(template(render(project({ transport: { stateless: true } }), REFS))).not.toBe(
      template(render(project(), REFS)),
    );
    expect(hashOf(render(project(), { ...REFS, adminToken: 'token-2' }))).toBe(base);
    expect(
      hashOf(render(project({ files: { 'mxcp-site.yml': SITE, 'tools/t.yml': TOOL + '\n' } }), REFS)),
    ).not.toBe(base);
    expect(hashOf(render(project({ image: 'worker:2' }), REFS))).not.toBe(base);
    expect(hashOf(render(project({ auth: withSecrets.spec.auth }), REFS))).not.toBe(base);
  });

  it('serves stateless with a PodDisruptionBudget when replicas > 1, stateful and without one otherwise', () => {
    const one = render(project(), REFS);
    const three = render(project({ replicas: 3 }), REFS);
    const args = (objects: KubernetesObject[]) =>
      find<V1Deployment>(objects, 'Deployment')?.spec?.template.spec?.containers[0].args;
    expect(args(one)).not.toContain('--stateless');
    expect(args(three)).toContain('--stateless');
    expect(find(one, 'PodDisruptionBudget')).toBeUndefined();
    expect(find(three, 'PodDisruptionBudget')).toBeDefined();
  });

  it('runs the worker non-root with a read-only root filesystem and probes on /ready and /health', () => {
    const pod = find<V1Deployment>(render(project(), REFS), 'Deployment')?.spec?.template.spec;
    const container = pod?.containers[0];
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(container?.livenessProbe?.httpGet?.path).toBe('/health');
    expect(container?.volumeMounts?.find((m) => m.mountPath === '/tmp')).toBeDefined();
  });

  it('adds the cleanup CronJob and audit claim only when audit is enabled', () => {
    expect(find(render(project(), REFS), 'CronJob')).toBeUndefined();
    const objects = render(project({ audit: { enabled: true, cleanupSchedule: '0 4 * * *' } }), REFS);
    const cron = find<V1CronJob>(objects, 'CronJob');
    expect(cron?.spec).toMatchObject({ schedule: '0 4 * * *', concurrencyPolicy: 'Forbid' });
    const volumes = cron?.spec?.jobTemplate.spec?.template.spec?.volumes ?? [];
    expect(volumes.find((v) => v.name === 'audit')?.persistentVolumeClaim?.claimName).toBe('demo-audit');
    expect(find(objects, 'PersistentVolumeClaim', 'demo-audit')).toBeDefined();
  });

  it('throws a RenderError naming the field for an invalid cleanup schedule', () => {
    const cr = project({ audit: { enabled: true, cleanupSchedule: '0 25 * * *' } });
    expect(() => render(cr, REFS)).toThrow(RenderError);
    try {
      render(cr, REFS);
    } catch (error) {
      expect((error as RenderError).field).toBe('spec.audit.cleanupSchedule');
    }
    expect(
      validateProject(project({ audit: { enabled: true, cleanupSchedule: '0 0 3 * * *' } }))[0]?.message,
    ).toContain('expected 5 fields');
  });

  it('needs the ConfigMap files in refs for a configMapRef project', () => {
    const cr = project({ files: undefined, configMapRef: { name: 'src' } });
    expect(() => render(cr, REFS)).toThrow(/were not resolved/);
    const objects = render(cr, { ...REFS, files: { 'mxcp-site.yml': SITE } });
    expect(Object.keys(find<KubernetesObject & { data: object }>(objects, 'ConfigMap')?.data ?? {})).toEqual([
      'mxcp-site.yml',
    ]);
  });

  it('reports unknown spec fields, reserved pod labels and clashing file paths', () => {
    const messages = validateProject(
      project({
        ...({ replica: 2 } as object),
        podLabels: { 'app.kubernetes.io/name': 'x' },
        files: { 'mxcp-site.yml': SITE, 'a/b.yml': '', 'a__b.yml': '', '../x.yml': '' },
      }),
    ).map((p) => `${p.field}: ${p.message}`);
    expect(messages).toEqual(["spec: unknown field 'replica'"]);
    const later = validateProject(
      project({
        podLabels: { 'app.kubernetes.io/name': 'x' },
        files: { 'mxcp-site.yml': SITE, 'a/b.yml': '', 'a__b.yml': '', '../x.yml': '' },
      }),
    ).map((p) => p.message);
    expect(later).toEqual([
      'app.kubernetes.io/* labels are set by the operator',
      expect.stringContaining("invalid file path '../x.yml'"),
      "files 'a/b.yml' and 'a__b.yml' map to the same ConfigMap key 'a__b.yml'",
    ]);
  });
});

describe('render with auth', () => {
  const oidc = {
    provider: 'oidc' as const,
    configUrl: 'https://idp.example.com/.well-known/openid-configuration',
    clientId: 'mxcp',
    clientSecretRef: { name: 'oidc-client', key: 'secret' },
    claimMappings: {
      groups: { finance: ['reports:read', 'reports:export'] },
      'realm_access.roles': { auditor: ['audit:read'] },
    },
  };
  const pod = (objects: KubernetesObject[]) => find<V1Deployment>(objects, 'Deployment')?.spec?.template.spec;
  const envOf = (objects: KubernetesObject[]) =>
    Object.fromEntries((pod(objects)?.containers[0].env ?? []).map((e) => [e.name, e.value]));

  it('generates the <name>-auth-keys Secret from refs and mounts it whole as MXCP_AUTH_KEY_FILE', () => {
    const objects = render(project({ auth: oidc }), { ...REFS, authSigningKey: 'sealing-key-1' });
    const keys = find<V1Secret>(objects, 'Secret', 'demo-auth-keys');
    expect(keys?.metadata?.labels?.['app.kubernetes.io/component']).toBe('auth');
    expect(decoded(keys!, 'keys')).toBe('sealing-key-1');
    expect(pod(objects)?.volumes?.find((v) => v.name === 'auth-keys')?.secret?.secretName).toBe(
      'demo-auth-keys',
    );
    const mount = pod(objects)?.containers[0].volumeMounts?.find((m) => m.name === 'auth-keys');
    expect(mount).toEqual({ name: 'auth-keys', mountPath: '/var/run/mxcp/auth', readOnly: true });
    expect(envOf(objects)[AUTH_ENV.keyFile]).toBe('/var/run/mxcp/auth/keys');
    // The key is in its Secret only: not in the user config, the Deployment or any other object.
    const others = objects.filter((o) => o.metadata?.name !== 'demo-auth-keys');
    expect(JSON.stringify(others)).not.toContain(Buffer.from('sealing-key-1').toString('base64'));
    expect(JSON.stringify(others)).not.toContain('sealing-key-1');
  });

  it('mounts the encryptionKeySecretRef Secret instead, and needs no generated key', () => {
    const auth = { ...oidc, encryptionKeySecretRef: { name: 'my-keys', key: 'sealing' } };
    const objects = render(project({ auth }), { adminToken: 't', defaultImage: 'worker:1' });
    expect(find(objects, 'Secret', 'demo-auth-keys')).toBeUndefined();
    expect(pod(objects)?.volumes?.some((v) => v.name === 'auth-keys')).toBe(false);
    expect(envOf(objects)[AUTH_ENV.keyFile]).toBe('/var/run/mxcp/secrets/my-keys/sealing');
    expect(pod(objects)?.containers[0].volumeMounts).toContainEqual({
      name: 'secret-my-keys',
      mountPath: '/var/run/mxcp/secrets/my-keys',
      readOnly: true,
    });
    const config = decoded(find<V1Secret>(objects, 'Secret', 'demo-config')!, 'config.yml');
    expect(config).not.toContain('auth_encryption_key');
  });

  it('renders no key Secret, key file or lifetimes without auth, and needs no key', () => {
    for (const spec of [{}, { auth: { ...oidc, provider: 'none' as const } }]) {
      const objects = render(project(spec), { adminToken: 't', defaultImage: 'worker:1' });
      expect(find(objects, 'Secret', 'demo-auth-keys')).toBeUndefined();
      expect(Object.keys(envOf(objects)).filter((n) => n.startsWith('MXCP_AUTH_'))).toEqual([]);
      expect(pod(objects)?.volumes?.some((v) => v.name === 'auth-keys')).toBe(false);
    }
  });

  it('refuses to render auth without the generated key when no encryptionKeySecretRef is set', () => {
    expect(() => render(project({ auth: oidc }), { adminToken: 't', defaultImage: 'worker:1' })).toThrow(
      /authSigningKey is missing/,
    );
  });

  it('passes lifetimes as the environment the worker reads, and the key file the worker opens', () => {
    const auth = {
      ...oidc,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 86400,
      maxSessionAgeSeconds: 604800,
    };
    const objects = render(project({ auth }), { ...REFS, authSigningKey: 'key-a' });
    expect(AUTH_ENV).toEqual(WORKER_AUTH_ENV);
    const env = envOf(objects);
    expect(loadLifetimes(env)).toEqual({ accessToken: 900, refreshToken: 86400, maxSessionAge: 604800 });
    // The generated Secret's content, as the kubelet writes it to the mounted file.
    const dir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, decoded(find<V1Secret>(objects, 'Secret', 'demo-auth-keys')!, 'keys'));
      const text = decoded(find<V1Secret>(objects, 'Secret', 'demo-config')!, 'config.yml');
      const profile = (parse(text) as { projects: { demo: { profiles: { default: { auth: never } } } } })
        .projects.demo.profiles.default;
      expect(loadAuthKeys(profile.auth, { [AUTH_ENV.keyFile]: file })).toEqual({
        keys: ['key-a'],
        shared: true,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const unset = envOf(render(project({ auth: oidc }), { ...REFS, authSigningKey: 'key-a' }));
    expect(Object.keys(unset).filter((n) => n.startsWith('MXCP_AUTH_'))).toEqual([AUTH_ENV.keyFile]);
  });

  it('renders claim mappings the worker schema accepts and turns into capabilities', () => {
    const objects = render(project({ auth: { ...oidc, requiredScopes: ['mcp:tools'] } }), REFS);
    const text = decoded(find<V1Secret>(objects, 'Secret', 'demo-config')!, 'config.yml');
    const { value, errors } = checkSchema(UserConfigSchema, parseYaml(text, 'config.yml'), parse(text));
    expect(errors.map((e) => e.format())).toEqual([]);
    const auth = (value as { projects: Record<string, { profiles: Record<string, { auth?: never }> }> })
      .projects.demo.profiles.default.auth;
    const mappings = claimMappingsFor(auth);
    expect(mappings).toEqual(oidc.claimMappings);
    expect(
      capabilitiesFromClaims(mappings, { groups: ['finance'], realm_access: { roles: ['auditor'] } }),
    ).toEqual(['reports:read', 'reports:export', 'audit:read']);
  });

  it('keeps the restart hash across signing keys, and changes it when the key source changes', () => {
    const generated = hashOf(render(project({ auth: oidc }), { ...REFS, authSigningKey: 'key-a' }));
    expect(hashOf(render(project({ auth: oidc }), { ...REFS, authSigningKey: 'key-b' }))).toBe(generated);
    const own = (key: string) =>
      hashOf(render(project({ auth: { ...oidc, encryptionKeySecretRef: { name: 'my-keys', key } } }), REFS));
    expect(own('a')).not.toBe(generated);
    expect(own('b')).not.toBe(own('a'));
    expect(hashOf(render(project({ auth: { ...oidc, claimMappings: {} } }), REFS))).not.toBe(generated);
  });
});
