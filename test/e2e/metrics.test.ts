// /metrics and readiness of a real `mxcp serve` (test/fixtures/production, audit on): after MCP
// calls the Prometheus text has the request counters with their labels, the duration histogram,
// DuckDB query counts, mxcp_up and, after a SIGHUP, mxcp_reloads_total{status="success"}; the
// same text is served on --metrics-port and on the admin port. /ready turns 503 while the audit
// directory cannot be written (replaced by a file), recovers once it can, and loses no record.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, startServe, type RunningServer } from '../support/mxcp.js';

const TOKEN = 'metrics-admin-token';

/** The samples of a Prometheus text exposition: name, labels and value per line. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

describe('mxcp serve metrics and readiness', () => {
  let project: ReturnType<typeof copyProject>;
  let server: RunningServer;
  let metricsUrl: string;
  let admin: string;
  let client: Client;

  const scrape = async (url = metricsUrl) => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parseMetrics(await response.text());
  };
  const lookup = (n: number) => client.callTool({ name: 'lookup', arguments: { n } });
  const ready = async (base: string) => (await fetch(`${base}/ready`)).status;
  const mcpBase = () => server.url.replace(/\/mcp$/, '');

  beforeAll(async () => {
    project = copyProject('test/fixtures/production');
    const tokenFile = join(dirname(project.dir), 'admin-token');
    writeFileSync(tokenFile, TOKEN);
    server = await startServe(
      project.dir,
      [
        '--metrics-port',
        '0',
        '--admin-port',
        '0',
        '--admin-host',
        '127.0.0.1',
        '--admin-token-file',
        tokenFile,
      ],
      { MXCP_CONFIG: join(project.dir, 'user-config.yml') },
    );
    const metrics = /Metrics listening on (http:\/\/\S+)/.exec(server.output());
    const adminAddress = /Admin API listening on (http:\/\/\S+)/.exec(server.output());
    if (!metrics || !adminAddress) throw new Error(`listener addresses missing:\n${server.output()}`);
    metricsUrl = metrics[1];
    admin = adminAddress[1];
    client = new Client({ name: 'metrics-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)) as Transport);
  });

  afterAll(async () => {
    await client?.close();
    if (server) expect(await server.stop()).toBe(0);
    project?.cleanup();
  });

  it('counts calls by endpoint, type, status and policy decision, with a duration histogram', async () => {
    for (const n of [1, 2, 3, 4, 5]) expect((await lookup(n)).isError).toBeFalsy();
    expect((await lookup(990)).isError).toBe(true);
    expect((await client.callTool({ name: 'no_such_tool', arguments: {} })).isError).toBe(true);
    const samples = await scrape();

    const tool = { endpoint: 'lookup', type: 'tool' };
    expect(total(samples, 'mxcp_endpoint_requests_total', { ...tool, status: 'success' })).toBe(5);
    expect(total(samples, 'mxcp_endpoint_requests_total', { ...tool, status: 'error' })).toBe(1);
    expect(find(samples, 'mxcp_endpoint_requests_total', { ...tool, status: 'success' })[0].labels).toEqual({
      ...tool,
      status: 'success',
      caller: 'http',
      policy_decision: 'warn', // the output policy masked a field
    });
    expect(
      total(samples, 'mxcp_endpoint_requests_total', { ...tool, status: 'error', policy_decision: 'deny' }),
    ).toBe(1);
    // A name the server does not know is counted under one bounded label, not under its own name.
    expect(total(samples, 'mxcp_endpoint_requests_total', { endpoint: 'unknown', status: 'error' })).toBe(1);
    expect(find(samples, 'mxcp_endpoint_requests_total', { endpoint: 'no_such_tool' })).toEqual([]);
    expect(total(samples, 'mxcp_endpoint_errors_total', tool)).toBe(1);
    expect(total(samples, 'mxcp_policy_denials_total', { type: 'input' })).toBe(1);

    // The histogram: a count, a sum and cumulative buckets ending in +Inf.
    const success = { ...tool, status: 'success' };
    expect(total(samples, 'mxcp_endpoint_duration_seconds_count', success)).toBe(5);
    expect(total(samples, 'mxcp_endpoint_duration_seconds_sum', success)).toBeGreaterThan(0);
    const buckets = find(samples, 'mxcp_endpoint_duration_seconds_bucket', success);
    expect(buckets.length).toBeGreaterThan(5);
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: 5 });
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));

    // DuckDB ran a SELECT for each call that got past the input policy.
    expect(
      total(samples, 'mxcp_duckdb_queries_total', { operation: 'select', status: 'success' }),
    ).toBeGreaterThanOrEqual(5);
    expect(find(samples, 'mxcp_up')).toEqual([
      {
        name: 'mxcp_up',
        labels: expect.objectContaining({
          profile: 'default',
          project: 'production',
          transport: 'streamable-http',
        }),
        value: 1,
      },
    ]);
    expect(find(samples, 'mxcp_process_resident_memory_bytes')).toHaveLength(1);
  });

  it('the admin port serves the same metrics', async () => {
    const samples = await scrape(`${admin}/metrics`);
    expect(total(samples, 'mxcp_endpoint_requests_total', { endpoint: 'lookup', status: 'success' })).toBe(5);
    expect(find(samples, 'mxcp_up')).toHaveLength(1);
  });

  it('counts a SIGHUP reload as mxcp_reloads_total{status="success"}', async () => {
    expect(total(await scrape(), 'mxcp_reloads_total')).toBe(0);
    const status = (await (
      await fetch(`${admin}/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { pid: number };
    process.kill(status.pid, 'SIGHUP');
    await expect
      .poll(
        async () => total(await scrape(), 'mxcp_reloads_total', { status: 'success', profile: 'default' }),
        {
          timeout: 30_000,
          interval: 200,
        },
      )
      .toBe(1);
    expect(total(await scrape(), 'mxcp_reloads_total', { status: 'error' })).toBe(0);
    // The reloaded engine is counted under the same series.
    expect((await lookup(6)).isError).toBeFalsy();
    expect(
      total(await scrape(), 'mxcp_endpoint_requests_total', { endpoint: 'lookup', status: 'success' }),
    ).toBe(6);
  });

  it('/ready turns 503 while the audit directory cannot be written, then recovers without losing a record', async () => {
    const auditDir = join(project.dir, 'audit');
    await expect.poll(async () => total(await scrape(), 'mxcp_audit_records_written_total')).toBe(8);
    expect(await ready(mcpBase())).toBe(200);

    // The directory is replaced by a plain file: the next write cannot land.
    renameSync(auditDir, `${auditDir}.moved`);
    writeFileSync(auditDir, 'not a directory');
    expect((await lookup(7)).isError).toBeFalsy(); // an audit failure never fails the call
    await expect.poll(() => ready(mcpBase()), { timeout: 30_000, interval: 200 }).toBe(503);
    expect(await ready(admin)).toBe(503);
    const failing = await scrape();
    expect(total(failing, 'mxcp_audit_write_failures_total')).toBeGreaterThan(0);
    expect(total(failing, 'mxcp_audit_queue_depth')).toBe(1);
    expect((await fetch(`${mcpBase()}/health`)).status).toBe(200); // alive, just not ready

    rmSync(auditDir);
    mkdirSync(auditDir);
    await expect.poll(() => ready(mcpBase()), { timeout: 45_000, interval: 250 }).toBe(200);
    expect(await ready(admin)).toBe(200);
    const recovered = await scrape();
    expect(total(recovered, 'mxcp_audit_records_dropped_total')).toBe(0);
    expect(total(recovered, 'mxcp_audit_queue_depth')).toBe(0);
    expect(total(recovered, 'mxcp_audit_records_written_total')).toBe(9);
    // The record of the call made during the outage is in a new segment.
    const lines = readdirSync(auditDir)
      .filter((f) => /^logs-default-.+\.jsonl$/.test(f))
      .flatMap((f) => readFileSync(join(auditDir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { input_data: { n?: number } });
    expect(lines.map((l) => l.input_data.n)).toEqual([7]);
  });
});
