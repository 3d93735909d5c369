// `mxcp log`: query the audit log of the active profile, or export it as CSV
// or a DuckDB file (MXCP-SPEC §1, §6). Filters are bound parameters; `--since`
// compares in UTC; `--policy n/a` filters nothing, in exports too.
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  exportAuditLog,
  parseSince,
  queryAuditLog,
  type AuditFilter,
  type AuditRow,
  type ExportFormat,
  type OperationStatus,
  type OperationType,
  type PolicyDecision,
} from '../../audit/index.js';
import { readYamlFile, SITE_CONFIG_FILE, type ProjectConfig } from '../../config/index.js';
import { colors, jsonError, jsonOk, useColor } from '../output.js';
import { collectParam } from '../params.js';
import { loadConfig } from '../project.js';

interface LogFlags {
  profile?: string;
  tool: string[];
  resource: string[];
  prompt: string[];
  type?: string;
  policy?: string;
  status?: string;
  since?: string;
  limit: string;
  exportCsv?: string;
  exportDuckdb?: string;
  json?: boolean;
  debug?: boolean;
}

/** The fields `--json` shows per record (MXCP's selection). */
const JSON_FIELDS = [
  'record_id',
  'timestamp',
  'caller_type',
  'operation_type',
  'operation_name',
  'duration_ms',
  'user_id',
  'session_id',
  'trace_id',
  'operation_status',
  'error',
  'business_context',
  'policy_decision',
] as const;

export function registerLog(program: Command): void {
  program
    .command('log')
    .description('Query the audit log')
    .option('--profile <name>', 'profile to use')
    .option('--tool <name>', 'only this tool (repeatable)', collectParam, [])
    .option('--resource <uri>', 'only this resource URI template (repeatable)', collectParam, [])
    .option('--prompt <name>', 'only this prompt (repeatable)', collectParam, [])
    .option('--type <type>', 'tool | resource | prompt')
    .option('--policy <decision>', 'allow | deny | warn | n/a (n/a: no filter)')
    .option('--status <status>', 'success | error')
    .option('--since <age>', 'only records newer than this, e.g. 10m, 2h, 1d')
    .option('--limit <n>', 'most records shown', '100')
    .option('--export-csv <path>', 'write all matching records to a CSV file')
    .option('--export-duckdb <path>', 'write all matching records to a DuckDB file (table audit_logs)')
    .option('--json', 'print JSON')
    .option('--debug', 'debug output')
    .action((flags: LogFlags) =>
      reportingJsonErrors(flags, async () => {
        const filter = filterFromFlags(flags);
        const limit = parseLimit(flags.limit);
        const basePath = auditPathFor(await loadConfig(flags));
        if (flags.exportCsv !== undefined && flags.exportDuckdb !== undefined)
          throw new Error('Use only one of --export-csv and --export-duckdb');
        const target = flags.exportCsv ?? flags.exportDuckdb;
        if (target !== undefined) {
          const format: ExportFormat = flags.exportCsv !== undefined ? 'csv' : 'duckdb';
          const exported = await exportAuditLog(basePath, filter, format, target);
          if (flags.json) process.stdout.write(jsonOk({ exported, format, path: target }) + '\n');
          else process.stdout.write(`Exported ${exported} records to ${target}\n`);
          return;
        }
        const rows = await queryAuditLog(basePath, filter, limit);
        if (flags.json) {
          const records = rows.map((row) => Object.fromEntries(JSON_FIELDS.map((f) => [f, row[f] ?? null])));
          process.stdout.write(jsonOk({ count: records.length, records }) + '\n');
          return;
        }
        process.stdout.write(renderRecords(rows, Boolean(flags.debug), useColor(process.stdout)));
      }),
    );
}

/**
 * Runs a command body; with `--json`, a failure prints the JSON error envelope
 * and exits 1 (the program's own handler only knows `--json-output`).
 */
export async function reportingJsonErrors(
  flags: { json?: boolean; debug?: boolean },
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (!flags.json) throw error;
    process.stdout.write(jsonError(error, Boolean(flags.debug || process.env.MXCP_DEBUG)) + '\n');
    process.exitCode = 1;
  }
}

/** The audit base path of the active profile; fails for an undeclared profile or disabled audit. */
export function auditPathFor(config: ProjectConfig): string {
  requireDeclaredProfile(config);
  if (!config.profile.audit.enabled) {
    throw new Error(
      `Audit logging is disabled for profile '${config.profileName}'. Set ` +
        `profiles.${config.profileName}.audit.enabled: true in ${SITE_CONFIG_FILE} or MXCP_AUDIT_ENABLED=true`,
    );
  }
  return config.profile.audit.path;
}

/** Like MXCP, `log` and `log-cleanup` only work for a profile written under `profiles:`. */
export function requireDeclaredProfile(config: ProjectConfig): void {
  const site = readYamlFile(join(config.repoRoot, SITE_CONFIG_FILE), SITE_CONFIG_FILE).value as {
    profiles?: Record<string, unknown> | null;
  };
  if (!site.profiles || !Object.hasOwn(site.profiles, config.profileName))
    throw new Error(`Profile '${config.profileName}' not found`);
}

function filterFromFlags(flags: LogFlags): AuditFilter {
  const filter: AuditFilter = { names: [...flags.tool, ...flags.resource, ...flags.prompt] };
  if (flags.type !== undefined)
    filter.type = oneOf(flags.type, '--type', ['tool', 'resource', 'prompt']) as OperationType;
  if (flags.status !== undefined)
    filter.status = oneOf(flags.status, '--status', ['success', 'error']) as OperationStatus;
  if (flags.policy !== undefined) {
    const policy = oneOf(flags.policy, '--policy', ['allow', 'deny', 'warn', 'n/a']);
    if (policy !== 'n/a') filter.policy = policy as PolicyDecision;
  }
  if (flags.since !== undefined) filter.since = parseSince(flags.since);
  return filter;
}

function oneOf(value: string, flag: string, allowed: string[]): string {
  if (!allowed.includes(value))
    throw new Error(`Invalid ${flag} value '${value}': expected ${allowed.join(', ')}`);
  return value;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`Invalid --limit value '${text}': expected a positive integer`);
  return n;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, whatever offset the record was written with. */
function utcTime(timestamp: unknown): string {
  const ms = Date.parse(String(timestamp));
  return Number.isNaN(ms) ? String(timestamp) : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** `✅ 2025-01-02 03:04:05 [tool] name (12ms) - user`, then "Total records: N". */
export function renderRecords(rows: AuditRow[], debug: boolean, color: boolean): string {
  const c = colors(color);
  if (rows.length === 0) return 'No audit records found\n';
  const lines: string[] = [];
  for (const row of rows) {
    const ok = row.operation_status === 'success';
    const when = utcTime(row.timestamp);
    const line = `${ok ? '✅' : '❌'} ${when} [${String(row.operation_type)}] ${String(row.operation_name)} (${String(row.duration_ms ?? 0)}ms) - ${String(row.user_id ?? 'unknown')}`;
    lines.push(ok ? line : c.red(line));
    if (debug) {
      if (row.error) lines.push(c.dim(`   Error: ${String(row.error)}`));
      const context = {
        caller_type: row.caller_type,
        session_id: row.session_id,
        trace_id: row.trace_id,
        policy_decision: row.policy_decision,
        policy_reason: row.policy_reason,
        business_context: row.business_context,
      };
      lines.push(c.dim(`   Context: ${JSON.stringify(context)}`));
    }
  }
  lines.push('', `Total records: ${rows.length}`);
  return lines.join('\n') + '\n';
}
