// The MxcpProject controller: informers on projects, their children and the objects they
// reference, a keyed work queue, and the reconciler that renders, applies and reports status.
export { MxcpController } from './controller.js';
export type { ControllerLogger, ControllerObserver, ControllerOptions } from './types.js';
export { REASONS } from './status.js';
export { CHILD_KINDS } from './children.js';
