// The pod-template hash: everything the worker reads only at start (project
// files, mxcp-site.yml, the user config's structure, image, transport, auth)
// goes into one SHA-256, so a change rolls the pods. Secret values are not in
// it: they reach running workers by hot reload.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface RestartInputs {
  files: Record<string, string>;
  userConfig: string;
  image: string;
  args: string[];
  /** Where the auth sealing keys come from (never their value); undefined without auth. */
  authKeys?: string;
}

export function restartHash(inputs: RestartInputs): string {
  return sha256(canonicalJson(inputs));
}
