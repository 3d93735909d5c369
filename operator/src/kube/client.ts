// The operator's connection to the API server and the write paths the reconciler uses: server-side
// apply for children (one field manager, force so the operator wins fields it owns), server-side apply
// on the status subresource of custom resources, and get/list/delete that turn 404 into a value.
// client-node's generic KubernetesObjectApi has no subresource support, so status goes through
// CustomObjectsApi with the apply content type set by middleware.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { isNotFound } from './errors.js';

/** The single field manager every operator write uses (SSA ownership is per manager). */
export const FIELD_MANAGER = 'mxcp-operator';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeConfigSource {
  /** Explicit kubeconfig file (wins over everything else). */
  kubeconfigPath?: string;
  /** Context to select in the kubeconfig. */
  context?: string;
}

/**
 * Loads a KubeConfig: an explicit path, else `$KUBECONFIG`, else `~/.kube/config`, else the pod's
 * service account (in-cluster). Unlike client-node's loadFromDefault it fails instead of silently
 * falling back to http://localhost:8080.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  const home = join(homedir(), '.kube', 'config');
  if (source.kubeconfigPath) kc.loadFromFile(source.kubeconfigPath);
  else if (process.env.KUBECONFIG) kc.loadFromDefault();
  else if (existsSync(home)) kc.loadFromFile(home);
  else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) kc.loadFromCluster();
  else
    throw new Error(
      'no Kubernetes configuration: set --kubeconfig or KUBECONFIG, or run in a pod with a service account',
    );
  if (source.context) kc.setCurrentContext(source.context);
  if (!kc.getCurrentCluster())
    throw new Error(`kubeconfig has no cluster for context "${kc.getCurrentContext()}"`);
  return kc;
}

/** Identifies a custom resource type (what CustomObjectsApi and watch paths need). */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

/** `group/version` (or `version` for the core group). */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The collection path used for list and watch, namespaced when `namespace` is given. */
export function collectionPath(
  type: Pick<ResourceType, 'group' | 'version' | 'plural'>,
  namespace?: string,
): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  return namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`
    : `${base}/${type.plural}`;
}

export interface ApplyOptions {
  /** Default FIELD_MANAGER. */
  fieldManager?: string;
  /** Take over fields another manager owns (default true: the operator is the source of truth). */
  force?: boolean;
  /** Server-side dry run: validate and show the result without persisting. */
  dryRun?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface DeleteOptions {
  /** Default 'Background' (children go via garbage collection). */
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

/** Fields the server owns and rejects or misreads in an apply request. */
function applyBody<T extends KubernetesObject>(obj: T): T {
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
    throw new Error('server-side apply needs apiVersion, kind and metadata.name');
  }
  const {
    managedFields: _managed,
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _ct,
    ...metadata
  } = obj.metadata;
  return { ...obj, metadata };
}

export class KubeClient {
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly events: EventsV1Api;

  constructor(readonly kc: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.events = kc.makeApiClient(EventsV1Api);
  }

  static fromConfig(source: KubeConfigSource = {}): KubeClient {
    return new KubeClient(loadKubeConfig(source));
  }

  /**
   * Server-side applies `obj` (creates or updates; the server merges by field ownership). Server-owned
   * metadata (resourceVersion, uid, managedFields, creationTimestamp) is stripped, so applying an object
   * read from the cluster is not turned into an optimistic-lock precondition.
   */
  async applyObject<T extends KubernetesObject>(obj: T, options: ApplyOptions = {}): Promise<T> {
    return this.objects.patch(
      applyBody(obj),
      undefined,
      options.dryRun ? 'All' : undefined,
      options.fieldManager ?? FIELD_MANAGER,
      options.force ?? true,
      PatchStrategy.ServerSideApply,
    );
  }

  /**
   * Server-side applies `status` to the status subresource of a namespaced custom resource. Only the
   * fields in `status` are owned by the field manager; fields it applied before and omits now are removed
   * (that is how SSA works: send the whole status the operator owns, every time).
   */
  async applyStatus<S>(
    type: ResourceType,
    namespace: string,
    name: string,
    status: S,
    options: ApplyOptions = {},
  ): Promise<KubernetesObject & { status?: S }> {
    const body = { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { name, namespace }, status };
    return this.custom.patchNamespacedCustomObjectStatus(
      {
        group: type.group,
        version: type.version,
        plural: type.plural,
        namespace,
        name,
        body,
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: options.force ?? true,
        dryRun: options.dryRun ? 'All' : undefined,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    ) as Promise<KubernetesObject & { status?: S }>;
  }

  /** Reads one object; undefined when it does not exist. */
  async get<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.objects.read<T>({ apiVersion, kind, metadata: { name, namespace } } as T & {
        metadata: { name: string };
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Lists objects of a kind (all namespaces when `namespace` is undefined). */
  async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    options: ListOptions = {},
  ): Promise<T[]> {
    const list = await this.objects.list<T>(
      apiVersion,
      kind,
      namespace,
      undefined,
      undefined,
      undefined,
      options.fieldSelector,
      options.labelSelector,
    );
    return list.items;
  }

  /** Deletes an object; false when it was already gone. */
  async delete(obj: KubernetesObject, options: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.objects.delete(
        obj,
        undefined,
        undefined,
        undefined,
        undefined,
        options.propagationPolicy ?? 'Background',
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
