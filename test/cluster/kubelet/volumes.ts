// Pod volumes on the host: each volume becomes a directory that the container's mount namespace
// bind-mounts onto its mountPath (container.ts).
//
//   configMap, secret        rootDir/<ns>/<pod>/volumes/<name>, atomic-writer layout (atomic-writer.ts),
//                            re-synced when the object changes (index.ts schedules it)
//   emptyDir                 rootDir/<ns>/<pod>/volumes/<name>, removed with the pod
//   persistentVolumeClaim    rootDir/<ns>/pvc/<claim>, shared by every pod of the claim, kept until stop();
//                            the claim object itself is not checked (there is no provisioner)
//   hostPath                 the host path itself
// Anything else (projected, downwardAPI, csi, ...) is reported as unsupported and the pod does not start.
import type { V1ConfigMap, V1Pod, V1Secret, V1Volume } from '@kubernetes/client-node';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically, type Payload } from './atomic-writer.js';

/** Where the kubelet reads Secrets and ConfigMaps from (its informer caches). */
export interface ObjectLookup {
  secret(namespace: string, name: string): V1Secret | undefined;
  configMap(namespace: string, name: string): V1ConfigMap | undefined;
}

/** A volume could not be set up (missing Secret, unknown type); the pod waits and retries. */
export class VolumeError extends Error {}

export function podDirectory(rootDir: string, namespace: string, pod: string): string {
  return join(rootDir, namespace, pod);
}

export function claimDirectory(rootDir: string, namespace: string, claim: string): string {
  return join(rootDir, namespace, 'pvc', claim);
}

/** Creates every volume of `pod`; returns volume name -> host directory. Throws VolumeError. */
export function setUpVolumes(rootDir: string, pod: V1Pod, lookup: ObjectLookup): Map<string, string> {
  const namespace = pod.metadata!.namespace!;
  const podDir = podDirectory(rootDir, namespace, pod.metadata!.name!);
  const dirs = new Map<string, string>();
  for (const volume of pod.spec!.volumes ?? []) {
    const dir = join(podDir, 'volumes', volume.name);
    if (volume.secret || volume.configMap) {
      writeAtomically(dir, payloadOf(namespace, volume, lookup));
      dirs.set(volume.name, dir);
    } else if (volume.emptyDir) {
      mkdirSync(dir, { recursive: true });
      dirs.set(volume.name, dir);
    } else if (volume.persistentVolumeClaim) {
      const claimDir = claimDirectory(rootDir, namespace, volume.persistentVolumeClaim.claimName);
      mkdirSync(claimDir, { recursive: true });
      dirs.set(volume.name, claimDir);
    } else if (volume.hostPath) {
      if (volume.hostPath.type === 'DirectoryOrCreate') mkdirSync(volume.hostPath.path, { recursive: true });
      dirs.set(volume.name, volume.hostPath.path);
    } else {
      throw new VolumeError(`volume '${volume.name}': this volume type is not supported by the test kubelet`);
    }
  }
  return dirs;
}

/**
 * Rewrites the Secret and ConfigMap volumes of `pod` from the current objects. Returns the names of
 * volumes whose content changed. A Secret that disappeared leaves the last content in place (as the
 * kubelet does).
 */
export function syncVolumes(rootDir: string, pod: V1Pod, lookup: ObjectLookup): string[] {
  const namespace = pod.metadata!.namespace!;
  const podDir = podDirectory(rootDir, namespace, pod.metadata!.name!);
  const changed: string[] = [];
  for (const volume of pod.spec!.volumes ?? []) {
    if (!volume.secret && !volume.configMap) continue;
    let payload: Payload;
    try {
      payload = payloadOf(namespace, volume, lookup);
    } catch {
      continue;
    }
    if (writeAtomically(join(podDir, 'volumes', volume.name), payload)) changed.push(volume.name);
  }
  return changed;
}

/** The Secrets and ConfigMaps a pod's volumes and environment read, as `kind/name`. */
export function referencedObjects(pod: V1Pod): Set<string> {
  const refs = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.secret?.secretName) refs.add(`Secret/${v.secret.secretName}`);
    if (v.configMap?.name) refs.add(`ConfigMap/${v.configMap.name}`);
  }
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef?.name) refs.add(`Secret/${e.valueFrom.secretKeyRef.name}`);
      if (e.valueFrom?.configMapKeyRef?.name) refs.add(`ConfigMap/${e.valueFrom.configMapKeyRef.name}`);
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef?.name) refs.add(`Secret/${e.secretRef.name}`);
      if (e.configMapRef?.name) refs.add(`ConfigMap/${e.configMapRef.name}`);
    }
  }
  return refs;
}

function payloadOf(namespace: string, volume: V1Volume, lookup: ObjectLookup): Payload {
  let entries: Map<string, Buffer> | undefined;
  let optional: boolean;
  let what: string;
  const source = volume.secret ?? volume.configMap!;
  if (volume.secret) {
    what = `Secret '${volume.secret.secretName}'`;
    optional = volume.secret.optional === true;
    const secret = lookup.secret(namespace, volume.secret.secretName ?? '');
    if (secret) {
      entries = new Map(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    }
  } else {
    const cm = volume.configMap!;
    what = `ConfigMap '${cm.name}'`;
    optional = cm.optional === true;
    const configMap = lookup.configMap(namespace, cm.name ?? '');
    if (configMap) {
      entries = new Map([
        ...Object.entries(configMap.data ?? {}).map(([k, v]): [string, Buffer] => [
          k,
          Buffer.from(v, 'utf8'),
        ]),
        ...Object.entries(configMap.binaryData ?? {}).map(([k, v]): [string, Buffer] => [
          k,
          Buffer.from(v, 'base64'),
        ]),
      ]);
    }
  }
  if (!entries) {
    if (optional) return new Map();
    throw new VolumeError(`MountVolume.SetUp failed for volume '${volume.name}': ${what} not found`);
  }
  const defaultMode = source.defaultMode ?? 0o644;
  const payload: Payload = new Map();
  if (source.items && source.items.length > 0) {
    for (const item of source.items) {
      const content = entries.get(item.key);
      if (!content) {
        if (optional) continue;
        throw new VolumeError(
          `MountVolume.SetUp failed for volume '${volume.name}': ${what} has no key '${item.key}'`,
        );
      }
      payload.set(item.path, { content, mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [key, content] of entries) payload.set(key, { content, mode: defaultMode });
  }
  return payload;
}
