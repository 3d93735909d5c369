// Writes crds/mxcp.dev_mxcpprojects.yaml and docs/crd.md from the TypeBox
// schema in operator/src/api (the one source of truth), and the copy of the CRD
// in config/crd/bases (kustomize loads no file above a kustomization's root), and the Helm chart's
// CRD template (test/install/helm-chart-crd.ts says why it is a template).
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CRD_FILE, renderCrdMarkdown, renderCrdYaml } from '../../operator/src/api/index.js';
import { CHART_CRD_TEMPLATE, renderChartCrdTemplate } from '../install/helm-chart-crd.js';

const root = join(import.meta.dirname, '../..');
for (const [file, text] of [
  [CRD_FILE, renderCrdYaml()],
  [join('config/crd/bases', basename(CRD_FILE)), renderCrdYaml()],
  ['docs/crd.md', renderCrdMarkdown()],
  [CHART_CRD_TEMPLATE, renderChartCrdTemplate(renderCrdYaml())],
] as const) {
  writeFileSync(join(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
