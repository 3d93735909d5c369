// `mxcp-operator render`: a YAML stream of the objects for a CR file, the
// placeholder admin token, --files-dir for configMapRef projects, and
// problems printed as `error:` lines with exit code 1.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PLACEHOLDER_ADMIN_TOKEN, renderCommand } from './render.js';

const run = promisify(execFile);
const REPO_ROOT = join(import.meta.dirname, '../../..');
const TESTDATA = join(import.meta.dirname, '../render/testdata');
const tmp = mkdtempSync(join(tmpdir(), 'mxcp-render-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const kinds = (stream: string) => parseAllDocuments(stream).map((d) => (d.toJS() as { kind: string }).kind);

describe('mxcp-operator render', () => {
  it('prints the objects of a CR as a YAML stream with a placeholder admin token', async () => {
    const { stdout } = await run(
      'npx',
      [
        'tsx',
        'operator/src/cli/main.ts',
        'render',
        '-f',
        join(TESTDATA, 'minimal.cr.yaml'),
        '--image',
        'img:9',
      ],
      {
        cwd: REPO_ROOT,
      },
    );
    expect(kinds(stdout)).toEqual(['ConfigMap', 'Secret', 'Secret', 'Service', 'Deployment']);
    expect(stdout).toContain('image: img:9');
    expect(stdout).toContain(Buffer.from(PLACEHOLDER_ADMIN_TOKEN).toString('base64'));
  });

  it('prints every problem as an error line and exits 1', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(
      file,
      'apiVersion: mxcp.dev/v1alpha1\nkind: MxcpProject\nmetadata: {name: Bad_Name}\nspec:\n  replicas: 2\n  duckdb: {mode: persistent}\n  files: {"mxcp-site.yml": "project: x\\nprofile: p\\n"}\n',
    );
    const failure = await run('npx', ['tsx', 'operator/src/cli/main.ts', 'render', '-f', file], {
      cwd: REPO_ROOT,
    }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    const lines = (failure as { stderr: string }).stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(lines).toEqual([
      'error: metadata.name: must be a DNS-1035 label (lower case letters, digits, -)',
      'error: spec.replicas: a read-write persistent DuckDB allows one replica: use duckdb.mode readonly or ephemeral for more',
    ]);
  });

  it('takes the files of a configMapRef project from --files-dir', () => {
    const file = join(TESTDATA, 'configmap-secrets-auth.cr.yaml');
    expect(() => renderCommand({ file })).toThrow(/--files-dir/);
    const stream = renderCommand({ file, filesDir: join(TESTDATA, 'sales-project') });
    // Config, admin token and (GitHub login without encryptionKeySecretRef) the auth keys.
    expect(kinds(stream)).toEqual(['ConfigMap', 'Secret', 'Secret', 'Secret', 'Service', 'Deployment']);
    expect(stream).toContain('tools__top_customers.yml');
    expect(stream).toContain('name: sales-auth-keys');
  });

  it('renders every MxcpProject of a multi-document file', () => {
    const file = join(tmp, 'two.yaml');
    const one =
      'apiVersion: mxcp.dev/v1alpha1\nkind: MxcpProject\nmetadata: {name: NAME}\nspec:\n  files: {"mxcp-site.yml": "project: x\\nprofile: p\\n"}\n';
    writeFileSync(file, one.replace('NAME', 'one') + '---\n' + one.replace('NAME', 'two'));
    const names = parseAllDocuments(renderCommand({ file }))
      .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
      .filter((o) => o.kind === 'Deployment')
      .map((o) => o.metadata.name);
    expect(names).toEqual(['one', 'two']);
  });
});
