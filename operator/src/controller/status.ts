// The MxcpProject status the reconciler writes: kstatus-compatible conditions (Ready, Progressing,
// Degraded, ConfigValid) stamped with the generation they describe, lastTransitionTime kept unless
// the condition's status changes, and the Deployment's replica counts. Pure: the reconciler passes
// what it found and gets the status to apply, compares it with the live one and writes only on a
// difference.
import type { V1Deployment } from '@kubernetes/client-node';
import type { Condition, ConditionType, MxcpProject, MxcpProjectStatus } from '../api/index.js';
import { MCP_PORT } from '../api/index.js';
import { canonicalJson, formatProblem, serviceUrl, type Problem } from '../render/index.js';
import type { ReloadSnapshot } from '../reload/index.js';

/** Condition reasons (CamelCase, part of the API: ArgoCD health checks and users match on them). */
export const REASONS = {
  valid: 'Valid',
  invalidSpec: 'InvalidSpec',
  secretNotFound: 'SecretNotFound',
  secretKeyNotFound: 'SecretKeyNotFound',
  configMapNotFound: 'ConfigMapNotFound',
  preflightFailed: 'PreflightFailed',
  available: 'Available',
  scaledToZero: 'ScaledToZero',
  workersNotReady: 'WorkersNotReady',
  rollingOut: 'RollingOut',
  complete: 'Complete',
  configInvalid: 'ConfigInvalid',
  suspended: 'Suspended',
  asExpected: 'AsExpected',
  rolloutStalled: 'RolloutStalled',
  ownershipConflict: 'OwnershipConflict',
  applyFailed: 'ApplyFailed',
  waitingForDeployment: 'WaitingForDeployment',
  reloaded: 'Reloaded',
  reloading: 'Reloading',
  reloadFailed: 'ReloadFailed',
  waitingForWorkers: 'WaitingForWorkers',
} as const;

/** Bound on a condition message (the CRD allows 32 KiB; a readable message is much shorter). */
const MESSAGE_MAX = 4000;
/** Problems listed in a message before "…and N more". */
const PROBLEMS_SHOWN = 10;

export type Reason = (typeof REASONS)[keyof typeof REASONS];

/** A condition without the bookkeeping fields the builder fills in. */
export interface ConditionInput {
  status: 'True' | 'False' | 'Unknown';
  reason: Reason;
  message: string;
}

/** Why the configuration cannot be applied (ConfigValid=False), when it cannot. */
export interface ConfigVerdict {
  reason: Reason;
  problems: Problem[];
}

/** Something that keeps children from being applied (Degraded=True). */
export interface ApplyTrouble {
  reason: Reason;
  message: string;
}

export interface StatusInputs {
  project: MxcpProject;
  /** Undefined when the configuration is valid. */
  invalid?: ConfigVerdict;
  trouble?: ApplyTrouble;
  suspended: boolean;
  deployment?: V1Deployment;
  secretsHash?: string;
  /**
   * Hot reload progress; `null` when the project references no Secret (no Reloaded condition),
   * undefined when not computed this time (what status says is kept).
   */
  reload?: ReloadSnapshot | null;
  /** Referenced Secrets without the watch label: their changes are seen at resync only. */
  unwatchedSecrets?: string[];
  now: Date;
}

export function problemsMessage(problems: Problem[]): string {
  const lines = problems.slice(0, PROBLEMS_SHOWN).map(formatProblem);
  const more = problems.length - PROBLEMS_SHOWN;
  const head =
    problems.length === 1 ? 'The project has a problem' : `The project has ${problems.length} problems`;
  const text = `${head}; fix it in the MxcpProject or its files: ${lines.join('; ')}${more > 0 ? `; …and ${more} more` : ''}`;
  return truncate(text);
}

export function truncate(text: string): string {
  return text.length <= MESSAGE_MAX ? text : `${text.slice(0, MESSAGE_MAX - 1)}…`;
}

interface Rollout {
  desired: number;
  ready: number;
  complete: boolean;
  stalled?: string;
}

function rolloutOf(deployment: V1Deployment): Rollout {
  const desired = deployment.spec?.replicas ?? 1;
  const s = deployment.status ?? {};
  const ready = s.readyReplicas ?? 0;
  const observed = (s.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  const complete =
    observed &&
    (s.updatedReplicas ?? 0) >= desired &&
    ready >= desired &&
    (s.availableReplicas ?? 0) >= desired &&
    (s.replicas ?? 0) <= desired;
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  const stalled =
    progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded'
      ? progressing.message || 'the Deployment exceeded its progress deadline'
      : undefined;
  return { desired, ready, complete, stalled };
}

/** The conditions (as inputs) for the situation, before bookkeeping. */
function conditionInputs(inputs: StatusInputs): Partial<Record<ConditionType, ConditionInput>> {
  const out: Partial<Record<ConditionType, ConditionInput>> = {};
  const { invalid, trouble, deployment } = inputs;
  const rollout = deployment ? rolloutOf(deployment) : undefined;

  if (inputs.suspended) {
    out.Progressing = {
      status: 'False',
      reason: REASONS.suspended,
      message:
        'spec.suspend is true: the operator leaves the children as they are; set it to false to resume',
    };
  } else if (invalid) {
    out.ConfigValid = { status: 'False', reason: invalid.reason, message: problemsMessage(invalid.problems) };
  } else {
    out.ConfigValid = {
      status: 'True',
      reason: REASONS.valid,
      message:
        'The spec, the referenced Secrets and ConfigMaps and the project files passed pre-flight checks',
    };
  }

  const readyFromRollout = (): ConditionInput => {
    if (!rollout)
      return {
        status: 'False',
        reason: REASONS.waitingForDeployment,
        message: 'The worker Deployment does not exist yet',
      };
    if (rollout.complete && rollout.desired === 0)
      return { status: 'True', reason: REASONS.scaledToZero, message: 'spec.replicas is 0: no workers run' };
    if (rollout.complete)
      return {
        status: 'True',
        reason: REASONS.available,
        message: `${rollout.ready}/${rollout.desired} workers ready`,
      };
    return {
      status: 'False',
      reason: REASONS.workersNotReady,
      message: `${rollout.ready}/${rollout.desired} workers ready; waiting for the Deployment rollout`,
    };
  };

  if (!inputs.suspended && invalid) {
    out.Ready = {
      status: 'False',
      reason: REASONS.configInvalid,
      message:
        'The current spec cannot be applied (see ConfigValid); running workers keep the previous configuration',
    };
    out.Progressing = {
      status: 'False',
      reason: REASONS.configInvalid,
      message: 'Nothing is rolled out until the configuration is fixed (see ConfigValid)',
    };
  } else {
    out.Ready = readyFromRollout();
    if (!inputs.suspended) {
      out.Progressing =
        rollout && rollout.complete
          ? { status: 'False', reason: REASONS.complete, message: 'The workers run the current spec' }
          : {
              status: 'True',
              reason: REASONS.rollingOut,
              message: rollout
                ? `Rolling out: ${rollout.ready}/${rollout.desired} workers ready`
                : 'Creating the workers',
            };
    }
  }

  if (!inputs.suspended && invalid) {
    out.Degraded = {
      status: 'True',
      reason: REASONS.configInvalid,
      message: 'The configuration is invalid (see ConfigValid)',
    };
  } else if (trouble) {
    out.Degraded = { status: 'True', reason: trouble.reason, message: truncate(trouble.message) };
  } else if (rollout?.stalled) {
    out.Degraded = { status: 'True', reason: REASONS.rolloutStalled, message: truncate(rollout.stalled) };
  } else {
    out.Degraded = { status: 'False', reason: REASONS.asExpected, message: 'No problems found' };
  }
  if (inputs.reload) out.Reloaded = reloadedCondition(inputs.reload, inputs.unwatchedSecrets ?? []);
  if (trouble && out.Ready?.status === 'True') {
    out.Ready = { status: 'False', reason: trouble.reason, message: truncate(trouble.message) };
  }
  return out;
}

function reloadedCondition(reload: ReloadSnapshot, unwatched: string[]): ConditionInput {
  const hash = reload.secretsHash.slice(0, 12);
  const note =
    unwatched.length > 0
      ? `; Secret${unwatched.length > 1 ? 's' : ''} ${unwatched.map((n) => `'${n}'`).join(', ')} lack${unwatched.length > 1 ? '' : 's'} the watch label (mxcp.dev/watch=true): changes there are seen only at the periodic resync`
      : '';
  const { readyReplicas: ready, reloadedReplicas: reloaded } = reload;
  if (ready === 0)
    return {
      status: 'Unknown',
      reason: REASONS.waitingForWorkers,
      message: truncate(`No worker is ready to load secrets hash ${hash}${note}`),
    };
  if (reloaded >= ready)
    return {
      status: 'True',
      reason: REASONS.reloaded,
      message: truncate(`${reloaded}/${ready} ready workers run secrets hash ${hash}${note}`),
    };
  if (reload.failing)
    return {
      status: 'False',
      reason: REASONS.reloadFailed,
      message: truncate(
        `${reloaded}/${ready} ready workers run secrets hash ${hash}; replaced pods that did not load it: ${reload.failures
          .slice(0, 3)
          .map((f) => f.pod)
          .join(', ')}${note}`,
      ),
    };
  return {
    status: 'False',
    reason: REASONS.reloading,
    message: truncate(
      `${reloaded}/${ready} ready workers run secrets hash ${hash}; asking the others to reload${note}`,
    ),
  };
}

const ORDER: ConditionType[] = ['Ready', 'Progressing', 'Degraded', 'ConfigValid', 'Reloaded'];

/** The full status to apply. Conditions not computed this time (e.g. ConfigValid while suspended) are kept. */
export function buildStatus(inputs: StatusInputs): MxcpProjectStatus {
  const { project, now } = inputs;
  const generation = project.metadata.generation ?? 0;
  const previous = new Map((project.status?.conditions ?? []).map((c) => [c.type, c]));
  const computed = conditionInputs(inputs);
  const conditions: Condition[] = [];
  for (const type of ORDER) {
    const input = computed[type];
    const old = previous.get(type);
    if (type === 'Reloaded' && inputs.reload === null) continue;
    if (!input) {
      if (old) conditions.push(old);
      continue;
    }
    conditions.push({
      type,
      status: input.status,
      observedGeneration: generation,
      lastTransitionTime:
        old && old.status === input.status
          ? old.lastTransitionTime
          : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reason: input.reason,
      message: input.message,
    });
  }
  const status: MxcpProjectStatus = {
    observedGeneration: generation,
    conditions,
    url: serviceUrl(project, MCP_PORT),
  };
  if (inputs.deployment) {
    status.replicas = inputs.deployment.status?.replicas ?? 0;
    status.readyReplicas = inputs.deployment.status?.readyReplicas ?? 0;
  }
  if (inputs.secretsHash !== undefined) status.secretsHash = inputs.secretsHash;
  const keep = project.status;
  if (inputs.secretsHash === undefined && keep?.secretsHash !== undefined)
    status.secretsHash = keep.secretsHash;
  if (inputs.reload) {
    const { secretsHash, readyReplicas, reloadedReplicas, lastReloadTime, failures } = inputs.reload;
    status.reload = {
      secretsHash,
      reloadedReplicas,
      readyReplicas,
      ...(lastReloadTime ? { lastReloadTime } : {}),
      ...(failures.length > 0 ? { failures } : {}),
    };
  } else if (inputs.reload === undefined && keep?.reload) {
    status.reload = keep.reload;
  }
  return status;
}

/** Whether two statuses say the same (conditions compared by type, not order). */
export function sameStatus(a: MxcpProjectStatus | undefined, b: MxcpProjectStatus | undefined): boolean {
  const norm = (s: MxcpProjectStatus | undefined) =>
    canonicalJson({
      ...(s ?? {}),
      conditions: [...(s?.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type)),
    });
  return norm(a) === norm(b);
}

/** A condition's status or reason changed (or it appeared): the moments worth an Event. */
export function transitions(
  before: MxcpProjectStatus | undefined,
  after: MxcpProjectStatus,
): Array<{ type: ConditionType; condition: Condition }> {
  const old = new Map((before?.conditions ?? []).map((c) => [c.type, c]));
  return (after.conditions ?? [])
    .filter((c) => old.get(c.type)?.status !== c.status || old.get(c.type)?.reason !== c.reason)
    .map((c) => ({ type: c.type as ConditionType, condition: c }));
}
