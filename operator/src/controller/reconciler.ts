// Reconciles one MxcpProject: resolve what it references, validate and pre-flight it (problems stop
// here, before any workload is touched), render the children, apply those that differ from the live
// objects (server-side apply, one field manager, controller ownerReferences; orphans adopted, other
// controllers' objects refused), delete children no longer rendered, and write the status when it
// changed. Reads come from the informer caches, so a converged project costs no API writes.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1Deployment, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { MxcpProject, MxcpProjectStatus } from '../api/index.js';
import { API_VERSION, DEFAULT_ADMIN_PORT, GROUP, KIND, PLURAL, VERSION } from '../api/index.js';
import {
  collectionPath,
  describeApiError,
  isNotFound,
  isRetryable,
  objectKey,
  type EventRecorder,
  type KubeClient,
  type ProcessResult,
  type ResourceType,
} from '../kube/index.js';
import {
  ADMIN_TOKEN_KEY,
  AUTH_KEYS_KEY,
  RenderError,
  childNames,
  needsGeneratedAuthKey,
  projectFiles,
  referencedSecrets,
  render,
  selectorLabels,
} from '../render/index.js';
import { matchesLabels, workerPod, type ReloadCoordinator, type ReloadSnapshot } from '../reload/index.js';
import {
  CHILD_KINDS,
  childKind,
  childRef,
  isControlledChild,
  ownerReference,
  ownershipOf,
  type ChildKind,
} from './children.js';
import { applyReason } from './drift.js';
import { getJson } from './list.js';
import type { PreflightCache } from './preflight-cache.js';
import { resolveReferences, type ObjectStore } from './references.js';
import {
  REASONS,
  buildStatus,
  sameStatus,
  transitions,
  type ApplyTrouble,
  type ConfigVerdict,
} from './status.js';
import type { ControllerLogger } from './types.js';

export const PROJECT_TYPE: ResourceType = { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND };

/** How soon to look again when another object holds a child's name or an apply was refused. */
const CONFLICT_RECHECK_MS = 60_000;
const FAILED_APPLY_RECHECK_MS = 5 * 60_000;
/** A child left by a deleted project of the same name: garbage collection removes it shortly. */
const PREVIOUS_OWNER_RECHECK_MS = 2_000;
/** A referenced Secret that is missing (or lacks a key) is read again this often. */
const MISSING_SECRET_RECHECK_MS = 30_000;

export interface ChildStore extends ObjectStore<KubernetesObject> {
  list(namespace?: string): KubernetesObject[];
}

export interface ReconcilerDeps {
  client: KubeClient;
  projects: ObjectStore<MxcpProject>;
  /** Informer caches by child kind (`ConfigMap`, `Deployment`…). */
  children: ReadonlyMap<string, ChildStore>;
  recorder: EventRecorder;
  /** User Secrets carrying the watch label (hot reload sees their changes at once). */
  userSecrets: ObjectStore<V1Secret>;
  /** Worker pods of every project. */
  pods: { list(namespace?: string): V1Pod[] };
  reloads: ReloadCoordinator;
  preflight: PreflightCache;
  logger: ControllerLogger;
  defaultImage: string;
}

interface Convergence {
  invalid?: ConfigVerdict;
  trouble?: ApplyTrouble;
  secretsHash?: string;
  reload?: ReloadSnapshot | null;
  unwatchedSecrets?: string[];
  requeueAfterMs?: number;
}

export class Reconciler {
  /**
   * Generated values (admin token, auth sealing key) possibly not yet seen in the cache, by project
   * uid: a second reconcile before the informer sees the applied Secret must not generate another.
   */
  private readonly tokens = new Map<string, string>();
  private readonly signingKeys = new Map<string, string>();

  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(namespace: string, name: string): Promise<ProcessResult> {
    const project = this.deps.projects.get(namespace, name);
    // Deleted (or being deleted): garbage collection removes the children through their ownerReferences.
    if (!project || project.metadata.deletionTimestamp) return undefined;
    const suspended = Boolean(project.spec?.suspend);
    const outcome: Convergence = suspended ? {} : await this.converge(project);
    const status = buildStatus({
      project,
      invalid: outcome.invalid,
      trouble: outcome.trouble,
      suspended,
      deployment: this.deployment(project),
      secretsHash: outcome.secretsHash,
      reload: outcome.reload,
      unwatchedSecrets: outcome.unwatchedSecrets,
      now: new Date(),
    });
    await this.writeStatus(project, status);
    return outcome.requeueAfterMs !== undefined ? { requeueAfterMs: outcome.requeueAfterMs } : undefined;
  }

  /** Drops what the reconciler remembers about a deleted project. */
  forget(project: MxcpProject): void {
    if (project.metadata.uid) {
      this.tokens.delete(project.metadata.uid);
      this.signingKeys.delete(project.metadata.uid);
    }
    this.deps.recorder.forget(project as KubernetesObject);
  }

  private async converge(project: MxcpProject): Promise<Convergence> {
    const { deps } = this;
    const secrets = await this.referencedSecretStore(project);
    const refs = resolveReferences(
      project,
      secrets.store,
      deps.children.get('ConfigMap') as ObjectStore<never>,
    );
    // A missing Secret without the watch label would otherwise be seen only at the next resync.
    if (refs.invalid)
      return {
        invalid: refs.invalid,
        ...(refs.invalid.reason === REASONS.secretNotFound ||
        refs.invalid.reason === REASONS.secretKeyNotFound
          ? { requeueAfterMs: MISSING_SECRET_RECHECK_MS }
          : {}),
      };

    let desired: KubernetesObject[];
    try {
      // projectFiles and render validate the spec: problems come back as a RenderError (caught below).
      const files = projectFiles(project, { files: refs.files });
      const preflight = await deps.preflight.check(files, project.spec.profile);
      if (preflight.length > 0) return { invalid: { reason: REASONS.preflightFailed, problems: preflight } };
      const adminToken = await this.generated(
        project,
        childNames(project).adminToken,
        ADMIN_TOKEN_KEY,
        this.tokens,
      );
      const authSigningKey = await this.authSigningKey(project);
      desired = render(project, {
        files: refs.files,
        adminToken,
        authSigningKey,
        defaultImage: deps.defaultImage,
      });
    } catch (error) {
      if (error instanceof RenderError)
        return { invalid: { reason: REASONS.invalidSpec, problems: error.problems } };
      throw error;
    }

    const owner = ownerReference(project);
    const conflicts: string[] = [];
    const failures: string[] = [];
    let requeueAfterMs: number | undefined;
    for (const child of desired) {
      child.metadata = { ...child.metadata, ownerReferences: [owner] };
      const kind = childKind(child);
      const live = await this.live(kind, child.metadata.namespace!, child.metadata.name!);
      const ownership = ownershipOf(live, project);
      if (ownership.kind === 'foreign') {
        conflicts.push(
          `${childRef(child)} already exists and is controlled by ${ownership.owner.kind}/${ownership.owner.name}`,
        );
        continue;
      }
      if (ownership.kind === 'previous-project') {
        requeueAfterMs = PREVIOUS_OWNER_RECHECK_MS;
        continue;
      }
      const reason = applyReason(child, live);
      if (!reason) continue;
      try {
        await deps.client.applyObject(child);
      } catch (error) {
        if (isRetryable(error)) throw error;
        failures.push(`${childRef(child)}: ${describeApiError(error)}`);
        continue;
      }
      deps.logger.debug('applied child', { project: objectKey(project), child: childRef(child), reason });
      if (ownership.kind === 'orphan') {
        await deps.recorder.record(
          project as KubernetesObject,
          'Normal',
          'Adopted',
          `Adopted ${childRef(child)}, which had no controller`,
          { action: 'Adopt', related: child },
        );
      }
    }
    await this.deleteUnwanted(project, desired);

    let trouble: ApplyTrouble | undefined;
    if (conflicts.length > 0) {
      trouble = {
        reason: REASONS.ownershipConflict,
        message: `Refusing to overwrite objects another controller owns: ${conflicts.join('; ')}. Delete or rename them, or rename the MxcpProject`,
      };
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, CONFLICT_RECHECK_MS);
    } else if (failures.length > 0) {
      trouble = {
        reason: REASONS.applyFailed,
        message: `The API server refused: ${failures.join('; ')}`,
      };
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, FAILED_APPLY_RECHECK_MS);
    }
    return {
      trouble,
      secretsHash: refs.secretsHash,
      reload: this.reloadProgress(project, refs.secretsHash),
      unwatchedSecrets: secrets.unwatched,
      requeueAfterMs,
    };
  }

  /**
   * The project's referenced Secrets: from the watch-label informer, else read now (an unlabelled
   * Secret still works; its changes reach the workers at the next resync, and status says so).
   */
  private async referencedSecretStore(
    project: MxcpProject,
  ): Promise<{ store: ObjectStore<V1Secret>; unwatched: string[] }> {
    const namespace = project.metadata.namespace!;
    const found = new Map<string, V1Secret>();
    const unwatched: string[] = [];
    const type = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' };
    for (const name of referencedSecrets(project)) {
      const cached = this.deps.userSecrets.get(namespace, name);
      if (cached) {
        found.set(name, cached);
        continue;
      }
      try {
        found.set(
          name,
          await getJson<V1Secret>(
            this.deps.client.kc,
            `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`,
          ),
        );
        unwatched.push(name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return { store: { get: (ns, name) => (ns === namespace ? found.get(name) : undefined) }, unwatched };
  }

  /** Hands the secrets hash and the worker pods to the reload coordinator; null without Secrets. */
  private reloadProgress(
    project: MxcpProject,
    secretsHash: string | undefined,
  ): ReloadSnapshot | null | undefined {
    if (referencedSecrets(project).length === 0) return null;
    if (!secretsHash) return undefined;
    const namespace = project.metadata.namespace!;
    const tokenSecret = this.deps.children.get('Secret')?.get(namespace, childNames(project).adminToken) as
      | V1Secret
      | undefined;
    const token = tokenSecret?.data?.[ADMIN_TOKEN_KEY];
    // The token Secret was just applied and the cache has not seen it: the next event comes back.
    if (!token || !isControlledChild(tokenSecret, project)) return undefined;
    const selector = selectorLabels(project);
    const pods = this.deps.pods
      .list(namespace)
      .filter((pod) => matchesLabels(pod, selector))
      .map(workerPod);
    return this.deps.reloads.observe({
      key: objectKey(project),
      secretsHash,
      adminPort: project.spec.admin?.port ?? DEFAULT_ADMIN_PORT,
      adminToken: Buffer.from(token, 'base64').toString('utf8').trim(),
      pods,
      previous: project.status?.reload,
    });
  }

  /** The cached object, or (on a cache miss, e.g. an unlabelled object with a child's name) a read. */
  private async live(
    kind: ChildKind,
    namespace: string,
    name: string,
  ): Promise<KubernetesObject | undefined> {
    const cached = this.deps.children.get(kind.kind)?.get(namespace, name);
    if (cached) return cached;
    try {
      const obj = await getJson<KubernetesObject>(
        this.deps.client.kc,
        `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`,
      );
      return { ...obj, apiVersion: obj.apiVersion ?? kind.apiVersion, kind: obj.kind ?? kind.kind };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * The token sealing key of `<name>-auth-keys`, when auth is on without encryptionKeySecretRef:
   * generated once, then read back and kept (tokens issued stay valid across reconciles and
   * restarts of the operator). With auth off the Secret is pruned, and a later one is new.
   */
  private async authSigningKey(project: MxcpProject): Promise<string | undefined> {
    if (!needsGeneratedAuthKey(project)) {
      this.signingKeys.delete(project.metadata.uid!);
      return undefined;
    }
    return this.generated(project, childNames(project).authKeys, AUTH_KEYS_KEY, this.signingKeys);
  }

  /**
   * A generated Secret value: the one in the existing Secret (ours or an orphan we adopt), else a
   * new random one (32 bytes, base64url), remembered until the cache shows the applied Secret.
   */
  private async generated(
    project: MxcpProject,
    secretName: string,
    key: string,
    remembered: Map<string, string>,
  ): Promise<string> {
    const uid = project.metadata.uid!;
    const kind = CHILD_KINDS.find((k) => k.kind === 'Secret')!;
    const live = (await this.live(kind, project.metadata.namespace!, secretName)) as V1Secret | undefined;
    const ownership = ownershipOf(live, project);
    const existing = live?.data?.[key];
    if (existing && (ownership.kind === 'ours' || ownership.kind === 'orphan')) {
      const value = Buffer.from(existing, 'base64').toString('utf8');
      remembered.set(uid, value);
      return value;
    }
    let value = remembered.get(uid);
    if (!value) {
      value = randomBytes(32).toString('base64url');
      remembered.set(uid, value);
    }
    return value;
  }

  /** Children this project controls that render no longer produces (audit off, replicas down to 1…). */
  private async deleteUnwanted(project: MxcpProject, desired: KubernetesObject[]): Promise<void> {
    const wanted = new Set(desired.map((d) => `${d.kind}/${d.metadata?.name}`));
    for (const kind of CHILD_KINDS) {
      const store = this.deps.children.get(kind.kind);
      for (const obj of store?.list(project.metadata.namespace) ?? []) {
        if (obj.metadata?.deletionTimestamp || !isControlledChild(obj, project)) continue;
        if (wanted.has(`${kind.kind}/${obj.metadata?.name}`)) continue;
        const target = {
          apiVersion: kind.apiVersion,
          kind: kind.kind,
          metadata: { name: obj.metadata!.name, namespace: obj.metadata!.namespace },
        };
        try {
          await this.deps.client.delete(target);
        } catch (error) {
          if (isRetryable(error)) throw error;
          this.deps.logger.warn('could not delete a child no longer wanted', {
            project: objectKey(project),
            child: childRef(target),
            error: describeApiError(error),
          });
          continue;
        }
        this.deps.logger.info('deleted child no longer wanted', {
          project: objectKey(project),
          child: childRef(target),
        });
      }
    }
  }

  private deployment(project: MxcpProject): V1Deployment | undefined {
    const obj = this.deps.children
      .get('Deployment')
      ?.get(project.metadata.namespace, childNames(project).deployment);
    return obj && isControlledChild(obj, project) ? (obj as V1Deployment) : undefined;
  }

  private async writeStatus(project: MxcpProject, status: MxcpProjectStatus): Promise<void> {
    if (sameStatus(project.status, status)) return;
    await this.deps.client.applyStatus(
      PROJECT_TYPE,
      project.metadata.namespace!,
      project.metadata.name,
      status,
    );
    for (const { type, condition } of transitions(project.status, status)) {
      const warning =
        (type === 'ConfigValid' && condition.status === 'False') ||
        (type === 'Degraded' && condition.status === 'True');
      const worth =
        type === 'ConfigValid' ||
        (type === 'Ready' &&
          (condition.status === 'True' ||
            project.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) ||
        (type === 'Degraded' &&
          (condition.status === 'True' ||
            project.status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'True'))) ||
        (type === 'Reloaded' &&
          condition.status === 'True' &&
          project.status?.conditions?.some((c) => c.type === 'Reloaded' && c.status !== 'True'));
      if (!worth) continue;
      await this.deps.recorder.record(
        { apiVersion: API_VERSION, kind: KIND, metadata: project.metadata } as KubernetesObject,
        warning ? 'Warning' : 'Normal',
        condition.reason,
        `${type}=${condition.status}: ${condition.message}`,
      );
    }
  }
}
