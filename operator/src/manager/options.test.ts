import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addRunOptions, toOperatorOptions, type OperatorOptions } from './options.js';

function parse(argv: string[], env: Record<string, string> = {}): OperatorOptions {
  const saved = { ...process.env };
  // commander reads Option.env() values from process.env at parse time.
  for (const key of [
    'WATCH_NAMESPACE',
    'MXCP_WORKER_IMAGE',
    'METRICS_PORT',
    'HEALTH_PORT',
    'LEADER_ELECT',
    'POD_NAMESPACE',
    'LOG_LEVEL',
  ])
    delete process.env[key];
  Object.assign(process.env, env);
  try {
    const command = addRunOptions(new Command('run').exitOverride().configureOutput({ writeErr: () => {} }));
    command.parse(argv, { from: 'user' });
    return toOperatorOptions(command.opts() as Parameters<typeof toOperatorOptions>[0], process.env);
  } finally {
    process.env = saved;
  }
}

describe('operator options', () => {
  it('defaults to all namespaces, leader election on, metrics 8080 and probes 8081', () => {
    const o = parse([]);
    expect(o.namespace).toBeUndefined();
    expect(o.leaderElect).toBe(true);
    expect(o.metricsPort).toBe(8080);
    expect(o.healthPort).toBe(8081);
    expect(o.leaderElectionId).toBe('mxcp-operator');
    expect([o.leaseDurationMs, o.renewDeadlineMs, o.retryPeriodMs]).toEqual([15_000, 10_000, 2_000]);
    expect(o.defaultImage).toMatch(/mxcp-worker/);
  });

  it('reads the environment when a flag is absent, and a flag wins over it', () => {
    const env = {
      WATCH_NAMESPACE: 'team-a',
      MXCP_WORKER_IMAGE: 'example/worker:1',
      METRICS_PORT: '9090',
      LEADER_ELECT: 'false',
    };
    const fromEnv = parse([], env);
    expect([fromEnv.namespace, fromEnv.defaultImage, fromEnv.metricsPort, fromEnv.leaderElect]).toEqual([
      'team-a',
      'example/worker:1',
      9090,
      false,
    ]);
    const flagged = parse(['--namespace', 'team-b', '--metrics-port', '9191', '--leader-elect'], env);
    expect([flagged.namespace, flagged.metricsPort, flagged.leaderElect]).toEqual(['team-b', 9191, true]);
  });

  it('puts the Lease in POD_NAMESPACE, else the watched namespace', () => {
    expect(parse([], { POD_NAMESPACE: 'mxcp-system' }).leaderElectionNamespace).toBe('mxcp-system');
    expect(parse(['--namespace', 'team-a']).leaderElectionNamespace).toBe('team-a');
    expect(
      parse(['--leader-election-namespace', 'ops'], { POD_NAMESPACE: 'x' }).leaderElectionNamespace,
    ).toBe('ops');
  });

  it('turns leader election off with --no-leader-elect or --leader-elect=false', () => {
    expect(parse(['--no-leader-elect']).leaderElect).toBe(false);
    expect(parse(['--leader-elect=false']).leaderElect).toBe(false);
  });

  it('rejects timings client-go would reject and malformed values', () => {
    expect(() => parse(['--lease-duration', '5', '--renew-deadline', '5'])).toThrow(
      /--lease-duration must exceed/,
    );
    expect(() => parse(['--renew-deadline', '2', '--retry-period', '2', '--lease-duration', '3'])).toThrow(
      /1.2/,
    );
    expect(() => parse(['--metrics-port', '70000'])).toThrow(/port/);
    expect(() => parse(['--workers', '0'])).toThrow(/positive integer/);
    expect(() => parse(['--log-level', 'loud'])).toThrow();
  });
});
