// Golden files: the exact objects rendered for representative CRs (and the
// user config inside their config Secret, decoded for review). Regenerate with
// UPDATE_GOLDEN=1 npx vitest run operator/src/render/golden.test.ts
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { MxcpProject } from '../api/index.js';
import { render, toYamlStream } from './index.js';

const TESTDATA = join(import.meta.dirname, 'testdata');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The folder standing in for a CR's configMapRef: testdata/<configMapRef.name>/. */
function referencedFiles(project: MxcpProject): Record<string, string> | undefined {
  const ref = project.spec.configMapRef?.name;
  if (!ref) return undefined;
  const dir = join(TESTDATA, ref);
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[relative(dir, path).split(sep).join('/')] = readFileSync(path, 'utf8');
    }
  }
  return files;
}

function compare(file: string, actual: string): void {
  const path = join(TESTDATA, file);
  if (UPDATE || !existsSync(path)) {
    writeFileSync(path, actual);
    if (!UPDATE) throw new Error(`${file} did not exist: written, check it in`);
  }
  expect(actual, `${file} differs (UPDATE_GOLDEN=1 to accept)`).toBe(readFileSync(path, 'utf8'));
}

const cases = readdirSync(TESTDATA)
  .filter((f) => f.endsWith('.cr.yaml'))
  .sort()
  .map((f) => f.replace(/\.cr\.yaml$/, ''));

describe('render golden files', () => {
  it.each(cases)('%s', (name) => {
    const project = parse(readFileSync(join(TESTDATA, `${name}.cr.yaml`), 'utf8')) as MxcpProject;
    const objects = render(project, {
      files: referencedFiles(project),
      adminToken: 'test-admin-token',
      authSigningKey: 'test-auth-signing-key',
      defaultImage: 'mxcp-worker:test',
    });
    compare(`${name}.golden.yaml`, toYamlStream(objects));
    const config = objects.find(
      (o) => o.kind === 'Secret' && o.metadata?.name?.endsWith('-config'),
    ) as V1Secret;
    compare(
      `${name}.user-config.golden.yaml`,
      Buffer.from(config.data?.['config.yml'] ?? '', 'base64').toString('utf8'),
    );
  });
});
