// The kinds of child objects an MxcpProject owns, and who controls a given child: the controller
// ownerReference decides whether the operator may apply to an object with a child's name (ours),
// may take it over (an orphan: adopted), must leave it alone (another controller's: refused), or
// should wait (left over from a deleted project of the same name, which garbage collection removes).
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { MxcpProject } from '../api/index.js';
import { API_VERSION, KIND } from '../api/index.js';
import { cacheKey } from '../kube/index.js';
import { LABELS, MANAGER } from '../render/index.js';

export interface ChildKind {
  apiVersion: string;
  kind: string;
  group: string;
  version: string;
  plural: string;
  /**
   * Watched without a label selector: the same informer also serves the ConfigMaps a project
   * references (spec.configMapRef), which carry no operator label. Referenced Secrets have an
   * informer of their own (see controller.ts), so the operator does not cache every Secret.
   */
  unfiltered?: boolean;
}

export const CHILD_KINDS: readonly ChildKind[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', unfiltered: true },
  { apiVersion: 'v1', kind: 'Secret', group: '', version: 'v1', plural: 'secrets' },
  { apiVersion: 'v1', kind: 'Service', group: '', version: 'v1', plural: 'services' },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
  },
  { apiVersion: 'apps/v1', kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments' },
  { apiVersion: 'batch/v1', kind: 'CronJob', group: 'batch', version: 'v1', plural: 'cronjobs' },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
  },
];

/** Selects the objects the operator manages (children of every project). */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGER}`;

export function childKind(obj: KubernetesObject): ChildKind {
  const kind = CHILD_KINDS.find((k) => k.kind === obj.kind && k.apiVersion === obj.apiVersion);
  if (!kind) throw new Error(`render produced an unexpected kind ${obj.apiVersion} ${obj.kind}`);
  return kind;
}

/** `Kind/name`, how children are named in messages and logs. */
export function childRef(obj: KubernetesObject): string {
  return `${obj.kind}/${obj.metadata?.name}`;
}

export function ownerReference(project: MxcpProject): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: project.metadata.name,
    uid: project.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

export type Ownership =
  | { kind: 'absent' }
  | { kind: 'ours' }
  | { kind: 'orphan' }
  | { kind: 'previous-project' }
  | { kind: 'foreign'; owner: V1OwnerReference };

export function ownershipOf(live: KubernetesObject | undefined, project: MxcpProject): Ownership {
  if (!live) return { kind: 'absent' };
  const owner = controllerOf(live);
  if (!owner) return { kind: 'orphan' };
  if (owner.uid === project.metadata.uid) return { kind: 'ours' };
  const sameProject = owner.kind === KIND && owner.apiVersion?.split('/')[0] === API_VERSION.split('/')[0];
  if (sameProject && owner.name === project.metadata.name) return { kind: 'previous-project' };
  return { kind: 'foreign', owner };
}

/** The project key (`namespace/name`) a managed child belongs to, if any. */
export function ownerKeyOf(obj: KubernetesObject): string | undefined {
  const namespace = obj.metadata?.namespace;
  if (!namespace) return undefined;
  const owner = controllerOf(obj);
  if (owner?.kind === KIND && owner.apiVersion?.startsWith(API_VERSION.split('/')[0] + '/'))
    return cacheKey(namespace, owner.name);
  const labels = obj.metadata?.labels ?? {};
  if (labels[LABELS.managedBy] === MANAGER && labels[LABELS.instance])
    return cacheKey(namespace, labels[LABELS.instance]);
  return undefined;
}

/** Whether `obj` is a child the operator manages for `project` (by label and controller). */
export function isControlledChild(obj: KubernetesObject, project: MxcpProject): boolean {
  const labels = obj.metadata?.labels ?? {};
  return (
    labels[LABELS.managedBy] === MANAGER &&
    labels[LABELS.instance] === project.metadata.name &&
    controllerOf(obj)?.uid === project.metadata.uid
  );
}
