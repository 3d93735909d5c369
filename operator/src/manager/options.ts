// The operator process's settings: the `run` command's flags, each with an environment variable
// fallback (flag > env > default), so a Deployment can use either. Parsing and validation only; the
// manager (manager.ts) acts on them.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_WORKER_IMAGE } from '../cli/render.js';

export const DEFAULT_LEASE_NAME = 'mxcp-operator';
const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface OperatorOptions {
  /** Watch only this namespace; undefined = all namespaces (needs the ClusterRole). */
  namespace?: string;
  /** Worker image for projects without spec.image. */
  defaultImage: string;
  /** Address the HTTP servers bind to. */
  bindAddress: string;
  /** Port of /metrics; 0 picks a free one (logged). Equal to healthPort = one server for all three paths. */
  metricsPort: number;
  /** Port of /healthz and /readyz; 0 picks a free one (logged). */
  healthPort: number;
  leaderElect: boolean;
  /** Namespace of the Lease. */
  leaderElectionNamespace: string;
  /** Name of the Lease. */
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Concurrent reconciles; undefined = the controller's default. */
  workers?: number;
  /** Re-deliver every cached project this often; undefined = the controller's default. */
  resyncPeriodMs?: number;
  /** Label selector of the user Secrets watched for hot reload ('' = every Secret). */
  secretLabelSelector: string;
  /** How long a worker pod may take to acknowledge a new secrets hash before it is replaced. */
  reloadTimeoutMs: number;
  /** Admin calls to worker pods in flight at once. */
  reloadConcurrency: number;
  kubeconfig?: string;
  context?: string;
  logLevel: LogLevel;
  /** How long SIGTERM may take (drain in-flight reconciles, release the Lease) before exiting anyway. */
  shutdownTimeoutMs: number;
}

function positiveInt(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
    return n;
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port (0-65535)');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function bool(value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new InvalidArgumentError('must be true or false');
}

/** The `run` command's options (shared by `mxcp-operator run` and the bare process entry). */
export function addRunOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--namespace <name>', 'watch only this namespace (default: all namespaces)').env(
        'WATCH_NAMESPACE',
      ),
    )
    .addOption(
      new Option('--default-image <image>', 'worker image for projects without spec.image')
        .env('MXCP_WORKER_IMAGE')
        .default(DEFAULT_WORKER_IMAGE),
    )
    .addOption(
      new Option('--bind-address <address>', 'address of the metrics and probe servers')
        .env('BIND_ADDRESS')
        .default('0.0.0.0'),
    )
    .addOption(
      new Option('--metrics-port <port>', 'port of /metrics (0: any free port)')
        .env('METRICS_PORT')
        .argParser(port)
        .default(8080),
    )
    .addOption(
      new Option('--health-port <port>', 'port of /healthz and /readyz (0: any free port)')
        .env('HEALTH_PORT')
        .argParser(port)
        .default(8081),
    )
    .addOption(
      new Option('--leader-elect [bool]', 'run only while holding the Lease (default true)')
        .env('LEADER_ELECT')
        .argParser(bool),
    )
    .addOption(new Option('--no-leader-elect', 'reconcile without leader election (one replica only)'))
    .addOption(
      new Option(
        '--leader-election-namespace <name>',
        "namespace of the Lease (default: POD_NAMESPACE, the pod's own namespace, --namespace, or default)",
      ).env('LEADER_ELECTION_NAMESPACE'),
    )
    .addOption(
      new Option('--leader-election-id <name>', 'name of the Lease')
        .env('LEADER_ELECTION_ID')
        .default(DEFAULT_LEASE_NAME),
    )
    .addOption(
      new Option('--lease-duration <seconds>', 'how long a candidate waits before taking an unrenewed Lease')
        .argParser(seconds)
        .default(15),
    )
    .addOption(
      new Option('--renew-deadline <seconds>', 'the leader steps down if it could not renew for this long')
        .argParser(seconds)
        .default(10),
    )
    .addOption(
      new Option('--retry-period <seconds>', 'interval of Lease renewals and acquisition attempts')
        .argParser(seconds)
        .default(2),
    )
    .addOption(
      new Option('--workers <n>', 'concurrent reconciles')
        .env('MXCP_OPERATOR_WORKERS')
        .argParser(positiveInt('--workers')),
    )
    .addOption(
      new Option('--resync-period <seconds>', 're-check every project this often').argParser(seconds),
    )
    .addOption(
      new Option(
        '--secret-label-selector <selector>',
        "user Secrets watched for hot reload ('' watches every Secret; others are read at resync)",
      )
        .env('MXCP_SECRET_LABEL_SELECTOR')
        .default('mxcp.dev/watch=true'),
    )
    .addOption(
      new Option(
        '--reload-timeout <seconds>',
        'how long a worker pod may take to load rotated Secrets before it is replaced',
      )
        .env('MXCP_RELOAD_TIMEOUT')
        .argParser(seconds)
        .default(300),
    )
    .addOption(
      new Option('--reload-concurrency <n>', 'admin calls to worker pods in flight at once')
        .env('MXCP_RELOAD_CONCURRENCY')
        .argParser(positiveInt('--reload-concurrency'))
        .default(16),
    )
    .addOption(
      new Option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)'),
    )
    .addOption(new Option('--context <name>', 'kubeconfig context'))
    .addOption(
      new Option('--log-level <level>', 'log level')
        .env('LOG_LEVEL')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .addOption(
      new Option('--shutdown-timeout <seconds>', 'longest graceful shutdown before exiting anyway')
        .argParser(seconds)
        .default(25),
    );
}

interface RunFlags {
  namespace?: string;
  defaultImage: string;
  bindAddress: string;
  metricsPort: number;
  healthPort: number;
  leaderElect?: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  leaseDuration: number;
  renewDeadline: number;
  retryPeriod: number;
  workers?: number;
  resyncPeriod?: number;
  secretLabelSelector: string;
  reloadTimeout: number;
  reloadConcurrency: number;
  kubeconfig?: string;
  context?: string;
  logLevel: LogLevel;
  shutdownTimeout: number;
}

/** The namespace this pod runs in, when it runs in one. */
function ownNamespace(env: NodeJS.ProcessEnv): string | undefined {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Turns parsed flags into options; throws an Error with a printable message when they conflict. */
export function toOperatorOptions(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): OperatorOptions {
  const leaseDurationMs = Math.round(flags.leaseDuration * 1000);
  const renewDeadlineMs = Math.round(flags.renewDeadline * 1000);
  const retryPeriodMs = Math.round(flags.retryPeriod * 1000);
  if (leaseDurationMs % 1000 !== 0) throw new Error('--lease-duration must be whole seconds');
  if (leaseDurationMs <= renewDeadlineMs) throw new Error('--lease-duration must exceed --renew-deadline');
  if (renewDeadlineMs <= 1.2 * retryPeriodMs)
    throw new Error('--renew-deadline must exceed 1.2 × --retry-period');
  const namespace = flags.namespace?.trim() || undefined;
  return {
    namespace,
    defaultImage: flags.defaultImage,
    bindAddress: flags.bindAddress,
    metricsPort: flags.metricsPort,
    healthPort: flags.healthPort,
    leaderElect: flags.leaderElect ?? true,
    leaderElectionNamespace: flags.leaderElectionNamespace || ownNamespace(env) || namespace || 'default',
    leaderElectionId: flags.leaderElectionId,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    workers: flags.workers,
    resyncPeriodMs: flags.resyncPeriod === undefined ? undefined : Math.round(flags.resyncPeriod * 1000),
    secretLabelSelector: flags.secretLabelSelector.trim(),
    reloadTimeoutMs: Math.round(flags.reloadTimeout * 1000),
    reloadConcurrency: flags.reloadConcurrency,
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    logLevel: flags.logLevel,
    shutdownTimeoutMs: Math.round(flags.shutdownTimeout * 1000),
  };
}
