// `npm run bench:operator`: for 100, 500 and 1000 MxcpProjects created at once, how long the operator
// takes to converge them (every project's status written for its generation, its files ConfigMap,
// Service and Deployment created), its reconcile latency percentiles, its RSS, and how many API
// writes a no-op resync of the converged projects makes (target 0). Each size runs on a fresh private
// control plane (etcd, kube-apiserver, kube-controller-manager) with a fresh operator child process
// (default flags: leader election on, 4 workers) under a client certificate of its own, so the API
// server's audit log tells its requests apart. Writes an "Operator" section into docs/benchmarks.md.
//
// Per size: (1) operator A starts and syncs; the clock starts and the projects are created;
// (2) converged = a poll finds every project and its children done; (3) settled = no write by the
// operator for BENCH_QUIET_SECONDS (the controller manager keeps updating the Deployments' status for
// a while, and the operator mirrors some of it); A's /metrics and /proc figures are read, A stops;
// (4) operator B starts with --resync-period=BENCH_RESYNC_SECONDS: its startup pass over the converged
// projects and BENCH_RESYNC_PERIODS periodic resyncs are no-ops; their writes are counted in the
// audit log (Lease renewals of leader election counted apart).
//
// Settings: BENCH_PROJECTS (comma list, default "100,500,1000"), BENCH_NAMESPACES (default 4),
// BENCH_RESYNC_SECONDS (default 20), BENCH_RESYNC_PERIODS (default 2), BENCH_QUIET_SECONDS (default 10),
// BENCH_WRITE_DOCS=0|1 (default 1), BENCH_TIMEOUT_SECONDS (per phase, default 900),
// MXCP_OPERATOR_ENTRY=<compiled operator/src/main.js> (default: the source through tsx, whose loader
// thread adds memory). BENCH_CLUSTER_INFO (JSON of test/cluster/access.ts ClusterInfo) +
// BENCH_NAMESPACE: use that running cluster and one existing namespace instead of private control
// planes; the sizes then run one after the other there, each size's projects deleted (and gone)
// before the next (the CI smoke test runs it on the shared test cluster that way).
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ClusterAccess, type ClusterInfo } from '../cluster/access.js';
import { startControlPlane } from '../cluster/controlplane.js';
import {
  MXCP,
  OperatorProcess,
  applyProject,
  installCrd,
  sampleProject,
  type ProjectShape,
} from '../operator/operator-process.js';
import { sumMetric } from '../operator/prometheus.js';
import {
  AuditWrites,
  describeWrite,
  isLeaseWrite,
  percentilesMs,
  procStatusKiB,
  type Percentiles,
} from './operator-figures.js';
import { sectionMarkers, writeMarkedSection } from './docs-section.js';
import { machineDescription } from './report.js';

const SIZES = (process.env.BENCH_PROJECTS ?? '100,500,1000').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_PROJECTS: "${s}" is not a positive integer`);
  return n;
});
const NAMESPACE_COUNT = Number(process.env.BENCH_NAMESPACES ?? 4);
const RESYNC_SECONDS = Number(process.env.BENCH_RESYNC_SECONDS ?? 20);
const RESYNC_PERIODS = Number(process.env.BENCH_RESYNC_PERIODS ?? 2);
const QUIET_SECONDS = Number(process.env.BENCH_QUIET_SECONDS ?? 10);
const WRITE_DOCS = (process.env.BENCH_WRITE_DOCS ?? '1') === '1';
const APPLY_CONCURRENCY = 16;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 900) * 1000;
const RECONCILE_HISTOGRAM = 'mxcp_operator_reconcile_duration_seconds';
const { start: DOCS_START, end: DOCS_END } = sectionMarkers('operator-bench');
const RELOAD_ANCHOR = '#hot-reload-secret-update-to-the-last-replica-acknowledged';

interface Progress {
  statusWritten: number;
  deployments: number;
  services: number;
  configMaps: number;
}

interface SizeResult {
  projects: number;
  namespaces: number;
  applySeconds: number;
  statusSeconds: number;
  convergedSeconds: number;
  /** From the clock's start to the operator's last write before it went quiet. */
  lastWriteSeconds: number;
  rssReadyMiB: number;
  peakRssMiB: number;
  rssSettledMiB: number;
  heapUsedMiB: number;
  reconciles: Record<'success' | 'error' | 'requeue', number>;
  meanReconcileMs: number;
  latency: Percentiles;
  resync: ResyncResult;
}

interface ResyncResult {
  /** Complete periodic resyncs observed (each re-delivers every project). */
  periods: number;
  startupWrites: string[];
  periodicWrites: string[];
  leaseWrites: number;
  reconciles: number;
  latency: Percentiles;
  peakRssMiB: number;
  rssMiB: number;
}

/** Where one size runs: a cluster, its namespaces, and flags confining the operator to them. */
interface Target {
  access: ClusterAccess;
  namespaces: string[];
  scopeArgs: string[];
  /** After a size: a private control plane is stopped; on a shared cluster the projects are deleted and gone. */
  release(names: Set<string>): Promise<void>;
  /** Also on failure: stops a private control plane (a no-op on a shared cluster). */
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await each(items[next++]);
    }),
  );
}

async function listProjects(kc: KubeConfig, namespace: string): Promise<ProjectShape[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return ((await custom.listNamespacedCustomObject({ ...MXCP, namespace })) as { items: ProjectShape[] })
    .items;
}

async function progress(kc: KubeConfig, namespaces: string[], names: Set<string>): Promise<Progress> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const p: Progress = { statusWritten: 0, deployments: 0, services: 0, configMaps: 0 };
  const owned = (o: { metadata?: { ownerReferences?: { kind: string; name: string }[] } }): boolean =>
    !!o.metadata?.ownerReferences?.some((r) => r.kind === 'MxcpProject' && names.has(r.name));
  for (const namespace of namespaces) {
    const [projects, deployments, services, configMaps] = await Promise.all([
      listProjects(kc, namespace),
      apps.listNamespacedDeployment({ namespace }),
      core.listNamespacedService({ namespace }),
      core.listNamespacedConfigMap({ namespace }),
    ]);
    p.statusWritten += projects.filter(
      (x) =>
        names.has(x.metadata.name) &&
        x.status?.observedGeneration === x.metadata.generation &&
        x.status?.conditions?.some((c) => c.type === 'ConfigValid' && c.status === 'True'),
    ).length;
    p.deployments += deployments.items.filter(owned).length;
    p.services += services.items.filter(owned).length;
    p.configMaps += configMaps.items.filter((c) => owned(c) && c.metadata?.name?.endsWith('-files')).length;
  }
  return p;
}

async function reconcileCount(op: OperatorProcess): Promise<number> {
  return op.metric('mxcp_operator_reconcile_total');
}

/** Fails with the operator's log if it exited or `deadline` passed. */
function check(op: OperatorProcess, deadline: number, what: string): void {
  if (op.exitCode !== undefined) throw new Error(`the operator exited while ${what}\n${op.describe()}`);
  if (Date.now() > deadline)
    throw new Error(`${what}: not done within ${TIMEOUT_MS / 1000} s\n${op.describe()}`);
}

/** The operator's own identity (all rights, but its own name in the audit log). */
async function operatorKubeconfig(access: ClusterAccess): Promise<{ user: string; kubeconfig: string }> {
  const user = `mxcp-operator-bench-${randomBytes(3).toString('hex')}`;
  return { user, kubeconfig: await access.kubeconfigForUser(user, ['system:masters']) };
}

async function runSize(size: number, target: Target): Promise<SizeResult> {
  const { access, namespaces, scopeArgs } = target;
  const kc = access.kubeConfig();
  await installCrd(kc);
  const { user, kubeconfig } = await operatorKubeconfig(access);
  const audit = new AuditWrites(access.info.auditLogPath, user);
  const leaseArgs = ['--leader-election-id', `mxcp-operator-bench-${size}`];

  // (1) Operator A, synced before the clock starts.
  const a = new OperatorProcess({
    kubeconfig,
    name: `operator A (${size})`,
    args: [...leaseArgs, ...scopeArgs],
  });
  let b: OperatorProcess | undefined;
  try {
    await a.waitUntilReady(120_000);
    const rssReadyMiB = procStatusKiB(a.pid, 'VmRSS') / 1024;
    console.log(
      `Operator ready (pid ${a.pid}, user ${user}); creating ${size} projects in ${namespaces.length} namespace(s)`,
    );
    const projects = Array.from({ length: size }, (_, i) =>
      sampleProject(namespaces[i % namespaces.length], `b${size}-${String(i).padStart(4, '0')}`),
    );
    const names = new Set(projects.map((p) => p.metadata.name));
    await audit.start();
    const t0 = Date.now();
    await inBatches(projects, APPLY_CONCURRENCY, (p) => applyProject(kc, p));
    const applySeconds = (Date.now() - t0) / 1000;

    // (2) Converged.
    let statusSeconds: number | undefined;
    let last = '';
    for (let deadline = t0 + TIMEOUT_MS; ; ) {
      const p = await progress(kc, namespaces, names);
      const now = (Date.now() - t0) / 1000;
      if (statusSeconds === undefined && p.statusWritten === size) statusSeconds = now;
      const line = `  ${now.toFixed(1)} s: status ${p.statusWritten}, deployments ${p.deployments}, services ${p.services}, configmaps ${p.configMaps} / ${size}`;
      if (line !== last) console.log(line);
      last = line;
      if ([p.statusWritten, p.deployments, p.services, p.configMaps].every((n) => n === size)) break;
      check(a, deadline, 'converging');
      await sleep(500);
    }
    const convergedSeconds = (Date.now() - t0) / 1000;

    // (3) Settled: no write by the operator (Lease renewals aside) for QUIET_SECONDS.
    let lastWriteAt = t0;
    for (let deadline = Date.now() + TIMEOUT_MS; ; ) {
      for (const e of await audit.poll())
        if (!isLeaseWrite(e)) lastWriteAt = Math.max(lastWriteAt, Date.parse(e.requestReceivedTimestamp));
      if (Date.now() - lastWriteAt >= QUIET_SECONDS * 1000) break;
      check(a, deadline, 'settling');
      await sleep(1000);
    }
    const lastWriteSeconds = (lastWriteAt - t0) / 1000;
    console.log(
      `  settled: last operator write at ${lastWriteSeconds.toFixed(1)} s, then none for ${QUIET_SECONDS} s`,
    );
    const metrics = (await a.get('/metrics')).body;
    const count = sumMetric(metrics, `${RECONCILE_HISTOGRAM}_count`);
    const sum = sumMetric(metrics, `${RECONCILE_HISTOGRAM}_sum`);
    const result = {
      projects: size,
      namespaces: namespaces.length,
      applySeconds,
      statusSeconds: statusSeconds ?? convergedSeconds,
      convergedSeconds,
      lastWriteSeconds,
      rssReadyMiB,
      peakRssMiB: procStatusKiB(a.pid, 'VmHWM') / 1024,
      rssSettledMiB: procStatusKiB(a.pid, 'VmRSS') / 1024,
      heapUsedMiB: sumMetric(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      reconciles: {
        success: sumMetric(metrics, 'mxcp_operator_reconcile_total', { result: 'success' }),
        requeue: sumMetric(metrics, 'mxcp_operator_reconcile_total', { result: 'requeue' }),
        error: sumMetric(metrics, 'mxcp_operator_reconcile_total', { result: 'error' }),
      },
      meanReconcileMs: count > 0 ? (sum / count) * 1000 : 0,
      latency: percentilesMs(metrics, RECONCILE_HISTOGRAM),
    };
    const codeA = await a.stop('SIGTERM');
    if (codeA !== 0) throw new Error(`operator A exited ${codeA} on SIGTERM\n${a.describe()}`);

    // (4) Operator B: startup pass + RESYNC_PERIODS periodic resyncs over the converged projects.
    await audit.start();
    const startedAt = Date.now();
    b = new OperatorProcess({
      kubeconfig,
      name: `operator B (${size})`,
      args: [...leaseArgs, ...scopeArgs, '--resync-period', String(RESYNC_SECONDS)],
    });
    await b.waitUntilReady(120_000);
    const readyAt = Date.now();
    const deadline = Date.now() + TIMEOUT_MS;
    while ((await reconcileCount(b)) < size) {
      check(b, deadline, 'its startup pass');
      await sleep(250);
    }
    const startupDoneAt = Date.now();
    console.log(
      `  operator B: startup pass of ${size} done ${((startupDoneAt - startedAt) / 1000).toFixed(1)} s after its start`,
    );
    // Periodic resyncs run every RESYNC_SECONDS from the informer's start, which precedes readiness.
    const windowEnd = readyAt + RESYNC_PERIODS * RESYNC_SECONDS * 1000 + 2_000;
    while (
      Date.now() < windowEnd ||
      (await reconcileCount(b)) < size * (1 + RESYNC_PERIODS) ||
      (await b.metric('mxcp_operator_workqueue_depth')) > 0
    ) {
      check(b, deadline, `${RESYNC_PERIODS} resyncs`);
      await sleep(500);
    }
    // Let the last reconciles' requests reach the audit log (written in the request path).
    await sleep(1_000);
    await audit.poll();
    const bMetrics = (await b.get('/metrics')).body;
    const writes = audit.events.filter((e) => !isLeaseWrite(e));
    const resync: ResyncResult = {
      // Waiting for the reconcile count may have let one more resync start than asked for.
      periods: Math.max(RESYNC_PERIODS, Math.floor((Date.now() - readyAt) / (RESYNC_SECONDS * 1000))),
      startupWrites: writes
        .filter((e) => Date.parse(e.requestReceivedTimestamp) < startupDoneAt)
        .map(describeWrite),
      periodicWrites: writes
        .filter((e) => Date.parse(e.requestReceivedTimestamp) >= startupDoneAt)
        .map(describeWrite),
      leaseWrites: audit.events.length - writes.length,
      reconciles: sumMetric(bMetrics, 'mxcp_operator_reconcile_total'),
      latency: percentilesMs(bMetrics, RECONCILE_HISTOGRAM),
      peakRssMiB: procStatusKiB(b.pid, 'VmHWM') / 1024,
      rssMiB: procStatusKiB(b.pid, 'VmRSS') / 1024,
    };
    console.log(
      `  operator B: ${resync.reconciles} reconciles, writes: startup ${resync.startupWrites.length}, periodic ${resync.periodicWrites.length} (+ ${resync.leaseWrites} Lease)`,
    );
    for (const w of [...resync.startupWrites, ...resync.periodicWrites].slice(0, 20)) console.log(`    ${w}`);
    const codeB = await b.stop('SIGTERM');
    if (codeB !== 0) throw new Error(`operator B exited ${codeB} on SIGTERM\n${b.describe()}`);
    await target.release(names);
    return { ...result, resync };
  } finally {
    await a.stop('SIGKILL');
    await b?.stop('SIGKILL');
  }
}

// ---------------------------------------------------------------- targets

async function privateTarget(): Promise<Target> {
  console.log('Starting a private control plane...');
  const cluster = await startControlPlane({ log: (line) => console.log(`  ${line}`) });
  const namespaces = Array.from({ length: NAMESPACE_COUNT }, (_, i) => `bench-${i}`);
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  return {
    access: cluster,
    namespaces,
    scopeArgs: [],
    release: () => cluster.stop(),
    close: () => cluster.stop(),
  };
}

function sharedTarget(info: ClusterInfo, namespace: string): Target {
  const access = new ClusterAccess(info);
  return {
    access,
    namespaces: [namespace],
    scopeArgs: ['--namespace', namespace, '--leader-election-namespace', namespace],
    async release(names) {
      const kc = access.kubeConfig();
      const custom = kc.makeApiClient(CustomObjectsApi);
      await inBatches([...names], APPLY_CONCURRENCY, (name) =>
        custom.deleteNamespacedCustomObject({ ...MXCP, namespace, name }).then(() => undefined),
      );
      for (const deadline = Date.now() + TIMEOUT_MS; ; ) {
        const left = (await listProjects(kc, namespace)).filter((p) => names.has(p.metadata.name)).length;
        if (left === 0) return;
        if (Date.now() > deadline) throw new Error(`${left} projects not gone within ${TIMEOUT_MS / 1000} s`);
        await sleep(500);
      }
    },
    close: async () => {},
  };
}

// ---------------------------------------------------------------- report

const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function percentileCell(p: Percentiles): string {
  const ms = (n: number): string => (n >= 10 ? n.toFixed(0) : fixed(n, 1));
  return `${ms(p.p50)} / ${ms(p.p95)} / ${p.overflow ? '≥ ' : ''}${ms(p.p99)} ms`;
}

function markdown(
  results: SizeResult[],
  date: Date,
  load: { start: number[]; end: number[] },
  shared: boolean,
): string {
  const loadText = (xs: number[]): string => xs.map((n) => n.toFixed(2)).join(', ');
  const row = (label: string, cell: (r: SizeResult) => string): string =>
    `| ${label} | ${results.map(cell).join(' | ')} |`;
  const largest = results.at(-1)!;
  const writesPerResync = (r: SizeResult): number => r.resync.periodicWrites.length / r.resync.periods;
  const allWrites = results.flatMap((r) => [...r.resync.startupWrites, ...r.resync.periodicWrites]);
  return `${DOCS_START}
## Operator: ${results.map((r) => r.projects).join(', ')} MxcpProjects converging, then resyncing

Generated by \`npm run bench:operator\` (\`test/bench/operator.bench.ts\`) on ${date.toISOString()}.

${machineDescription()}
- Machine load average (1, 5, 15 min): ${loadText(load.start)} at the start, ${loadText(load.end)} at the end${
    load.start[0] > availableParallelism() || load.end[0] > availableParallelism()
      ? `

> The machine was busy with other work during this run (load average above its ${availableParallelism()} cores):
> the times are pessimistic; the memory figures and write counts are not affected.`
      : ''
  }

| measure | ${results.map((r) => `${r.projects} projects`).join(' | ')} |
|:---|${results.map(() => '---:').join('|')}|
${[
  row('namespaces', (r) => String(r.namespaces)),
  row(
    `all created (client side, ${APPLY_CONCURRENCY} concurrent applies)`,
    (r) => `${fixed(r.applySeconds)} s`,
  ),
  row('all statuses written for their generation', (r) => `${fixed(r.statusSeconds)} s`),
  row(
    '**all converged** (status + files ConfigMap, Service, Deployment each)',
    (r) => `**${fixed(r.convergedSeconds)} s**`,
  ),
  row('throughput', (r) => `${fixed(r.projects / r.convergedSeconds)} projects/s`),
  row(`last operator write (then quiet for ${QUIET_SECONDS} s)`, (r) => `${fixed(r.lastWriteSeconds)} s`),
  row(
    'reconciles: success / requeue / error',
    (r) => `${r.reconciles.success} / ${r.reconciles.requeue} / ${r.reconciles.error}`,
  ),
  row(
    '**reconcile latency p50 / p95 / p99** (estimated from histogram buckets)',
    (r) => `**${percentileCell(r.latency)}**`,
  ),
  row('mean reconcile duration', (r) => `${fixed(r.meanReconcileMs, 0)} ms`),
  row('operator RSS when ready, before the projects', (r) => `${fixed(r.rssReadyMiB, 0)} MiB`),
  row('**operator peak RSS** (VmHWM, start to settled)', (r) => `**${fixed(r.peakRssMiB, 0)} MiB**`),
  row(
    'operator RSS when settled (VmRSS; V8 heap used)',
    (r) => `${fixed(r.rssSettledMiB, 0)} MiB (${fixed(r.heapUsedMiB, 0)} MiB)`,
  ),
  row(
    `**API writes per no-op resync** (mean over the periodic resyncs; target 0)`,
    (r) => `**${fixed(writesPerResync(r))}** (${r.resync.periods} resyncs)`,
  ),
  row("API writes in a restarted operator's startup pass (target 0)", (r) =>
    String(r.resync.startupWrites.length),
  ),
  row('Lease renewals in that window (leader election, not counted above)', (r) =>
    String(r.resync.leaseWrites),
  ),
  row(
    'restarted operator: reconciles, no-op latency p50 / p95 / p99',
    (r) => `${r.resync.reconciles}, ${percentileCell(r.resync.latency)}`,
  ),
  row(
    'restarted operator RSS (VmHWM / VmRSS)',
    (r) => `${fixed(r.resync.peakRssMiB, 0)} / ${fixed(r.resync.rssMiB, 0)} MiB`,
  ),
].join('\n')}
${
  allWrites.length > 0
    ? `
Writes seen during the no-op passes (first 10): ${allWrites
        .slice(0, 10)
        .map((w) => `\`${w}\``)
        .join(', ')}.
`
    : ''
}
Operator RSS at ${largest.projects} projects: **${fixed(largest.peakRssMiB, 0)} MiB** peak (VmHWM), ${fixed(largest.rssSettledMiB, 0)} MiB resident once settled (VmRSS); operator build: ${
    process.env.MXCP_OPERATOR_ENTRY
      ? 'compiled JavaScript (tsc)'
      : 'TypeScript through tsx (its loader thread adds memory)'
  }.

Secret-rotation acknowledgement latency (a rotated Secret to every replica acknowledging it) is
measured by \`npm run bench:reload\`: see [Hot reload](${RELOAD_ANCHOR}).

How: ${
    shared
      ? "the sizes ran one after the other on one given cluster and namespace (`BENCH_CLUSTER_INFO`), each size's projects deleted and gone before the next,"
      : "each size on a fresh private test control plane (etcd, kube-apiserver, kube-controller-manager 1.37 built from Go modules, on this machine), so no size inherits another's objects, watch caches or etcd history,"
  } with a fresh operator child process
(\`mxcp-operator run\`, default flags: leader election on, 4 workers, 10-minute resync) under a client
certificate of its own (in \`system:masters\`), started and synced before the clock starts. The clock
starts when the benchmark begins creating the projects (server-side apply, ${APPLY_CONCURRENCY} at a time, spread
over the namespaces) and "converged" is when a poll (lists every 500 ms) finds every project's
\`status.observedGeneration\` equal to its generation with \`ConfigValid=True\`, and its ConfigMap,
Service and Deployment created and owned by it. There is no kubelet, so Deployments never become
available: Ready stays False, which this does not wait for. The controller manager then keeps
updating Deployments and ReplicaSets, which the operator mirrors into status: the benchmark waits
until the operator has made no write (audit log) for ${QUIET_SECONDS} s, reads its \`/metrics\` and \`/proc\`,
and stops it. Reconcile latency percentiles are estimated from the cumulative buckets of
\`mxcp_operator_reconcile_duration_seconds\` (all results) by linear interpolation inside the bucket,
as Prometheus' \`histogram_quantile\` does, so they are only as fine as the buckets (5, 10, 25, 50,
100, 250, 500 ms, 1, 2.5, 5, 10, 30, 60 s). API writes are counted in the API server's audit log
(create, update, patch, delete requests by the operator's user) while a second operator process
with \`--resync-period=${RESYNC_SECONDS}\` runs a startup pass over the converged projects and then ${RESYNC_PERIODS} periodic
resyncs; Lease renewals (leader election, every 2 s) are listed apart. The API server, etcd and the
controller manager share the machine's cores with the operator, so the times are the whole
system's; the RSS figures are the operator process's alone (read from /proc).
${DOCS_END}`;
}

async function main(): Promise<void> {
  const loadStart = loadavg();
  const given = process.env.BENCH_CLUSTER_INFO;
  const namespace = process.env.BENCH_NAMESPACE;
  if (given && !namespace)
    throw new Error('BENCH_CLUSTER_INFO needs BENCH_NAMESPACE (an existing namespace)');
  const results: SizeResult[] = [];
  for (const size of SIZES) {
    console.log(`\n=== ${size} projects ===`);
    const target = given ? sharedTarget(JSON.parse(given) as ClusterInfo, namespace!) : await privateTarget();
    try {
      results.push(await runSize(size, target));
    } finally {
      await target.close();
    }
  }
  const section = markdown(results, new Date(), { start: loadStart, end: loadavg() }, !!given);
  console.log('\n' + section.split('\n').slice(1, -1).join('\n'));
  if (WRITE_DOCS) console.log(`Wrote ${writeMarkedSection('operator-bench', section)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
