// The ArgoCD health check (config/argocd/health.lua) run by gopher-lua, the interpreter ArgoCD
// embeds, under ArgoCD's restrictions for argocd-cm scripts (no string, math or io library), over
// the fixtures of config/argocd/health_test.yaml (ArgoCD's resource_customizations format); and
// the argocd-cm snippet and example Applications that ship it.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { runHealthScript } from '../cluster/go/lua/runner.js';
import { REPO_ROOT } from './kubectl-support.js';

const ARGOCD = join(REPO_ROOT, 'config/argocd');
const SCRIPT = join(ARGOCD, 'health.lua');
const HEALTH_KEY = 'resource.customizations.health.mxcp.dev_MxcpProject';

interface HealthTest {
  healthStatus: { status: string; message: string };
  inputPath: string;
}

const table = (parse(readFileSync(join(ARGOCD, 'health_test.yaml'), 'utf8')) as { tests: HealthTest[] })
  .tests;
const fixture = (path: string): Record<string, unknown> =>
  parse(readFileSync(join(ARGOCD, path), 'utf8')) as Record<string, unknown>;

describe('health.lua under gopher-lua', { timeout: 120_000 }, () => {
  it('returns the expected status and message for every fixture of health_test.yaml', async () => {
    const results = await runHealthScript(
      SCRIPT,
      table.map((t) => fixture(t.inputPath)),
    );
    const got = table.map((t, i) => ({ input: t.inputPath, ...results[i] }));
    const want = table.map((t) => ({ input: t.inputPath, ...t.healthStatus }));
    expect(got).toEqual(want);
  });

  it('has a fixture for each of Healthy, Progressing, Degraded and Suspended, and no unused one', () => {
    expect(new Set(table.map((t) => t.healthStatus.status))).toEqual(
      new Set(['Healthy', 'Progressing', 'Degraded', 'Suspended']),
    );
    const listed = table.map((t) => t.inputPath).sort();
    const present = readdirSync(join(ARGOCD, 'testdata'))
      .map((f) => `testdata/${f}`)
      .sort();
    expect(listed).toEqual(present);
  });

  it('reports Suspended before anything else, even with a failing configuration', async () => {
    const degraded = fixture('testdata/degraded_config_invalid.yaml') as { spec: Record<string, unknown> };
    degraded.spec.suspend = true;
    const [health] = await runHealthScript(SCRIPT, [degraded]);
    expect(health.status).toBe('Suspended');
  });

  it('treats an unobserved generation as Progressing even when the old status was Degraded', async () => {
    const degraded = fixture('testdata/degraded_config_invalid.yaml') as { metadata: { generation: number } };
    degraded.metadata.generation += 1;
    const [health] = await runHealthScript(SCRIPT, [degraded]);
    expect(health).toEqual({
      status: 'Progressing',
      message: 'Waiting for the operator to observe generation 7 (the status describes generation 6)',
    });
  });

  it('runs scripts without the string library, as ArgoCD runs argocd-cm scripts', async () => {
    // The sandbox is what makes the table above meaningful: a script using string.* would pass a
    // plain Lua 5.1 but fail in ArgoCD.
    const dir = mkdtempSync(join(tmpdir(), 'argocd-health-'));
    try {
      const script = join(dir, 'uses-string.lua');
      writeFileSync(script, 'return { status = string.upper("healthy"), message = "" }\n');
      await expect(runHealthScript(script, [{}])).rejects.toThrow(/string/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the argocd-cm snippet', () => {
  it('embeds exactly health.lua under the MxcpProject health key', () => {
    const cm = parse(readFileSync(join(ARGOCD, 'argocd-cm.yaml'), 'utf8')) as {
      kind: string;
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(cm.kind).toBe('ConfigMap');
    expect(cm.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    expect(Object.keys(cm.data)).toEqual([HEALTH_KEY]);
    expect(cm.data[HEALTH_KEY]).toBe(readFileSync(SCRIPT, 'utf8'));
  });
});

interface Application {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    source: { path: string };
    destination: { namespace: string };
    syncPolicy: { syncOptions: string[] };
  };
}

describe('the example Applications', () => {
  const apps = parseAllDocuments(readFileSync(join(ARGOCD, 'application.yaml'), 'utf8')).map(
    (d) => d.toJS() as Application,
  );

  it('install the operator from config/default with server-side apply', () => {
    const operator = apps.find((a) => a.metadata.name === 'mxcp-operator');
    expect(operator).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      spec: { source: { path: 'config/default' }, destination: { namespace: 'mxcp-system' } },
    });
    expect(operator?.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(readdirSync(join(REPO_ROOT, operator!.spec.source.path))).toContain('kustomization.yaml');
  });

  it('sync projects with server-side diff and tolerate a CRD that is not served yet', () => {
    const projects = apps.filter((a) => a.metadata.name !== 'mxcp-operator');
    expect(projects.length).toBeGreaterThan(0);
    for (const app of projects) {
      expect(app.kind).toBe('Application');
      expect(app.metadata.annotations?.['argocd.argoproj.io/compare-options']).toBe('ServerSideDiff=true');
      expect(app.spec.syncPolicy.syncOptions).toEqual(
        expect.arrayContaining(['ServerSideApply=true', 'SkipDryRunOnMissingResource=true']),
      );
    }
  });
});
