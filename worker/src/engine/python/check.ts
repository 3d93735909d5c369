// Load-time checks of a Python endpoint (what `mxcp validate` and start-up report): the module
// imported, the function exists, and its signature accepts exactly what the YAML declares.
// MXCP only checks that the file exists; asking the host for the signature catches a renamed
// parameter before the first call does.
import { relative } from 'node:path';
import { ConfigError } from '../../config/errors.js';
import type { LoadedEndpoint } from '../../endpoints/index.js';
import type { Parameter } from '../../endpoints/schema.js';
import type { PythonRuntime } from './runtime.js';

export interface PythonTarget {
  /** Absolute path of the module. */
  file: string;
  /** The tool's name; null for resources (the host's fallback rules pick the function). */
  function: string | null;
}

export async function checkPythonEndpoint(
  endpoint: LoadedEndpoint,
  file: string,
  parameters: Parameter[],
  runtime: PythonRuntime,
  repoRoot: string,
): Promise<PythonTarget> {
  const rel = relative(repoRoot, file).split('\\').join('/');
  const target: PythonTarget = { file, function: endpoint.kind === 'tool' ? endpoint.name : null };
  const importError = runtime.importErrors.find((e) => e.file === rel);
  if (importError) {
    throw new ConfigError(`Failed to import ${rel}: ${importError.message}`, {
      file: importError.file,
      line: importError.line ?? undefined,
      hint: `used by ${endpoint.path}`,
    });
  }
  let description;
  try {
    description = await runtime.inspect(file, target.function);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(message, { file: rel, hint: `used by ${endpoint.path}` });
  }
  const where = { file: rel, line: description.line ?? undefined, hint: `declared in ${endpoint.path}` };
  const accepted = new Set(description.params.filter((p) => !p.positional_only).map((p) => p.name));
  const declared = new Set(parameters.map((p) => p.name));
  const unknown = [...declared].filter((name) => !accepted.has(name));
  if (unknown.length > 0 && !description.var_keyword) {
    throw new ConfigError(
      `Function '${description.function}' does not accept parameter(s) ${unknown.map((n) => `'${n}'`).join(', ')} declared in the YAML`,
      where,
    );
  }
  const missing = description.params.filter((p) => p.required && !declared.has(p.name)).map((p) => p.name);
  if (missing.length > 0) {
    throw new ConfigError(
      `Function '${description.function}' requires parameter(s) ${missing.map((n) => `'${n}'`).join(', ')} that the YAML does not declare`,
      where,
    );
  }
  return target;
}
