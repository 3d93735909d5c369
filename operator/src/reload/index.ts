// Hot reload of rotated Secrets: the admin API client for worker pods and the coordinator that
// gets every ready pod to acknowledge a project's secrets hash (DESIGN §6).
export * from './coordinator.js';
export * from './pod-admin.js';
export * from './pods.js';
