// The admin API: JSON views of the running configuration, reload, health (port and Unix socket).
export {
  startAdminHttp,
  startAdminSocket,
  startMetricsHttp,
  DEFAULT_ADMIN_PORT,
  DEFAULT_ADMIN_SOCKET,
} from './server.js';
export type { AdminHandle, AdminHttpOptions } from './server.js';
export type { AdminContext } from './views.js';
export { statusView, configView, endpointsView } from './views.js';
export { waitForSecretsHash } from './secrets-wait.js';
export { readAdminToken, tokensEqual } from './token.js';
