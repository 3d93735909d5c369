// The operator process around the reconcile controller: flags and environment, JSON logs, Prometheus
// metrics, probe endpoints, Lease leader election and graceful shutdown.
export * from './http.js';
export * from './logger.js';
export * from './manager.js';
export * from './metrics.js';
export * from './options.js';
export * from './run.js';
