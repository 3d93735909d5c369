import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoints, type BoundEndpoints, type Readiness } from './http.js';
import { sumMetric as sumOf } from '../../../test/operator/prometheus.js';
import { OperatorMetrics } from './metrics.js';

let bound: BoundEndpoints | undefined;
afterEach(async () => {
  await bound?.close();
  bound = undefined;
});

async function serve(readiness: () => Readiness, metrics = new OperatorMetrics('1.2.3')) {
  bound = await startEndpoints(
    { bindAddress: '127.0.0.1', metricsPort: 0, healthPort: 0 },
    { readiness, metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }) },
  );
  return { bound, metrics };
}

describe('probe and metrics endpoints', () => {
  it('answers /healthz always and /readyz with the manager readiness and its reason', async () => {
    let state: Readiness = { ready: false, reason: 'informers not synced yet' };
    const { bound } = await serve(() => state);
    const health = await fetch(`http://127.0.0.1:${bound.healthPort}/healthz`);
    expect(health.status).toBe(200);
    const notReady = await fetch(`http://127.0.0.1:${bound.healthPort}/readyz`);
    expect([notReady.status, (await notReady.text()).trim()]).toEqual([503, 'informers not synced yet']);
    state = { ready: true, reason: 'leading, informers synced' };
    expect((await fetch(`http://127.0.0.1:${bound.healthPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${bound.healthPort}/metrics`)).status).toBe(404);
  });

  it('exposes reconcile counts, errors, durations, queue depth, watch restarts and leadership', async () => {
    const { bound, metrics } = await serve(() => ({ ready: true, reason: 'ok' }));
    metrics.reconciled('success', 0.02);
    metrics.reconciled('success', 0.03);
    metrics.reconciled('error', 1.5);
    metrics.reconciled('requeue', 0.01);
    metrics.queueDepth(7);
    metrics.watchRestarted('mxcpprojects');
    metrics.setLeader(true);
    const res = await fetch(`http://127.0.0.1:${bound.metricsPort}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(sumOf(text, 'mxcp_operator_reconcile_total', { result: 'success' })).toBe(2);
    expect(sumOf(text, 'mxcp_operator_reconcile_total', { result: 'requeue' })).toBe(1);
    expect(sumOf(text, 'mxcp_operator_reconcile_errors_total')).toBe(1);
    expect(sumOf(text, 'mxcp_operator_reconcile_duration_seconds_count')).toBe(4);
    expect(sumOf(text, 'mxcp_operator_reconcile_duration_seconds_bucket', { result: 'error', le: '1' })).toBe(
      0,
    );
    expect(
      sumOf(text, 'mxcp_operator_reconcile_duration_seconds_bucket', { result: 'error', le: '2.5' }),
    ).toBe(1);
    expect(sumOf(text, 'mxcp_operator_workqueue_depth')).toBe(7);
    expect(sumOf(text, 'mxcp_operator_watch_restarts_total', { resource: 'mxcpprojects' })).toBe(1);
    expect(sumOf(text, 'mxcp_operator_leader')).toBe(1);
    expect(sumOf(text, 'mxcp_operator_build_info', { version: '1.2.3' })).toBe(1);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('keeps each operator metrics in its own registry', async () => {
    const a = new OperatorMetrics();
    const b = new OperatorMetrics();
    a.reconciled('success', 0.1);
    expect(sumOf(await b.render(), 'mxcp_operator_reconcile_total', { result: 'success' })).toBe(0);
    expect(sumOf(await a.render(), 'mxcp_operator_reconcile_total', { result: 'success' })).toBe(1);
  });

  it('serves all three paths from one server when both ports are the same', async () => {
    const probe = await startEndpoints(
      { bindAddress: '127.0.0.1', metricsPort: 0, healthPort: 0 },
      {
        readiness: () => ({ ready: true, reason: 'ok' }),
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
      },
    );
    const port = probe.healthPort;
    await probe.close();
    bound = await startEndpoints(
      { bindAddress: '127.0.0.1', metricsPort: port, healthPort: port },
      {
        readiness: () => ({ ready: true, reason: 'ok' }),
        metrics: async () => ({ contentType: 'text/plain', body: 'm 1\n' }),
      },
    );
    expect(bound.metricsPort).toBe(port);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
