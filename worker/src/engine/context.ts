// Who is calling and how: passed to every execution so SQL helper functions
// (get_username(), get_request_header(), …), policies and audit can see it.

/** MXCP's UserContextModel (MXCP-SPEC §7). */
export interface UserContext {
  provider: string;
  user_id: string | null;
  username: string | null;
  email: string | null;
  name: string | null;
  avatar_url?: string | null;
  raw_profile: Record<string, unknown>;
  external_token: string | null;
  capabilities: string[];
}

export type CallerType = 'http' | 'stdio' | 'cli' | 'test' | 'system';

export interface RequestContext {
  user: UserContext | null;
  /** Request headers with lower-cased names (lookups are case-insensitive). */
  headers: Record<string, string>;
  sessionId: string | null;
  caller: CallerType;
  /** Facts gathered during the call for audit and telemetry; the outermost layer creates it. */
  trail?: CallTrail;
  /** Delivers MCP log/progress notifications raised by the call (Python `mcp.*`); absent outside MCP. */
  notify?: (notification: CallNotification) => void;
}

/** A notification an endpoint raises while it runs, for the MCP client that made the call. */
export type CallNotification =
  | {
      kind: 'log';
      level: 'debug' | 'info' | 'warning' | 'error';
      message: string;
      extra?: Record<string, unknown>;
    }
  | { kind: 'progress'; progress: number; total?: number; message?: string };

/** MXCP's policy decision for one call (MXCP-SPEC §5 "Decision reporting"). */
export interface PolicyOutcome {
  decision: 'allow' | 'deny' | 'warn' | null;
  reason: string | null;
  /** `"input[i]: <cond>"` / `"output[i]: <cond>"`, in evaluation order. */
  evaluated: string[];
}

/** What the engine learned while running one call, read by the audit and telemetry layers. */
export interface CallTrail {
  policy?: PolicyOutcome;
}

export function anonymousContext(caller: CallerType, headers: Record<string, string> = {}): RequestContext {
  return { user: null, headers: lowerCaseKeys(headers), sessionId: null, caller };
}

export function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

/** A user context built from a JSON object, as `mxcp run --user-context` and `tests[].user_context` do. */
export function userContextFromJson(raw: Record<string, unknown>, provider: 'cli' | 'test'): UserContext {
  const fallback = provider === 'cli' ? 'cli_user' : 'test_user';
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : v == null ? null : String(v));
  return {
    provider,
    user_id: str(raw.user_id) ?? fallback,
    username: str(raw.username) ?? fallback,
    email: str(raw.email),
    name: str(raw.name),
    raw_profile: raw,
    external_token: str(raw.external_token),
    capabilities: Array.isArray(raw.capabilities) ? raw.capabilities.map(String) : [],
  };
}
