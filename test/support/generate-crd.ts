// Writes crds/mxcp.dev_mxcpprojects.yaml and docs/crd.md from the TypeBox
// schema in operator/src/api (the one source of truth).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_FILE, renderCrdMarkdown, renderCrdYaml } from '../../operator/src/api/index.js';

const root = join(import.meta.dirname, '../..');
for (const [file, text] of [
  [CRD_FILE, renderCrdYaml()],
  ['docs/crd.md', renderCrdMarkdown()],
] as const) {
  writeFileSync(join(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
