// DNS-rebinding protection for the MCP routes. A page on evil.example.com that
// resolves to 127.0.0.1 can reach a local server; rejecting foreign Host and Origin
// headers stops it. On by default for loopback binds (as the SDK's
// createMcpExpressApp does); an explicit allowedHosts list turns it on for any bind.
import type { RequestHandler } from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';

const LOOPBACK_BINDS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** Accepted Host values remembered; only allowed names (with any port) get in, so this stays tiny. */
const MAX_REMEMBERED_HOSTS = 64;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_BINDS.has(host);
}

/** The hostnames (no ports) MCP requests may name, or null when the guard is off. */
export function allowedHostnames(bindHost: string, allowedHosts?: string[]): string[] | null {
  if (allowedHosts && allowedHosts.length > 0) return allowedHosts;
  return isLoopbackHost(bindHost) ? LOOPBACK_NAMES : null;
}

/** Middleware rejecting (403) a request whose Host, or Origin when present, names another host. */
export function dnsRebindingGuard(hostnames: string[]): RequestHandler {
  const checkHost = hostHeaderValidation(hostnames);
  // A client sends the same Host on every call: remember the few values already
  // accepted rather than URL-parsing each one again.
  const acceptedHosts = new Set<string>();
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !hostnames.includes(originHostname(origin))) {
      res
        .status(403)
        .json({ jsonrpc: '2.0', error: { code: -32000, message: `Invalid Origin: ${origin}` }, id: null });
      return;
    }
    const host = req.headers.host;
    if (host !== undefined && acceptedHosts.has(host)) return next();
    checkHost(req, res, () => {
      if (host !== undefined && acceptedHosts.size < MAX_REMEMBERED_HOSTS) acceptedHosts.add(host);
      next();
    });
  };
}

function originHostname(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return '';
  }
}
