// The controller's contract with the process around it (operator/src/main.ts): options, a logger
// and an observer for metrics. Kept apart so the manager can import the types alone.
import type { KubeConfig } from '@kubernetes/client-node';

export interface ControllerObserver {
  /** One reconcile finished (`seconds` of wall time). */
  reconciled(result: 'success' | 'error' | 'requeue', seconds: number): void;
  /** An informer relisted or reconnected after an error (`resource` is the plural, e.g. deployments). */
  watchRestarted(resource: string): void;
  /** Keys waiting for a worker. */
  queueDepth(depth: number): void;
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
}

export const silentLogger: ControllerLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
