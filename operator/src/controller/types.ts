// The controller's contract with the process around it (operator/src/main.ts): options, a logger
// and an observer for metrics. Kept apart so the manager can import the types alone.
import type { KubeConfig } from '@kubernetes/client-node';
import type { PodAdmin, ReloadObserver } from '../reload/index.js';

export interface ControllerObserver {
  /** One reconcile finished (`seconds` of wall time). */
  reconciled(result: 'success' | 'error' | 'requeue', seconds: number): void;
  /** An informer relisted or reconnected after an error (`resource` is the plural, e.g. deployments). */
  watchRestarted(resource: string): void;
  /** Keys waiting for a worker. */
  queueDepth(depth: number): void;
  /** Hot reload progress (latency to acknowledgement, admin calls, replaced pods). */
  reload?: ReloadObserver;
}

export interface ControllerLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Watch and reconcile only this namespace; undefined = all namespaces. */
  namespace?: string;
  /** Worker image for projects without spec.image. */
  defaultImage: string;
  /** Concurrent reconciles (different projects only). Default 4. */
  workers?: number;
  observer?: ControllerObserver;
  logger?: ControllerLogger;
  /** Re-check every project this often even without events. Default 10 minutes. */
  resyncPeriodMs?: number;
  /** `reportingInstance` of the Events it records; default the host name. */
  identity?: string;
  /**
   * Label selector of the user Secrets the operator watches for hot reload; default
   * `mxcp.dev/watch=true`, '' watches every Secret. A referenced Secret without the label is read
   * when its project reconciles, so its changes are seen at the next resync only.
   */
  secretLabelSelector?: string;
  reload?: ReloadOptions;
}

export const DEFAULT_SECRET_LABEL_SELECTOR = 'mxcp.dev/watch=true';

export interface ReloadOptions {
  /** How long a pod may take to acknowledge a new secrets hash before it is replaced. Default 5 min. */
  ackTimeoutMs?: number;
  /** Bound on one admin call to a pod. Default 30 s. */
  callTimeoutMs?: number;
  /** Admin calls in flight at once. Default 16. */
  concurrency?: number;
  /** Pause between attempts on one pod. Default 2 s. */
  retryDelayMs?: number;
  /** The admin API client (default: HTTP to the pod IP). */
  admin?: PodAdmin;
}

export const silentLogger: ControllerLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
