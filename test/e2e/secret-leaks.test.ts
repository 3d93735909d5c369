// Secret values never leave the process: a real `mxcp serve` (debug logging, audit on, admin API)
// resolves user-config secrets from file:// and ${ENV}, serves calls (one failing), reloads with a
// rotated value, fails a reload, and shuts down; then every byte it printed, every admin response,
// every audit segment and the output of `mxcp log` / `mxcp run --debug` are searched for the values.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMxcp, startServe, type RunningServer } from '../support/mxcp.js';

const FILE_SECRET = 'file-secret-Q7v41ue93kd';
const ROTATED_FILE_SECRET = 'rotated-secret-Z2m8wq5pt';
const ENV_SECRET = 'env-secret-X4v41ue77xq';
const SECRET_VALUES = [FILE_SECRET, ROTATED_FILE_SECRET, ENV_SECRET];
const TOKEN = 'leak-test-admin-token';

interface Fixture {
  root: string;
  dir: string;
  secretFile: string;
  userConfig: string;
  tokenFile: string;
}

function createFixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-leaks-'));
  const f: Fixture = {
    root,
    dir: join(root, 'project'),
    secretFile: join(root, 'secrets', 'token'),
    userConfig: join(root, 'config.yml'),
    tokenFile: join(root, 'admin-token'),
  };
  mkdirSync(join(f.dir, 'tools'), { recursive: true });
  mkdirSync(join(root, 'secrets'));
  writeFileSync(
    join(f.dir, 'mxcp-site.yml'),
    'mxcp: 1\nproject: leaks\nprofile: default\nprofiles:\n  default:\n    audit:\n      enabled: true\n      path: audit/logs.jsonl\n',
  );
  writeFileSync(
    join(f.dir, 'tools', 'count_secrets.yml'),
    'mxcp: 1\ntool:\n  name: count_secrets\n  description: How many DuckDB secrets exist\n  return:\n    type: integer\n  source:\n    code: SELECT count(*)::INTEGER FROM duckdb_secrets()\n',
  );
  writeFileSync(
    join(f.dir, 'tools', 'explode.yml'),
    "mxcp: 1\ntool:\n  name: explode\n  description: Always fails\n  return:\n    type: integer\n  source:\n    code: SELECT error('deliberate failure')::INTEGER\n",
  );
  writeFileSync(f.secretFile, FILE_SECRET);
  writeFileSync(f.tokenFile, TOKEN);
  writeUserConfig(f, `file://${f.secretFile}`);
  return f;
}

function writeUserConfig(f: Fixture, tokenRef: string): void {
  writeFileSync(
    f.userConfig,
    [
      'mxcp: 1',
      'projects:',
      '  leaks:',
      '    profiles:',
      '      default:',
      '        secrets:',
      '          - name: api',
      '            type: http',
      '            parameters:',
      `              BEARER_TOKEN: "${tokenRef}"`,
      '          - name: proxy',
      '            type: http',
      '            parameters:',
      '              HTTP_PROXY: "http://proxy.internal:3128"',
      '              HTTP_PROXY_PASSWORD: "${LEAK_ENV_SECRET}"',
      '',
    ].join('\n'),
  );
}

describe('secret values never appear in output', () => {
  let f: Fixture;
  let server: RunningServer;
  const seen: string[] = [];

  const env = () => ({ MXCP_CONFIG: f.userConfig, LEAK_ENV_SECRET: ENV_SECRET });
  const adminUrl = () => /Admin API listening on (http:\/\/\S+)/.exec(server.output())![1];
  const admin = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${adminUrl()}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
    const text = await res.text();
    seen.push(text);
    return { status: res.status, text };
  };

  beforeAll(async () => {
    f = createFixture();
    server = await startServe(
      f.dir,
      ['--debug', '--admin-port', '0', '--admin-host', '127.0.0.1', '--admin-token-file', f.tokenFile],
      env(),
    );
  });

  afterAll(() => {
    if (f) rmSync(f.root, { recursive: true, force: true });
  });

  it('serves, reloads and stops without printing, auditing or returning a secret', async () => {
    const client = new Client({ name: 'leaks', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
    const counted = await client.callTool({ name: 'count_secrets', arguments: {} });
    seen.push(JSON.stringify(counted));
    expect((counted as { structuredContent?: { result?: number } }).structuredContent?.result).toBe(2);
    const failed = await client.callTool({ name: 'explode', arguments: {} });
    seen.push(JSON.stringify(failed));
    expect(failed.isError).toBe(true);

    for (const path of ['/admin/status', '/admin/config', '/admin/endpoints']) {
      expect((await admin(path)).status).toBe(200);
    }
    // A rotated secret is picked up by a reload ...
    writeFileSync(f.secretFile, ROTATED_FILE_SECRET);
    expect((await admin('/admin/reload', { method: 'POST', body: '{}' })).status).toBe(200);
    // ... and a reload that fails (the file is gone) reports the reference, not a value.
    writeUserConfig(f, `file://${f.secretFile}.missing`);
    const broken = await admin('/admin/reload', { method: 'POST', body: '{}' });
    expect(broken.status).toBe(500);
    expect(broken.text).toContain('.missing');
    writeUserConfig(f, `file://${f.secretFile}`);

    const afterReload = await client.callTool({ name: 'count_secrets', arguments: {} });
    seen.push(JSON.stringify(afterReload));
    await client.close();
    expect(await server.stop()).toBe(0);
    seen.push(server.output());

    const auditDir = join(f.dir, 'audit');
    const segments = readdirSync(auditDir).filter((name) => name.endsWith('.jsonl'));
    expect(segments.length).toBeGreaterThan(0);
    const audit = segments.map((name) => readFileSync(join(auditDir, name), 'utf8')).join('\n');
    expect(audit).toContain('count_secrets');
    seen.push(audit);

    const log = await runMxcp(['log', '--json', '--limit', '1000'], { cwd: f.dir, env: env() });
    expect(log.code).toBe(0);
    seen.push(log.stdout, log.stderr);
    const run = await runMxcp(['run', 'tool', 'count_secrets', '--debug'], { cwd: f.dir, env: env() });
    expect(run.code).toBe(0);
    seen.push(run.stdout, run.stderr);

    const everything = seen.join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    for (const value of SECRET_VALUES) expect(everything).not.toContain(value);
  });
});
