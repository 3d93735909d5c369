// The tiny MXCP project the benchmark serves, and the one SQL statement both the
// worker (through the project's tool) and the baseline run, so the two measure
// the same DuckDB work. The audited flavour is the same project with the
// production layers on: the audit log enabled and an input and an output policy
// on the tool, so their cost can be read off against the plain one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_TOOL = 'square';

/**
 * One row computed from the parameter: no stored data and next to no DuckDB work,
 * so the comparison shows what each server adds around the query.
 */
export const BENCH_SQL = 'SELECT $n::INTEGER AS n, ($n::INTEGER * $n::INTEGER) AS square';

/** The argument for call number `i`, cycling through 0..999. */
export const benchArgument = (i: number): number => i % 1000;

const siteConfig = `mxcp: 1
project: bench
profile: default
profiles:
  default: {}
`;

/** Audit records go to `audit/logs-default-<time>_<host>.jsonl` under the project. */
const auditedSiteConfig = `mxcp: 1
project: bench
profile: default
profiles:
  default:
    audit:
      enabled: true
`;

/**
 * Both rules are evaluated on every call (CEL over the validated parameters, then over the
 * result) and neither fires for the bench's anonymous clients, so the audited variant
 * answers exactly what the plain one does.
 */
export const BENCH_POLICIES = `  policies:
    input:
      - condition: "user.role == 'guest' && n > 100"
        action: deny
        reason: Guests may only square small numbers
    output:
      - condition: "user.role == 'guest' && response.square > 10000"
        action: filter_fields
        fields: [square]
`;

const tool = (policies: string) => `mxcp: 1
tool:
  name: ${BENCH_TOOL}
  description: Returns n and its square.
  parameters:
    - name: n
      type: integer
      description: A number from 0 to 999.
      minimum: 0
      maximum: 999
  return:
    type: object
    description: n and n squared.
    properties:
      n:
        type: integer
        description: The number.
      square:
        type: integer
        description: n * n.
${policies}  source:
    code: "${BENCH_SQL}"
`;

// A user config of its own, so the benchmark never reads ~/.mxcp/config.yml.
const userConfig = `mxcp: 1
projects:
  bench:
    profiles:
      default:
        secrets: []
`;

/**
 * Writes the project into `dir` (with the audit log and policies when `audited`) and returns
 * the path of its user config and of its audit directory.
 */
export function writeBenchProject(
  dir: string,
  options: { audited?: boolean } = {},
): { userConfigPath: string; auditDir: string } {
  mkdirSync(join(dir, 'tools'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'mxcp-site.yml'), options.audited ? auditedSiteConfig : siteConfig);
  writeFileSync(join(dir, 'tools', `${BENCH_TOOL}.yml`), tool(options.audited ? BENCH_POLICIES : ''));
  const userConfigPath = join(dir, 'mxcp-user-config.yml');
  writeFileSync(userConfigPath, userConfig);
  return { userConfigPath, auditDir: join(dir, 'audit') };
}
