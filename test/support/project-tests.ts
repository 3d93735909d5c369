// Reads an MXCP project's endpoint files directly (plain YAML, independent of
// the worker's loader) so end-to-end tests can call every endpoint with the
// arguments its own `tests:` block uses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface EndpointCase {
  kind: 'tool' | 'resource' | 'prompt';
  name: string;
  args: Record<string, unknown>;
  expected?: unknown;
  hasExpected: boolean;
}

export function endpointCases(projectDir: string): EndpointCase[] {
  const cases: EndpointCase[] = [];
  for (const folder of ['tools', 'resources', 'prompts']) {
    let files: string[];
    try {
      files = readdirSync(join(projectDir, folder))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
    } catch {
      continue;
    }
    for (const file of files) {
      const doc = parse(readFileSync(join(projectDir, folder, file), 'utf8')) as Record<
        string,
        Record<string, unknown>
      >;
      const kind = (['tool', 'resource', 'prompt'] as const).find((k) => doc[k]);
      if (!kind) continue;
      const def = doc[kind];
      if (def.enabled === false) continue;
      const test = ((def.tests as Record<string, unknown>[] | undefined) ?? [])[0];
      const args: Record<string, unknown> = {};
      for (const a of (test?.arguments as { key: string; value: unknown }[] | undefined) ?? [])
        args[a.key] = a.value;
      cases.push({
        kind,
        name: String(kind === 'resource' ? def.uri : def.name),
        args,
        expected: test?.result,
        hasExpected: test !== undefined && 'result' in test,
      });
    }
  }
  return cases;
}

/** A resource URI template filled with the given arguments. */
export function fillUri(template: string, args: Record<string, unknown>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) =>
    encodeURIComponent(String(args[name])),
  );
}
