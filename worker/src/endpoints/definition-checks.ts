// Static checks of one endpoint definition that the schema cannot express
// (MXCP-SPEC §4.1–4.3, §4.9): where the implementation comes from, resource
// URI placeholders against parameters, prompt template variables against
// parameters. Each check returns every problem it finds, located in the file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { ConfigError } from '../config/errors.js';
import type { YamlSource } from '../config/yaml-source.js';
import type { EndpointSource } from './loaded.js';
import { TemplateSyntaxError, templateVariables } from './prompt-variables.js';
import type { PromptDefinition, ResourceDefinition, ToolDefinition } from './schema.js';
import { placeholders as uriPlaceholders, unsupportedExpressions } from './uri-template.js';

export interface SourceContext {
  repoRoot: string;
  /** Absolute path of the endpoint's YAML file. */
  yamlPath: string;
  source: YamlSource;
}

/**
 * Resolves and reads the implementation of a tool or resource. The language is
 * the endpoint's `language`, else `source.language`, else `python` for a `.py`
 * file and `sql` otherwise (MXCP reads only the endpoint-level field; a `.py`
 * file with no language would fail there, so inferring it is the useful reading).
 */
export function resolveSource(
  kind: 'tool' | 'resource',
  definition: ToolDefinition | ResourceDefinition,
  context: SourceContext,
): { source?: EndpointSource; errors: ConfigError[] } {
  const { source: yaml, repoRoot } = context;
  const spec = definition.source;
  if (!spec) {
    return {
      errors: [
        yaml.errorAt([kind], `${kind} has no source`, {
          atKey: true,
          hint: "add 'source: {code: ...}' or 'source: {file: ...}'",
        }),
      ],
    };
  }
  const hasCode = typeof spec.code === 'string';
  const hasFile = typeof spec.file === 'string';
  if (hasCode === hasFile) {
    return {
      errors: [yaml.errorAt([kind, 'source'], "Source must provide exactly one of 'code' or 'file'")],
    };
  }
  const language =
    definition.language ?? spec.language ?? (hasFile && spec.file!.endsWith('.py') ? 'python' : 'sql');

  if (hasCode) {
    if (language === 'python') {
      return {
        errors: [yaml.errorAt([kind, 'source', 'code'], 'Python endpoints must specify source.file')],
      };
    }
    return { source: { kind: 'sql', sql: spec.code! }, errors: [] };
  }

  // A leading `/` is relative to the repository root; anything else to the YAML file's folder.
  const file = spec.file!;
  const absolute = file.startsWith('/') ? join(repoRoot, file) : resolve(dirname(context.yamlPath), file);
  // Only files of the project: `../../etc/passwd` would otherwise be read, and DuckDB's parse
  // error would quote its first line back to whoever sees validation output.
  const inProject = relative(resolve(repoRoot), absolute);
  if (inProject === '' || inProject.startsWith('..') || isAbsolute(inProject)) {
    return {
      errors: [
        yaml.errorAt([kind, 'source', 'file'], `Source file is outside the project folder: ${file}`, {
          hint: 'source.file must name a file inside the project (relative to the YAML file, or / for the project root)',
        }),
      ],
    };
  }
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    return {
      errors: [
        yaml.errorAt([kind, 'source', 'file'], `Source file not found: ${file}`, {
          hint: `looked for ${relative(repoRoot, absolute) || absolute}; a relative path is resolved from the YAML file's folder, a leading '/' from the project root`,
        }),
      ],
    };
  }
  if (language === 'python') return { source: { kind: 'python', file: absolute }, errors: [] };
  return { source: { kind: 'sql', sql: readFileSync(absolute, 'utf8'), file: absolute }, errors: [] };
}

const pythonList = (names: string[]) => `[${names.map((n) => `'${n}'`).join(', ')}]`;

/** Parameters and URI placeholders must be the same set. */
export function checkResourceUri(definition: ResourceDefinition, source: YamlSource): ConfigError[] {
  const placeholders = uriPlaceholders(definition.uri);
  const parameters = (definition.parameters ?? []).map((p) => p.name);
  const errors: ConfigError[] = [];
  const unsupported = unsupportedExpressions(definition.uri);
  if (unsupported.length > 0) {
    errors.push(
      source.errorAt(
        ['resource', 'uri'],
        `URI template expression(s) ${unsupported.join(', ')} not supported: use plain {name} placeholders`,
      ),
    );
  }
  const unused = parameters.filter((name) => !placeholders.includes(name));
  if (unused.length > 0) {
    errors.push(
      source.errorAt(
        ['resource', 'parameters'],
        `Resource parameter(s) ${pythonList(unused)} are not used in uri '${definition.uri}'. Put them in the uri or make a 'tool:' instead.`,
      ),
    );
  }
  const undeclared = placeholders.filter((name) => !parameters.includes(name));
  if (undeclared.length > 0) {
    errors.push(
      source.errorAt(
        ['resource', 'uri'],
        `URI placeholder(s) ${pythonList(undeclared)} in uri '${definition.uri}' have no matching parameter. Declare them under 'parameters:'.`,
      ),
    );
  }
  return errors;
}

/** At least one message, and every template variable is a declared parameter. */
export function checkPromptMessages(definition: PromptDefinition, source: YamlSource): ConfigError[] {
  if (definition.messages.length === 0) {
    return [source.errorAt(['prompt', 'messages'], 'Prompt must have at least one message')];
  }
  const declared = new Set((definition.parameters ?? []).map((p) => p.name));
  const errors: ConfigError[] = [];
  definition.messages.forEach((message, i) => {
    const at = ['prompt', 'messages', i, 'prompt'];
    try {
      const undefinedNames = templateVariables(message.prompt).filter((name) => !declared.has(name));
      if (undefinedNames.length > 0) {
        errors.push(
          source.errorAt(at, `Message ${i} uses undefined template variables: ${undefinedNames.join(', ')}`),
        );
      }
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      errors.push(source.errorAt(at, `Message ${i} has invalid template syntax: ${err.message}`));
    }
  });
  return errors;
}
