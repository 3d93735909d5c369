// Soak: a real `mxcp serve` (audit on) under bounded-time load from concurrent MCP SDK clients
// over streamable HTTP, with a SIGHUP reload at a fixed period throughout. Every call must
// succeed with the right answer, every reload must land, and the audit log must end up with
// exactly one record per call (same ids, no duplicates, no torn lines).
// Short form (make test): 8 clients, 8 s, a reload every 2 s. Long form (MXCP_RELIABILITY=long):
// 32 clients, 180 s, a reload every 10 s. MXCP_SOAK_SECONDS / MXCP_SOAK_CLIENTS override.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServe } from '../support/mxcp.js';
import {
  auditLines,
  connectClient,
  emptyUserConfig,
  pick,
  sleep,
  textOf,
  waitFor,
  writeProject,
} from './support.js';

const SECONDS = Number(process.env.MXCP_SOAK_SECONDS ?? pick(8, 180));
const CLIENTS = Number(process.env.MXCP_SOAK_CLIENTS ?? pick(8, 32));
const RELOAD_EVERY_MS = pick(2000, 10_000);
const TOKEN = 'soak-admin-token';

const PROJECT = {
  'mxcp-site.yml':
    'mxcp: 1\nproject: soak\nprofile: default\nprofiles:\n  default:\n    audit:\n      enabled: true\n      path: audit/logs.jsonl\n',
  'tools/square.yml': `mxcp: 1
tool:
  name: square
  description: n and its square
  parameters:
    - name: n
      type: integer
      description: a number
  return:
    type: object
    properties:
      n: { type: integer }
      square: { type: integer }
  source:
    code: SELECT $n::BIGINT AS n, $n::BIGINT * $n::BIGINT AS square
`,
};

interface Status {
  pid: number;
  reload: { generation: number; last_reload_status: string | null };
}

describe(`soak: ${CLIENTS} clients for ${SECONDS} s with a SIGHUP every ${RELOAD_EVERY_MS / 1000} s`, () => {
  it(
    'fails no call, lands every reload, and audits each call exactly once',
    async () => {
      const project = writeProject(PROJECT);
      const userConfig = join(project.root, 'config.yml');
      const tokenFile = join(project.root, 'token');
      writeFileSync(userConfig, emptyUserConfig('soak'));
      writeFileSync(tokenFile, TOKEN);
      const server = await startServe(
        project.dir,
        ['--admin-port', '0', '--admin-host', '127.0.0.1', '--admin-token-file', tokenFile],
        { MXCP_CONFIG: userConfig },
      );
      try {
        const admin = /Admin API listening on (http:\/\/\S+)/.exec(server.output())![1];
        const status = async () =>
          (await (
            await fetch(`${admin}/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
          ).json()) as Status;
        const { pid } = await status();

        const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectClient(server.url)));
        const until = performance.now() + SECONDS * 1000;
        const failures: string[] = [];
        let calls = 0;
        let next = 0;
        const loop = async (client: (typeof clients)[number]) => {
          while (performance.now() < until) {
            const n = next++;
            calls++;
            try {
              const result = await client.callTool({ name: 'square', arguments: { n } }, undefined, {
                timeout: 60_000,
              });
              const body = result.isError
                ? null
                : (JSON.parse(textOf(result)) as { n: number; square: number });
              if (!body || body.n !== n || body.square !== n * n)
                failures.push(`square(${n}) answered ${JSON.stringify(result)}`);
            } catch (error) {
              failures.push(`square(${n}) failed: ${(error as Error).message}`);
            }
          }
        };
        let reloads = 0;
        const reloader = (async () => {
          while (performance.now() + RELOAD_EVERY_MS < until) {
            await sleep(RELOAD_EVERY_MS);
            const before = (await status()).reload.generation;
            process.kill(pid, 'SIGHUP');
            await waitFor(
              'the reload to land',
              async () => (await status()).reload.generation > before,
              60_000,
            );
            expect((await status()).reload.last_reload_status).toBe('success');
            reloads++;
          }
        })();
        await Promise.all([...clients.map(loop), reloader]);
        await Promise.all(clients.map((c) => c.close()));

        expect(failures.slice(0, 5)).toEqual([]);
        expect(reloads).toBeGreaterThanOrEqual(Math.floor((SECONDS * 1000) / RELOAD_EVERY_MS) - 1);
        expect(reloads).toBeGreaterThan(0);
        expect(calls).toBeGreaterThan(CLIENTS);

        // The writer flushes within a second of the last call; then the log holds one record per call.
        const auditDir = join(project.dir, 'audit');
        await waitFor('every audit record', () => auditLines(auditDir).length >= calls);
        expect(await server.stop()).toBe(0);
        const records = auditLines(auditDir).map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(records).toHaveLength(calls);
        expect(new Set(records.map((r) => r.record_id)).size).toBe(calls);
        const ns = new Set(records.map((r) => (r.input_data as { n: number }).n));
        expect(ns.size).toBe(calls);
        expect(records.every((r) => r.operation_status === 'success' && r.operation_name === 'square')).toBe(
          true,
        );
        console.log(
          `soak: ${calls} calls by ${CLIENTS} clients in ${SECONDS} s (${Math.round(calls / SECONDS)}/s), ` +
            `${reloads} SIGHUP reloads, 0 failed, ${records.length} audit records`,
        );
      } finally {
        await server.stop();
        project.cleanup();
      }
    },
    (SECONDS + 120) * 1000,
  );
});
