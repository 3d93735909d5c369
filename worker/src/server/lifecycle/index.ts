// Hot reload and process lifecycle of `mxcp serve`.
export {
  ReloadManager,
  secretsHashOrNull,
  DEFAULT_DRAIN_TIMEOUT_MS,
  type Runtime,
  type ReloadResult,
  type ReloadStatus,
  type ReloadTrigger,
  type ReloadManagerOptions,
} from './reload-manager.js';
export { Lifecycle, DEFAULT_SHUTDOWN_GRACE_MS, type LifecycleOptions } from './shutdown.js';
export {
  lifecycleSettings,
  DEFAULT_RELOAD_WAIT_MS,
  type LifecycleFlags,
  type LifecycleSettings,
} from './settings.js';
export { countedEngine } from './counted-engine.js';
