import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../db/database.js';
import { MxcpMetrics, metricsHandler } from './metrics.js';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function metrics(): MxcpMetrics {
  return new MxcpMetrics({ processMetrics: false });
}

describe('MxcpMetrics', () => {
  it('keeps each instance on its own registry, so two servers in one process never collide', async () => {
    const a = metrics();
    const b = metrics();
    a.recordReload('success', 'prod');
    expect(await a.text()).toContain('mxcp_reloads_total{status="success",profile="prod"} 1');
    expect(await b.text()).not.toContain('mxcp_reloads_total{');
  });

  it('reports mxcp_up with version, profile, project and transport, replacing old labels', async () => {
    const m = metrics();
    m.markUp({ version: '1.0.0', profile: 'dev', project: 'demo', transport: 'streamable-http' });
    m.markUp({ version: '1.0.0', profile: 'prod', project: 'demo', transport: 'streamable-http' });
    const text = await m.text();
    expect(text).toContain(
      'mxcp_up{version="1.0.0",profile="prod",project="demo",transport="streamable-http"} 1',
    );
    expect(text).not.toContain('profile="dev"');
  });

  it('reads the audit writer stats at scrape time', async () => {
    const m = metrics();
    let stats = { written: 3, dropped: 0, failures: 1, queued: 7 };
    m.setAuditStats(() => stats);
    let text = await m.text();
    expect(text).toContain('mxcp_audit_records_written_total 3');
    expect(text).toContain('mxcp_audit_write_failures_total 1');
    expect(text).toContain('mxcp_audit_queue_depth 7');
    stats = { written: 10, dropped: 2, failures: 1, queued: 0 };
    text = await m.text();
    expect(text).toContain('mxcp_audit_records_written_total 10');
    expect(text).toContain('mxcp_audit_records_dropped_total 2');
    expect(text).toContain('mxcp_audit_queue_depth 0');
  });

  it('counts DuckDB queries by operation and outcome when passed as the database observer', async () => {
    const m = metrics();
    const dir = mkdtempSync(join(tmpdir(), 'mxcp-metrics-'));
    const db = await Database.open({ path: join(dir, 'db.duckdb'), readonly: false, observer: m.duckdb });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => db.close());

    await db.exec('CREATE TABLE t (x INTEGER)');
    await db.query('INSERT INTO t VALUES ($x)', { x: 1 });
    await db.query('SELECT * FROM t');
    await db.query('-- a comment\nWITH a AS (SELECT 1) SELECT * FROM a');
    await expect(db.query('SELECT * FROM missing_table')).rejects.toThrow();

    const text = await m.text();
    expect(text).toContain('mxcp_duckdb_queries_total{operation="create",status="success"} 1');
    expect(text).toContain('mxcp_duckdb_queries_total{operation="insert",status="success"} 1');
    expect(text).toContain('mxcp_duckdb_queries_total{operation="select",status="success"} 2');
    expect(text).toContain('mxcp_duckdb_queries_total{operation="select",status="error"} 1');
    expect(text).toContain('mxcp_duckdb_concurrent_executions{operation="select"} 0');
  });

  it('adds Node process metrics with the mxcp_ prefix when asked', async () => {
    const m = new MxcpMetrics();
    const text = await m.text();
    expect(text).toMatch(/^mxcp_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^mxcp_nodejs_heap_size_used_bytes /m);
  });
});

describe('metricsHandler', () => {
  it('serves the Prometheus text format on GET /metrics', async () => {
    const m = metrics();
    m.recordPolicyDenial('input', 'Blocked user');
    const app = express();
    app.get('/metrics', metricsHandler(m.registry));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('# TYPE mxcp_endpoint_duration_seconds histogram');
    expect(body).toContain('mxcp_policy_denials_total{type="input",reason="Blocked user"} 1');
  });
});
