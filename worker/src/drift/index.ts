// Drift detection (MXCP-SPEC §10): snapshot a project's tables and endpoints,
// and compare a baseline snapshot with the current state.
export { buildSnapshot, readSnapshot, snapshotText, writeSnapshot, withoutNulls } from './snapshot.js';
export { compareSnapshots } from './compare.js';
export { renderDriftReport, renderSnapshotSummary } from './render.js';
export type { SnapshotSummary } from './render.js';
export type * from './types.js';
