// One container as a local process. What a container runtime would give and what we do instead:
//
// - filesystem view: the process runs in its own mount namespace (`unshare --mount --propagation
//   private`), where each volume directory is bind-mounted onto its mountPath (read-only mounts are
//   remounted `ro`), so the program sees exactly the paths of the pod spec. The mountPath directories are
//   created on the host, empty (with /run/mxcp-test-kubelet, the only traces a pod leaves outside
//   rootDir). The rest of the host filesystem stays visible: there is no image, no chroot. A mountPath of
//   / or /run is not supported.
// - network: none of its own. The pod gets a loopback address (addresses.ts) and every "listen on all
//   interfaces" request is rewritten to that address: `--host 0.0.0.0` / `--host=0.0.0.0` in the
//   arguments and MXCP_HOST / MXCP_ADMIN_HOST in the environment. That is the one thing a network
//   namespace would give: pods never collide on ports.
// - image: `command: [mxcp, ...]` runs the local worker CLI (or what `images(image)` maps the image to);
//   any other command runs the host program of that name; no command uses `images(image)` as the
//   image's entrypoint.
// - identity: processes run as root; securityContext (runAsUser, readOnlyRootFilesystem, capabilities)
//   and resources are not enforced.
// - lifetime: each container is its own process group (detached spawn); kills signal the whole group.
//   `setpriv --pdeathsig KILL` kills the container if the test process dies without running its exit
//   hooks, and an exit hook SIGKILLs every group still alive: no orphan processes.
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ObjectLookup } from './volumes.js';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** The local worker CLI under Node 24 and tsx, as test/support/mxcp.ts starts it. */
export const WORKER_COMMAND = [
  process.execPath,
  '--import',
  join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'),
  join(REPO_ROOT, 'worker/src/cli/main.ts'),
];

/** An empty host directory each container's namespace mounts its staging tmpfs on (see launch()). */
const STAGE_DIR = '/run/mxcp-test-kubelet';

export type ImageMap = (image: string) => string[] | undefined;

/** The container could not be configured (missing env source, unmapped image); it waits and retries. */
export class ContainerConfigError extends Error {}

/** The argv that stands for the container's command and args. */
export function containerArgv(
  container: V1Container,
  images: ImageMap | undefined,
  env: Record<string, string>,
) {
  const command = (container.command ?? []).map((s) => expand(s, env));
  const args = (container.args ?? []).map((s) => expand(s, env));
  let argv: string[];
  if (command[0] === 'mxcp')
    argv = [...(images?.(container.image ?? '') ?? WORKER_COMMAND), ...command.slice(1)];
  else if (command.length > 0) argv = command;
  else {
    const entrypoint = images?.(container.image ?? '');
    if (!entrypoint) {
      throw new ContainerConfigError(`image '${container.image}' has no entrypoint the test kubelet knows`);
    }
    argv = entrypoint;
  }
  return [...argv, ...args];
}

/** Rewrites listen-on-everything hosts to the pod's address (see the header). */
export function bindToPodIp(argv: string[], env: Record<string, string>, podIp: string): void {
  const any = (v: string | undefined) => v === '0.0.0.0' || v === '::' || v === '[::]';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--host' && any(argv[i + 1])) argv[i + 1] = podIp;
    else if (argv[i].startsWith('--host=') && any(argv[i].slice('--host='.length)))
      argv[i] = `--host=${podIp}`;
  }
  for (const name of ['MXCP_HOST', 'MXCP_ADMIN_HOST']) if (any(env[name])) env[name] = podIp;
}

/**
 * The container's environment: PATH from the host (the image would bring one), HOSTNAME, HOME=/ unless
 * the pod sets it, then envFrom and env in order with $(VAR) expansion. Throws ContainerConfigError
 * when a referenced Secret/ConfigMap or key is missing and not optional.
 */
export function containerEnv(
  pod: V1Pod,
  container: V1Container,
  podIp: string,
  hostIp: string,
  lookup: ObjectLookup,
): Record<string, string> {
  const namespace = pod.metadata!.namespace!;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: pod.metadata!.name!,
    HOME: '/',
  };
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = lookup.configMap(namespace, from.configMapRef.name ?? '');
      if (!cm && !from.configMapRef.optional)
        throw new ContainerConfigError(`configmap '${from.configMapRef.name}' not found`);
      for (const [k, v] of Object.entries(cm?.data ?? {})) env[prefix + k] = v;
    }
    if (from.secretRef) {
      const secret = lookup.secret(namespace, from.secretRef.name ?? '');
      if (!secret && !from.secretRef.optional)
        throw new ContainerConfigError(`secret '${from.secretRef.name}' not found`);
      for (const [k, v] of Object.entries(secret?.data ?? {}))
        env[prefix + k] = Buffer.from(v, 'base64').toString();
    }
  }
  for (const e of container.env ?? []) {
    const value = envValue(pod, e, podIp, hostIp, lookup, env);
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

function envValue(
  pod: V1Pod,
  e: V1EnvVar,
  podIp: string,
  hostIp: string,
  lookup: ObjectLookup,
  env: Record<string, string>,
): string | undefined {
  if (!e.valueFrom) return expand(e.value ?? '', env);
  const namespace = pod.metadata!.namespace!;
  const { fieldRef, secretKeyRef, configMapKeyRef } = e.valueFrom;
  if (fieldRef) {
    const fields: Record<string, string | undefined> = {
      'metadata.name': pod.metadata!.name,
      'metadata.namespace': namespace,
      'metadata.uid': pod.metadata!.uid,
      'spec.nodeName': pod.spec!.nodeName,
      'spec.serviceAccountName': pod.spec!.serviceAccountName,
      'status.podIP': podIp,
      'status.podIPs': podIp,
      'status.hostIP': hostIp,
      'status.hostIPs': hostIp,
    };
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldRef.fieldPath);
    if (label)
      return (label[1] === 'labels' ? pod.metadata!.labels : pod.metadata!.annotations)?.[label[2]] ?? '';
    if (!(fieldRef.fieldPath in fields))
      throw new ContainerConfigError(`fieldRef '${fieldRef.fieldPath}' is not supported`);
    return fields[fieldRef.fieldPath] ?? '';
  }
  if (secretKeyRef) {
    const value = lookup.secret(namespace, secretKeyRef.name ?? '')?.data?.[secretKeyRef.key];
    if (value === undefined) {
      if (secretKeyRef.optional) return undefined;
      throw new ContainerConfigError(
        `secret '${secretKeyRef.name}' or its key '${secretKeyRef.key}' not found`,
      );
    }
    return Buffer.from(value, 'base64').toString();
  }
  if (configMapKeyRef) {
    const value = lookup.configMap(namespace, configMapKeyRef.name ?? '')?.data?.[configMapKeyRef.key];
    if (value === undefined) {
      if (configMapKeyRef.optional) return undefined;
      throw new ContainerConfigError(
        `configmap '${configMapKeyRef.name}' or its key '${configMapKeyRef.key}' not found`,
      );
    }
    return value;
  }
  throw new ContainerConfigError(`env '${e.name}': this valueFrom is not supported by the test kubelet`);
}

/** Kubernetes' $(VAR) expansion: defined variables are replaced, `$$(` escapes, unknown ones stay. */
function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) =>
    m === '$$' ? '$' : name !== undefined && name in env ? env[name] : m,
  );
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** The container's mounts from its volumeMounts and the pod's volume directories. */
export function containerMounts(container: V1Container, volumeDirs: Map<string, string>): Mount[] {
  return (container.volumeMounts ?? []).map((m) => {
    const dir = volumeDirs.get(m.name);
    if (!dir) throw new ContainerConfigError(`volumeMount '${m.name}' names no volume of the pod`);
    return {
      source: m.subPath ? join(dir, m.subPath) : dir,
      target: m.mountPath,
      readOnly: m.readOnly === true,
    };
  });
}

export interface Launch {
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  onOutput: (chunk: Buffer) => void;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Starts the container's process in its own mount namespace and process group. */
export function launch(l: Launch): ChildProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
    });
  }
  // Parents first, so a mount inside another mounted volume lands on top of it.
  const mounts = [...l.mounts].sort((a, b) => depth(a.target) - depth(b.target));
  for (const m of mounts) mkdirSync(m.target, { recursive: true });
  mkdirSync(STAGE_DIR, { recursive: true });
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const hidden = mounts.some((m) => REPO_ROOT === m.target || REPO_ROOT.startsWith(`${m.target}/`));
  // Every source is first bind-mounted into a private tmpfs, so mounting one target (say /tmp) cannot
  // hide the source of another (rootDir is usually below /tmp); the staging mounts are then dropped.
  const script = [
    'set -e',
    `mount -t tmpfs tmpfs ${q(STAGE_DIR)}`,
    ...(hidden
      ? [`mkdir ${q(`${STAGE_DIR}/repo`)}`, `mount --bind ${q(REPO_ROOT)} ${q(`${STAGE_DIR}/repo`)}`]
      : []),
    ...mounts.flatMap((m, i) => [
      `mkdir ${q(`${STAGE_DIR}/${i}`)}`,
      `mount --bind ${q(m.source)} ${q(`${STAGE_DIR}/${i}`)}`,
    ]),
    ...mounts.flatMap((m, i) => [
      `mkdir -p ${q(m.target)}`,
      `mount --bind ${q(`${STAGE_DIR}/${i}`)} ${q(m.target)}`,
      ...(m.readOnly ? [`mount -o remount,bind,ro ${q(m.target)}`] : []),
    ]),
    // The repository (the worker's code and Node) may sit below a mounted target, e.g. a clone
    // under /tmp: put it back on top, as an image would have its own files.
    ...(hidden ? [`mkdir -p ${q(REPO_ROOT)}`, `mount --bind ${q(`${STAGE_DIR}/repo`)} ${q(REPO_ROOT)}`] : []),
    `umount -R -l ${q(STAGE_DIR)}`,
    ...(l.workingDir ? [`mkdir -p ${q(l.workingDir)}`, `cd ${q(l.workingDir)}`] : []),
    'exec "$@"',
  ].join('\n');
  const child = spawn(
    '/usr/bin/setpriv',
    [
      '--pdeathsig',
      'KILL',
      '/usr/bin/unshare',
      '--mount',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      script,
      'sh',
      ...l.argv,
    ],
    { env: l.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const pid = child.pid;
  if (pid !== undefined) {
    liveGroups.add(pid);
    child.once('exit', () => liveGroups.delete(pid));
  }
  child.stdout!.on('data', l.onOutput);
  child.stderr!.on('data', l.onOutput);
  return child;
}

/** Signals the container's whole process group; false when it is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}
