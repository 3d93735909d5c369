// Lifecycle and admin settings of `mxcp serve`, from flags or their environment variables
// (flag wins). The admin port is off unless a token file is given; the Unix socket is off unless
// MXCP_ADMIN_ENABLED is true (as in MXCP).
import { parseFlag } from '../../config/index.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_ADMIN_SOCKET } from '../admin/server.js';
import { DEFAULT_SHUTDOWN_GRACE_MS } from './shutdown.js';

/** The kubelet refreshes mounted Secrets within a minute or two. */
export const DEFAULT_RELOAD_WAIT_MS = 120_000;

export interface LifecycleFlags {
  adminPort?: string;
  adminHost?: string;
  adminTokenFile?: string;
  secretsDir?: string;
  reloadWaitTimeout?: string;
  shutdownGrace?: string;
}

export interface LifecycleSettings {
  /** The bearer-protected admin port; absent when disabled. */
  adminHttp?: { host: string; port: number; tokenFile: string };
  /** MXCP's admin Unix socket; absent when disabled. */
  adminSocket?: string;
  secretsDir?: string;
  reloadWaitTimeoutMs: number;
  shutdownGraceMs: number;
}

export function lifecycleSettings(
  flags: LifecycleFlags,
  env: NodeJS.ProcessEnv,
  mcpHost: string,
): LifecycleSettings {
  const tokenFile = flags.adminTokenFile ?? nonEmpty(env.MXCP_ADMIN_TOKEN_FILE);
  const portText = flags.adminPort ?? nonEmpty(env.MXCP_ADMIN_PORT);
  if (portText !== undefined && tokenFile === undefined) {
    throw new Error('The admin port needs a bearer token: set --admin-token-file (or MXCP_ADMIN_TOKEN_FILE)');
  }
  const settings: LifecycleSettings = {
    secretsDir: flags.secretsDir ?? nonEmpty(env.MXCP_SECRETS_DIR),
    reloadWaitTimeoutMs: seconds(
      flags.reloadWaitTimeout ?? nonEmpty(env.MXCP_RELOAD_WAIT_TIMEOUT),
      '--reload-wait-timeout',
      DEFAULT_RELOAD_WAIT_MS,
    ),
    shutdownGraceMs: seconds(
      flags.shutdownGrace ?? nonEmpty(env.MXCP_SHUTDOWN_GRACE),
      '--shutdown-grace',
      DEFAULT_SHUTDOWN_GRACE_MS,
    ),
  };
  if (tokenFile !== undefined) {
    settings.adminHttp = {
      host: flags.adminHost ?? nonEmpty(env.MXCP_ADMIN_HOST) ?? mcpHost,
      port: portText === undefined ? DEFAULT_ADMIN_PORT : port(portText),
      tokenFile,
    };
  }
  if (parseFlag(env.MXCP_ADMIN_ENABLED ?? '') === true) {
    settings.adminSocket = nonEmpty(env.MXCP_ADMIN_SOCKET) ?? DEFAULT_ADMIN_SOCKET;
  }
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`Invalid admin port '${value}': expected an integer between 0 and 65535`);
  }
  return n;
}

function seconds(value: string | undefined, flag: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`Invalid ${flag} '${value}': expected seconds (a number ≥ 0)`);
  return Math.round(n * 1000);
}
