// `--param name=value` and `name=@file.json` (MXCP-SPEC §1 `run`): values stay
// strings for the type validator to coerce; `@file` values are parsed JSON.
// Also `--user-context` / `--request-headers`: inline JSON or `@file`.
import { readFileSync } from 'node:fs';

export function collectParam(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseParams(pairs: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`Invalid parameter '${pair}': expected name=value or name=@file.json`);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    out[name] = raw.startsWith('@') ? readJsonFile(raw.slice(1), `parameter '${name}'`) : raw;
  }
  return out;
}

export function parseJsonObjectOption(
  value: string | undefined,
  what: string,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  const parsed = value.startsWith('@') ? readJsonFile(value.slice(1), what) : parseJson(value, what);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${what} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read ${what} file '${path}': ${(error as Error).message}`);
  }
  return parseJson(text, `${what} (${path})`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid JSON in ${what}: ${(error as Error).message}`);
  }
}
