// Shared pieces of the reliability suite (test/reliability): the short/long switch
// (MXCP_RELIABILITY=long for `make reliability`), throwaway projects written from
// strings, MCP clients, raw JSON-RPC over HTTP, audit segments read back, and a
// seeded PRNG whose seed is printed so a failing fuzz run can be replayed.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/** `make reliability` sets MXCP_RELIABILITY=long; `make test` runs the short forms. */
export const LONG = process.env.MXCP_RELIABILITY === 'long';

/** The short value under `make test`, the long one under `make reliability`. */
export function pick<T>(short: T, long: T): T {
  return LONG ? long : short;
}

export interface Project {
  root: string;
  dir: string;
  cleanup: () => void;
}

/** A project folder from `files` (relative path → content) in a fresh temp dir. */
export function writeProject(files: Record<string, string>): Project {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-reliability-'));
  const dir = join(root, 'project');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return { root, dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A user config (MXCP_CONFIG) with no secrets, so ~/.mxcp is never read. */
export function emptyUserConfig(project: string): string {
  return `mxcp: 1\nprojects:\n  ${project}:\n    profiles:\n      default:\n        secrets: []\n`;
}

export async function connectClient(url: string, name = 'reliability'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)) as Transport);
  return client;
}

/** The text of a tool result's single content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ text?: string }> }).content ?? [];
  return content[0]?.text ?? '';
}

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  /** The JSON-RPC message(s) of the body: parsed JSON, or the `data:` lines of an SSE body. */
  messages: unknown[];
}

/** POSTs `body` as is (a string is sent verbatim) and reads the whole answer. */
export async function rawPost(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = MCP_HEADERS,
): Promise<RawAnswer> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return { status: response.status, contentType, text, messages: parseMessages(contentType, text) };
}

function parseMessages(contentType: string, text: string): unknown[] {
  try {
    if (contentType.includes('text/event-stream')) {
      return text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => JSON.parse(line.slice(5)));
    }
    if (text.trim() === '') return [];
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

/** Every line of the audit segments under `auditDir` whose name matches `pattern`, raw (not parsed). */
export function auditLines(auditDir: string, pattern = /^logs-.+\.jsonl$/): string[] {
  const lines: string[] = [];
  let names: string[];
  try {
    names = readdirSync(auditDir);
  } catch {
    return lines;
  }
  for (const name of names.filter((n) => pattern.test(n) && !n.includes('_schemas')).sort()) {
    const text = readFileSync(join(auditDir, name), 'utf8');
    for (const line of text.split('\n')) if (line !== '') lines.push(line);
  }
  return lines;
}

/** Mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MXCP_FUZZ_SEED when set (to replay a failure), else a fresh one; printed either way. */
export function fuzzSeed(suite: string): number {
  const fromEnv = process.env.MXCP_FUZZ_SEED;
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${suite}: seed ${seed} (replay with MXCP_FUZZ_SEED=${seed})`);
  return seed;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
