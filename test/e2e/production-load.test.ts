// The production promises of `mxcp serve` under load, end to end (test/fixtures/production: audit
// on, an input policy that denies part of the calls, an output policy that masks a field):
// MCP SDK clients over streamable HTTP hammer a real server process on loopback for a bounded time.
// - A SIGHUP in the middle fails no call, and afterwards the audit log holds exactly one record per
//   answered call (allowed and denied), with nothing dropped (/metrics agrees).
// - A SIGTERM in the middle lets every call the server accepted finish and answer; later calls
//   are refused (HTTP 503 or no connection), never half-answered; the process exits 0 and every
//   answered call has its record on disk.
// MXCP_LOAD_SECONDS (default 12) and MXCP_LOAD_CLIENTS (default 32) tune the load.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describe, expect, it } from 'vitest';
import { copyProject, startServe, type RunningServer } from '../support/mxcp.js';

const LOAD_SECONDS = positiveNumber('MXCP_LOAD_SECONDS', 12);
const CLIENTS = positiveNumber('MXCP_LOAD_CLIENTS', 32);
const TOKEN = 'production-load-token';
/** Numbers from here on are denied by the fixture's input policy. */
const RESERVED_FROM = 950;
/** A call that has not answered after this long counts as lost (a violation), not as slow. */
const CALL_TIMEOUT_MS = 45_000;

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

interface Served {
  server: RunningServer;
  admin: string;
  projectDir: string;
  cleanup: () => void;
}

async function serveFixture(): Promise<Served> {
  const project = copyProject('test/fixtures/production');
  const tokenFile = join(dirname(project.dir), 'admin-token');
  writeFileSync(tokenFile, TOKEN);
  try {
    const server = await startServe(
      project.dir,
      [
        '--admin-port',
        '0',
        '--admin-host',
        '127.0.0.1',
        '--admin-token-file',
        tokenFile,
        '--shutdown-grace',
        '30',
      ],
      { MXCP_CONFIG: join(project.dir, 'user-config.yml') },
    );
    const m = /Admin API listening on (http:\/\/\S+)/.exec(server.output());
    if (!m) throw new Error(`no admin address in the output:\n${server.output()}`);
    return { server, admin: m[1], projectDir: project.dir, cleanup: project.cleanup };
  } catch (error) {
    project.cleanup();
    throw error;
  }
}

interface AdminStatus {
  pid: number;
  reload: { generation: number; last_reload_status: string | null };
}

async function adminStatus(admin: string): Promise<AdminStatus> {
  const response = await fetch(`${admin}/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await response.json()) as AdminStatus;
}

/** One value of a Prometheus text exposition (first sample whose name and labels match), or undefined. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

interface AuditLine {
  record_id: string;
  operation_name: string;
  operation_status: string;
  policy_decision: string | null;
  session_id: string | null;
  input_data: { n?: number };
  output_data: { token?: string } | null;
}

/** Every record in the fixture's audit segments (`logs-default-*.jsonl`), each line parsed. */
function auditRecords(projectDir: string): AuditLine[] {
  const dir = join(projectDir, 'audit');
  const records: AuditLine[] = [];
  for (const file of readdirSync(dir)) {
    if (!/^logs-default-.+\.jsonl$/.test(file)) continue;
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line.trim()) records.push(JSON.parse(line) as AuditLine);
    }
  }
  return records;
}

/**
 * What the clients saw. Every call ends up in exactly one bucket: answered (a result, or the
 * policy's denial), refused (the server said 503 or never took the request: only once shutdown
 * began), or a violation (anything else: an error result, a lost answer, a request the server
 * accepted with 200 and then did not answer).
 */
interface Tally {
  allowed: number;
  denied: number;
  refused: number;
  /** Calls answered after the signal under test was sent. */
  answeredAfterSignal: number;
  violations: string[];
}

interface LoadOptions {
  url: string;
  clients: number;
  /** The clients stop starting calls at this time (performance.now()). */
  until: number;
  /** True once a refusal is expected (SIGTERM sent); before that a refusal is a violation. */
  refusalsExpected: () => boolean;
  signalSent: () => boolean;
}

/** An MCP SDK client whose fetch notes how the server answered its last tools/call POST. */
async function connectClient(
  url: string,
): Promise<{ client: Client; lastCall: { status?: number | 'none' } }> {
  const lastCall: { status?: number | 'none' } = {};
  const trackingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const isCall = typeof init?.body === 'string' && init.body.includes('"tools/call"');
    try {
      const response = await fetch(input, init);
      if (isCall) lastCall.status = response.status;
      return response;
    } catch (error) {
      if (isCall) lastCall.status = 'none';
      throw error;
    }
  };
  const client = new Client({ name: 'production-load', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { fetch: trackingFetch }) as Transport,
  );
  return { client, lastCall };
}

async function runLoad(options: LoadOptions): Promise<Tally> {
  const tally: Tally = { allowed: 0, denied: 0, refused: 0, answeredAfterSignal: 0, violations: [] };
  const connections = await Promise.all(
    Array.from({ length: options.clients }, () => connectClient(options.url)),
  );
  let counter = 0;
  const loop = async ({ client, lastCall }: Awaited<ReturnType<typeof connectClient>>) => {
    while (performance.now() < options.until) {
      const n = counter++ % 1000;
      lastCall.status = undefined;
      try {
        const result = await client.callTool({ name: 'lookup', arguments: { n } }, undefined, {
          timeout: CALL_TIMEOUT_MS,
        });
        const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
        if (n >= RESERVED_FROM && result.isError && text.includes('Numbers from 950 are reserved')) {
          tally.denied++;
        } else if (
          n < RESERVED_FROM &&
          !result.isError &&
          JSON.stringify(result.structuredContent) === JSON.stringify({ n, square: n * n, token: '****' })
        ) {
          tally.allowed++;
        } else {
          tally.violations.push(`lookup(${n}) answered ${JSON.stringify(result)}`);
          continue;
        }
        if (options.signalSent()) tally.answeredAfterSignal++;
      } catch (error) {
        const refusal = lastCall.status === 503 || lastCall.status === 'none';
        if (refusal && options.refusalsExpected()) {
          tally.refused++;
          return; // the server is going away: this client is done
        }
        tally.violations.push(
          `lookup(${n}) failed (HTTP ${lastCall.status ?? 'not sent'}): ${(error as Error).message}`,
        );
        if (options.refusalsExpected()) return;
      }
    }
  };
  try {
    await Promise.all(connections.map(loop));
  } finally {
    await Promise.all(connections.map(({ client }) => client.close().catch(() => undefined)));
  }
  return tally;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`mxcp serve under load (${CLIENTS} clients, ${LOAD_SECONDS} s)`, () => {
  it('a SIGHUP in the middle fails no call, and the audit log has one record per answered call', async () => {
    const served = await serveFixture();
    try {
      const { pid, reload } = await adminStatus(served.admin);
      expect(reload.generation).toBe(1);
      const started = performance.now();
      const until = started + LOAD_SECONDS * 1000;
      let reloadSeenAt = Number.POSITIVE_INFINITY;
      const load = runLoad({
        url: served.server.url,
        clients: CLIENTS,
        until,
        refusalsExpected: () => false,
        signalSent: () => false,
      });
      await sleep((LOAD_SECONDS * 1000) / 2);
      process.kill(pid, 'SIGHUP');
      await expect
        .poll(async () => (await adminStatus(served.admin)).reload, { timeout: 30_000, interval: 200 })
        .toMatchObject({ generation: 2, last_reload_status: 'success' });
      reloadSeenAt = performance.now();
      const tally = await load;

      expect(tally.violations).toEqual([]);
      expect(tally.refused).toBe(0);
      // The reload landed while calls were still being made, and both kinds of call happened.
      expect(reloadSeenAt).toBeLessThan(until);
      expect(tally.allowed).toBeGreaterThan(0);
      expect(tally.denied).toBeGreaterThan(0);

      // The writer flushes at most a second after the last call; /metrics says when all are written.
      const answered = tally.allowed + tally.denied;
      const scrape = async () => (await fetch(`${served.admin}/metrics`)).text();
      await expect
        .poll(async () => metricValue(await scrape(), 'mxcp_audit_records_written_total'), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(answered);
      const metrics = await scrape();
      expect(metricValue(metrics, 'mxcp_audit_records_dropped_total')).toBe(0);
      expect(metricValue(metrics, 'mxcp_audit_write_failures_total')).toBe(0);
      expect(metricValue(metrics, 'mxcp_audit_queue_depth')).toBe(0);

      const records = auditRecords(served.projectDir);
      expect(records).toHaveLength(answered);
      expect(new Set(records.map((r) => r.record_id)).size).toBe(answered);
      const allowed = records.filter((r) => r.operation_status === 'success');
      const denied = records.filter((r) => r.operation_status === 'error');
      expect(allowed).toHaveLength(tally.allowed);
      expect(denied).toHaveLength(tally.denied);
      // Allowed calls carry the masked output; denials carry the policy's decision and no output.
      expect(allowed.every((r) => r.policy_decision === 'warn' && r.output_data?.token === '****')).toBe(
        true,
      );
      expect(
        denied.every(
          (r) =>
            r.policy_decision === 'deny' && r.output_data === null && (r.input_data.n ?? 0) >= RESERVED_FROM,
        ),
      ).toBe(true);
      expect(records.every((r) => r.operation_name === 'lookup' && r.session_id !== null)).toBe(true);
      console.log(
        `SIGHUP under load: ${answered} calls answered (${tally.allowed} allowed, ${tally.denied} denied) ` +
          `in ${LOAD_SECONDS} s by ${CLIENTS} clients, ${records.length} audit records, 0 dropped`,
      );

      expect(await served.server.stop()).toBe(0);
    } finally {
      await served.server.stop();
      served.cleanup();
    }
  }, 120_000);

  it('a SIGTERM in the middle lets every accepted call answer and every record reach disk, then exits 0', async () => {
    const served = await serveFixture();
    try {
      const started = performance.now();
      // A bound in case refusals never come; the clients normally stop at their first refusal.
      const until = started + LOAD_SECONDS * 1000 + 60_000;
      let terminating = false;
      const load = runLoad({
        url: served.server.url,
        clients: CLIENTS,
        until,
        refusalsExpected: () => terminating,
        signalSent: () => terminating,
      });
      await sleep((LOAD_SECONDS * 1000) / 2);
      terminating = true;
      const exited = served.server.stop();
      const [tally, code] = await Promise.all([load, exited]);

      expect(code).toBe(0);
      expect(tally.violations).toEqual([]);
      // Calls in flight when the signal arrived were answered; then every client was refused.
      expect(tally.answeredAfterSignal).toBeGreaterThan(0);
      expect(tally.refused).toBe(CLIENTS);
      expect(served.server.output()).not.toMatch(/shutdown step failed|dropped/);

      const records = auditRecords(served.projectDir);
      expect(records).toHaveLength(tally.allowed + tally.denied);
      expect(records.filter((r) => r.policy_decision === 'deny')).toHaveLength(tally.denied);
      console.log(
        `SIGTERM under load: ${tally.allowed + tally.denied} calls answered (${tally.answeredAfterSignal} after the signal), ` +
          `${tally.refused} refused, ${records.length} audit records`,
      );
    } finally {
      await served.server.stop();
      served.cleanup();
    }
  }, 120_000);
});
