// config/crd/bases holds a copy of the generated CRD (kustomize loads no file above a
// kustomization's folder); `npm run generate` writes it next to crds/. These fail when it is stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_FILE, renderCrdYaml } from '../../operator/src/api/index.js';
import { CRD_ANNOTATIONS } from '../../operator/src/api/crd.js';
import { REPO_ROOT } from './kubectl-support.js';

const KUSTOMIZE_COPY = 'config/crd/bases/mxcp.dev_mxcpprojects.yaml';

describe('the CRD in config/crd/bases', () => {
  it('is what `npm run generate` writes from operator/src/api (run it after an API change)', () => {
    expect(readFileSync(join(REPO_ROOT, KUSTOMIZE_COPY), 'utf8')).toBe(renderCrdYaml());
  });

  it('is byte-identical to crds/, so every install path applies the same CRD', () => {
    expect(readFileSync(join(REPO_ROOT, KUSTOMIZE_COPY), 'utf8')).toBe(
      readFileSync(join(REPO_ROOT, CRD_FILE), 'utf8'),
    );
  });

  it('asks ArgoCD for server-side apply', () => {
    const crd = parse(readFileSync(join(REPO_ROOT, KUSTOMIZE_COPY), 'utf8')) as {
      metadata: { annotations: Record<string, string> };
    };
    expect(crd.metadata.annotations).toEqual(CRD_ANNOTATIONS);
    expect(crd.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('ServerSideApply=true');
  });
});
