// `mxcp list` and `mxcp validate`: what endpoint files the project has, and
// whether each one loads and compiles (YAML, types, SQL PREPARE, parameters).
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { LoadedEndpoint } from '../../endpoints/index.js';
import { discoverEndpoints } from '../../endpoints/index.js';
import { failureMessage, jsonOk, useColor, colors } from '../output.js';
import { loadConfig, openFromFlags } from '../project.js';

interface CommonFlags {
  profile?: string;
  jsonOutput?: boolean;
  debug?: boolean;
  readonly?: boolean;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('List the endpoints of the project')
    .option('--profile <name>', 'profile to use')
    .option('--json-output', 'print JSON')
    .option('--debug', 'debug output')
    .action(async (flags: CommonFlags) => {
      const config = await loadConfig(flags);
      const discovery = discoverEndpoints(config);
      if (flags.jsonOutput) {
        const endpoints = [
          ...discovery.failures.map((f) => ({
            path: f.path,
            kind: f.kind ?? 'unknown',
            name: f.name ?? null,
            error: failureMessage(f),
          })),
          ...discovery.endpoints.map((e) => ({ path: e.path, kind: e.kind, name: e.name, error: null })),
        ];
        process.stdout.write(
          jsonOk({ status: discovery.failures.length ? 'error' : 'ok', endpoints }) + '\n',
        );
        return;
      }
      const c = colors(useColor(process.stdout));
      const lines: string[] = [];
      if (discovery.failures.length > 0) {
        lines.push(c.red(`Failed endpoint files (${discovery.failures.length}):`));
        for (const f of discovery.failures) lines.push(`  ${c.red('✗')} ${f.path}\n    ${failureMessage(f)}`);
      }
      for (const kind of ['tool', 'resource', 'prompt'] as const) {
        const items = discovery.endpoints.filter((e) => e.kind === kind);
        lines.push(c.bold(`${kind[0].toUpperCase()}${kind.slice(1)}s (${items.length}):`));
        for (const e of items) lines.push(`  ${c.green('✓')} ${e.name} ${c.dim(`(${e.path})`)}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Validate endpoint files (exit code 1 when any is invalid)')
    .argument('[endpoint]', 'an endpoint file path (or a tool/prompt name, or resource URI)')
    .option('--profile <name>', 'profile to use')
    .option('--json-output', 'print JSON')
    .option('--debug', 'debug output')
    .option('--readonly', 'open the database read-only')
    .action(async (endpoint: string | undefined, flags: CommonFlags) => {
      const opened = await openFromFlags(flags);
      await opened.engine.close();
      let ok = opened.loaded;
      let failed = opened.failures;
      if (endpoint !== undefined) {
        const matches = (path: string, name?: string) =>
          sameFile(opened.config.repoRoot, path, endpoint) || name === endpoint;
        ok = ok.filter((e) => matches(e.path, e.name));
        failed = failed.filter((f) => matches(f.path, f.name));
        if (ok.length === 0 && failed.length === 0) throw new Error(`Endpoint '${endpoint}' not found`);
      }
      const validated = [
        ...failed.map((f) => ({ status: 'error' as const, path: f.path, message: failureMessage(f) })),
        ...ok.map((e: LoadedEndpoint) => ({ status: 'ok' as const, path: e.path })),
      ];
      const status = failed.length > 0 ? 'error' : 'ok';
      if (flags.jsonOutput) {
        process.stdout.write(jsonOk({ status, validated }) + '\n');
      } else {
        const c = colors(useColor(process.stdout));
        const lines = [c.bold(`Validated ${validated.length} endpoint files`)];
        if (failed.length > 0) {
          lines.push(c.red(`✗ ${failed.length} failed:`));
          for (const f of failed) for (const e of f.errors) lines.push(`  ${c.red('✗')} ${e.format()}`);
        }
        if (ok.length > 0) {
          lines.push(c.green(`✓ ${ok.length} passed:`));
          for (const e of ok) lines.push(`  ${c.green('✓')} ${e.path}`);
        }
        if (failed.length === 0) lines.push(c.green('🎉 All endpoints are valid!'));
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (failed.length > 0) process.exitCode = 1;
    });
}

function sameFile(repoRoot: string, path: string, argument: string): boolean {
  const fromCwd = relative(repoRoot, resolve(process.cwd(), argument));
  return path === argument || path === fromCwd;
}
