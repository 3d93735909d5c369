// Pre-flight validation: the project files checked by the worker's own
// loaders (mxcp-site.yml schema, endpoint discovery with all its static
// checks, CEL policy syntax) before any workload is touched. SQL that needs
// data cannot be prepared here. Files go to a temp folder that is removed
// afterwards.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError, ConfigErrors, loadSiteConfig } from '../../../worker/src/config/index.js';
import { discoverEndpoints, type LoadedEndpoint } from '../../../worker/src/endpoints/index.js';
import { CelSyntaxError, compileCondition } from '../../../worker/src/policy/index.js';
import type { Problem } from './problems.js';

export interface PreflightOptions {
  /** The profile the worker will serve; the site file's `profile:` when omitted. */
  profile?: string;
}

export async function preflightProject(
  files: Record<string, string>,
  options: PreflightOptions = {},
): Promise<Problem[]> {
  const root = await mkdtemp(join(tmpdir(), 'mxcp-preflight-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = resolve(root, path);
      if (!target.startsWith(root + sep))
        return [{ file: path, message: 'file path leaves the project folder' }];
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    return checkProject(root, options);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function checkProject(root: string, options: PreflightOptions): Problem[] {
  let site;
  try {
    // An empty environment: the pod's MXCP_* variables are the cluster's business, not the project's.
    site = loadSiteConfig(root, { profile: options.profile, env: {}, cwd: root });
  } catch (error) {
    return configProblems(error, root);
  }
  const discovery = discoverEndpoints({ repoRoot: root, site });
  const problems: Problem[] = discovery.failures.flatMap((failure) =>
    failure.errors.map((e) => ({ ...fromConfigError(e, root), file: failure.path })),
  );
  for (const endpoint of discovery.endpoints) problems.push(...policyProblems(endpoint));
  return problems;
}

/** CEL conditions of the endpoint's policies must parse (evaluation needs a real call). */
function policyProblems(endpoint: LoadedEndpoint): Problem[] {
  const policies = (
    endpoint.definition as { policies?: Record<string, { condition?: unknown }[] | undefined> }
  ).policies;
  const problems: Problem[] = [];
  for (const phase of ['input', 'output'] as const) {
    (policies?.[phase] ?? []).forEach((rule, i) => {
      if (typeof rule.condition !== 'string') return;
      try {
        compileCondition(rule.condition);
      } catch (error) {
        if (!(error instanceof CelSyntaxError)) throw error;
        const path = [endpoint.kind, 'policies', phase, i, 'condition'];
        const where = endpoint.locate(path);
        problems.push({
          file: endpoint.path,
          line: where.line,
          column: where.column,
          field: `${endpoint.kind}.policies.${phase}[${i}].condition`,
          message: `invalid CEL condition: ${error.message}`,
        });
      }
    });
  }
  return problems;
}

function configProblems(error: unknown, root: string): Problem[] {
  if (error instanceof ConfigErrors) return error.errors.map((e) => fromConfigError(e, root));
  if (error instanceof ConfigError) return [fromConfigError(error, root)];
  throw error;
}

function fromConfigError(error: ConfigError, root: string): Problem {
  const file = error.file.startsWith(root) ? relative(root, error.file).split(sep).join('/') : error.file;
  const message = error.hint ? `${error.message} (${error.hint})` : error.message;
  return {
    file,
    ...(error.line !== undefined ? { line: error.line } : {}),
    ...(error.column !== undefined ? { column: error.column } : {}),
    ...(error.path ? { field: error.path } : {}),
    message,
  };
}
