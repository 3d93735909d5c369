// The documented way to add the health check to a running ArgoCD: merging config/argocd/argocd-cm.yaml
// into the existing argocd-cm with `kubectl patch`, which keeps the keys already there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_HOOK_TIMEOUT_MS, testCluster } from '../cluster/namespace.js';
import { REPO_ROOT, kubectl } from './kubectl-support.js';

const HEALTH_KEY = 'resource.customizations.health.mxcp.dev_MxcpProject';
// The snippet names the argocd namespace, as ArgoCD installs use; the test creates and removes it.
const ARGOCD_NAMESPACE = 'argocd';

let kubeconfig: string;
let created = false;

beforeAll(async () => {
  kubeconfig = (await testCluster()).kubeconfigPath;
}, CLUSTER_HOOK_TIMEOUT_MS);

afterAll(async () => {
  if (created) await kubectl(['delete', 'namespace', ARGOCD_NAMESPACE, '--wait=false'], { kubeconfig });
});

describe('kubectl patch with config/argocd/argocd-cm.yaml', { timeout: 120_000 }, () => {
  it('adds the MxcpProject health check to an existing argocd-cm and keeps its other keys', async () => {
    await kubectl(['create', 'namespace', ARGOCD_NAMESPACE], { kubeconfig });
    created = true;
    await kubectl(
      [
        '-n',
        ARGOCD_NAMESPACE,
        'create',
        'configmap',
        'argocd-cm',
        '--from-literal=url=https://argocd.example.com',
      ],
      { kubeconfig },
    );
    await kubectl(
      [
        '-n',
        ARGOCD_NAMESPACE,
        'patch',
        'configmap',
        'argocd-cm',
        '--type',
        'merge',
        '--patch-file',
        'config/argocd/argocd-cm.yaml',
      ],
      { kubeconfig },
    );
    const cm = JSON.parse(
      await kubectl(['-n', ARGOCD_NAMESPACE, 'get', 'configmap', 'argocd-cm', '-o', 'json'], { kubeconfig }),
    ) as { data: Record<string, string> };
    expect(Object.keys(cm.data).sort()).toEqual([HEALTH_KEY, 'url']);
    expect(cm.data.url).toBe('https://argocd.example.com');
    expect(cm.data[HEALTH_KEY]).toBe(readFileSync(join(REPO_ROOT, 'config/argocd/health.lua'), 'utf8'));
  });
});
