// Whether applying a desired child would change the live object. An SSA patch that changes nothing
// is still a write request, so the reconciler skips it when (1) every value it wants is already live
// (values others added, server defaults and foreign annotations such as kubectl's restartedAt are
// fine), and (2) every field the operator's field manager owns is still wanted (a field it stopped
// applying must be removed by an apply). The second check walks the manager's managedFields
// (fieldsV1), whose keys say how to find each owned element, so no per-kind schema is needed.
import type { KubernetesObject, V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../kube/index.js';

/** Why `desired` must be applied over `live`, or undefined when the apply would change nothing. */
export function applyReason(
  desired: KubernetesObject,
  live: KubernetesObject | undefined,
  manager: string = FIELD_MANAGER,
): string | undefined {
  if (!live) return 'absent';
  const entry = ownEntry(live, manager);
  if (!entry) return `not applied by ${manager} yet`;
  const differs = firstDifference(desired, live, []);
  if (differs) return `differs at ${differs}`;
  const stale = firstStale((entry.fieldsV1 ?? {}) as FieldSet, desired, []);
  if (stale) return `no longer wanted: ${stale}`;
  return undefined;
}

function ownEntry(live: KubernetesObject, manager: string): V1ManagedFieldsEntry | undefined {
  return live.metadata?.managedFields?.find(
    (e) => e.manager === manager && e.operation === 'Apply' && !e.subresource,
  );
}

type FieldSet = { [key: string]: FieldSet };
type Path = Array<string | number>;

const show = (path: Path): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '.';

/** Keys that identify list elements when the live list may hold elements others added. */
const ELEMENT_KEYS = ['name', 'mountPath', 'uid', 'devicePath'] as const;

function elementKey(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  return ELEMENT_KEYS.find((k) => typeof record[k] === 'string');
}

/** The first path where `desired` is not contained in `live`, or undefined. */
export function firstDifference(desired: unknown, live: unknown, path: Path): string | undefined {
  if (desired === undefined) return undefined;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return show(path);
    const key = desired.length > 0 ? elementKey(desired[0]) : undefined;
    if (key && desired.every((d) => elementKey(d) === key)) {
      for (const d of desired as Array<Record<string, unknown>>) {
        const match = (live as Array<Record<string, unknown>>).find((l) => l?.[key] === d[key]);
        if (!match) return show([...path, `${key}=${String(d[key])}`]);
        const diff = firstDifference(d, match, [...path, `${key}=${String(d[key])}`]);
        if (diff) return diff;
      }
      return undefined;
    }
    if (live.length !== desired.length) return show(path);
    for (let i = 0; i < desired.length; i++) {
      const diff = firstDifference(desired[i], live[i], [...path, i]);
      if (diff) return diff;
    }
    return undefined;
  }
  if (desired !== null && typeof desired === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return show(path);
    for (const [k, v] of Object.entries(desired)) {
      const diff = firstDifference(v, (live as Record<string, unknown>)[k], [...path, k]);
      if (diff) return diff;
    }
    return undefined;
  }
  if (desired === live) return undefined;
  // The API server canonicalises quantities (e.g. 0.5 → 500m) in resources and storage requests.
  if (path.includes('resources') && sameQuantity(desired, live)) return undefined;
  return show(path);
}

/** The first field the manager owns that `desired` no longer sets, or undefined. */
export function firstStale(fields: FieldSet, desired: unknown, path: Path): string | undefined {
  for (const [key, sub] of Object.entries(fields)) {
    if (key === '.') continue;
    const kind = key.slice(0, 2);
    const rest = key.slice(2);
    let next: unknown;
    let step: string | number;
    if (kind === 'f:') {
      if (!desired || typeof desired !== 'object' || Array.isArray(desired)) return show([...path, rest]);
      next = (desired as Record<string, unknown>)[rest];
      step = rest;
      if (next === undefined) return show([...path, rest]);
    } else if (kind === 'k:') {
      if (!Array.isArray(desired)) return show([...path, key]);
      const want = JSON.parse(rest) as Record<string, unknown>;
      // Lenient on key fields the desired element leaves to server defaults (e.g. protocol: TCP).
      next = desired.find(
        (d: Record<string, unknown>) =>
          d && Object.entries(want).every(([k, v]) => d[k] === undefined || sameScalar(d[k], v)),
      );
      step = rest;
      if (next === undefined) return show([...path, rest]);
    } else if (kind === 'v:') {
      if (!Array.isArray(desired)) return show([...path, key]);
      const value: unknown = JSON.parse(rest);
      if (!desired.some((d) => JSON.stringify(d) === JSON.stringify(value))) return show([...path, rest]);
      continue;
    } else if (kind === 'i:') {
      const index = Number(rest);
      if (!Array.isArray(desired) || index >= desired.length) return show([...path, index]);
      next = desired[index];
      step = index;
    } else {
      continue;
    }
    const stale = firstStale(sub, next, [...path, step]);
    if (stale) return stale;
  }
  return undefined;
}

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || String(a) === String(b);
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number, or undefined when `value` is not one. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * SUFFIX[m[2] ?? ''];
}

function sameQuantity(a: unknown, b: unknown): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}
