// Everything render can check without the cluster: the spec against the CRD
// schema (as the API server would, defaults included), the cross-field rules
// the CRD states in CEL (repeated here so a CR read from a file gets the same
// answers), the file paths, the audit schedule and the readable facts of
// mxcp-site.yml. Problems feed the ConfigValid condition.
import AjvModule, { type ErrorObject } from 'ajv';
import type { MxcpProject, MxcpProjectSpec } from '../api/index.js';
import { MAX_NAME_LENGTH, MCP_PORT, MxcpProjectSpec as SpecSchema } from '../api/index.js';
import { checkSchedule } from './cleanup.js';
import { SITE_FILE, checkFilePaths, readSite } from './files.js';
import type { Problem } from './problems.js';
import { sharedWritable } from './storage.js';

const Ajv = AjvModule.default;
let compiled: ReturnType<InstanceType<typeof Ajv>['compile']> | undefined;

function specValidator() {
  if (!compiled) {
    const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
    ajv.addFormat('int32', {
      type: 'number',
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
    });
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    compiled = ajv.compile(SpecSchema);
  }
  return compiled;
}

/**
 * The project with the schema's defaults filled in (what the API server
 * stores), and the problems of its spec against the schema.
 */
export function withDefaults(project: MxcpProject): { project: MxcpProject; problems: Problem[] } {
  const spec = structuredClone(project.spec ?? {}) as MxcpProjectSpec;
  const validate = specValidator();
  const problems = validate(spec) ? [] : (validate.errors ?? []).map(schemaProblem);
  return { project: { ...project, spec }, problems };
}

function schemaProblem(error: ErrorObject): Problem {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  const field = ['spec', ...path]
    .map((s, i) =>
      i === 0 || /^[A-Za-z_][\w]*$/.test(s)
        ? i
          ? `.${s}`
          : s
        : `[${/^\d+$/.test(s) ? s : JSON.stringify(s)}]`,
    )
    .join('');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties')
    message = `unknown field '${String(error.params.additionalProperty)}'`;
  if (error.keyword === 'enum')
    message = `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
  return { field, message };
}

/** All problems of the project; `files` are the project files when they come from a ConfigMap. */
export function validateProject(
  project: MxcpProject,
  refs: { files?: Record<string, string> } = {},
): Problem[] {
  const name = project.metadata?.name ?? '';
  const problems: Problem[] = [];
  if (name.length > MAX_NAME_LENGTH) {
    problems.push({ field: 'metadata.name', message: `must be at most ${MAX_NAME_LENGTH} characters` });
  }
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    problems.push({
      field: 'metadata.name',
      message: 'must be a DNS-1035 label (lower case letters, digits, -)',
    });
  }
  const defaulted = withDefaults(project);
  problems.push(...defaulted.problems);
  if (defaulted.problems.length > 0) return problems;
  const spec = defaulted.project.spec;
  problems.push(...crossFieldProblems(spec));

  const schedule = spec.audit?.enabled ? spec.audit.cleanupSchedule : undefined;
  const scheduleProblem = schedule === undefined ? undefined : checkSchedule(schedule);
  if (scheduleProblem) problems.push({ field: 'spec.audit.cleanupSchedule', message: scheduleProblem });

  for (const key of Object.keys(spec.podLabels ?? {})) {
    if (key.startsWith('app.kubernetes.io/')) {
      problems.push({
        field: `spec.podLabels[${JSON.stringify(key)}]`,
        message: 'app.kubernetes.io/* labels are set by the operator',
      });
    }
  }

  const files = spec.files ?? refs.files;
  if (files) {
    const field = spec.files ? 'spec.files' : `ConfigMap ${spec.configMapRef?.name}`;
    problems.push(...checkFilePaths(files, field));
    if (SITE_FILE in files) {
      const site = readSite(files, spec.profile);
      if (Array.isArray(site)) problems.push(...site);
    } else if (!spec.files) {
      problems.push({ field, message: `the ConfigMap has no ${SITE_FILE} (key ${SITE_FILE})` });
    }
  }
  return problems;
}

/** The CRD's CEL rules, in TypeScript (kept next to each other in mxcpproject.ts and here). */
function crossFieldProblems(spec: MxcpProjectSpec): Problem[] {
  const problems: Problem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if ((spec.files === undefined) === (spec.configMapRef === undefined)) {
    add('spec', 'exactly one of files or configMapRef must be set');
  }
  if (spec.files && !('mxcp-site.yml' in spec.files)) add('spec.files', 'files must contain mxcp-site.yml');
  const replicas = spec.replicas ?? 1;
  const duckdb = spec.duckdb;
  if (duckdb?.mode === 'persistent' && replicas > 1) {
    add(
      'spec.replicas',
      'a read-write persistent DuckDB allows one replica: use duckdb.mode readonly or ephemeral for more',
    );
  }
  if (duckdb?.mode === 'readonly' && duckdb.initSql)
    add('spec.duckdb.initSql', 'initSql cannot run on a read-only database');
  if (duckdb?.mode === 'ephemeral' && duckdb.storage) {
    add('spec.duckdb.storage', 'storage applies to persistent and readonly databases only');
  }
  if (
    duckdb?.mode === 'readonly' &&
    replicas > 1 &&
    !(
      duckdb.storage?.existingClaim ||
      duckdb.storage?.accessModes?.some((m) => m === 'ReadOnlyMany' || m === 'ReadWriteMany')
    )
  ) {
    add(
      'spec.duckdb.storage.accessModes',
      'a readonly DuckDB volume shared by several replicas must be ReadOnlyMany or ReadWriteMany',
    );
  }
  if (spec.transport?.stateless === false && replicas > 1) {
    add(
      'spec.transport.stateless',
      'stateful sessions need a single replica: set transport.stateless to true or replicas to 1',
    );
  }
  if (spec.audit?.enabled && replicas > 1 && !sharedWritable(spec.audit.storage)) {
    add('spec.audit.storage.accessModes', 'audit storage shared by several replicas must be ReadWriteMany');
  }
  const auth = spec.auth;
  if (auth && (auth.provider ?? 'none') !== 'none') {
    if (!auth.clientId || !auth.clientSecretRef)
      add('spec.auth', 'clientId and clientSecretRef are required when a provider is set');
    if (auth.provider === 'keycloak' && !(auth.realm && auth.serverUrl))
      add('spec.auth', 'keycloak needs realm and serverUrl');
    if (auth.provider === 'oidc' && !auth.configUrl) add('spec.auth.configUrl', 'oidc needs configUrl');
  }
  if (auth && auth.mode === 'verifier' && auth.provider !== 'oidc') {
    add('spec.auth.mode', 'verifier mode is only available with the oidc provider');
  }
  if (spec.telemetry?.enabled && !spec.telemetry.endpoint) {
    add('spec.telemetry.endpoint', 'endpoint is required when telemetry is enabled');
  }
  if (spec.admin?.port === MCP_PORT)
    add('spec.admin.port', `admin port must differ from the MCP port ${MCP_PORT}`);
  return problems;
}
