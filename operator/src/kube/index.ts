// The operator's controller machinery over @kubernetes/client-node (which has none of it): API access
// with server-side apply, a supervised informer, a keyed rate-limited work queue, Lease leader
// election and an event recorder. The reconciler builds on these; nothing here knows MxcpProject.

export * from './client.js';
export * from './errors.js';
export * from './events.js';
export * from './informer.js';
export * from './keys.js';
export * from './leader.js';
export * from './ratelimit.js';
export * from './workqueue.js';
