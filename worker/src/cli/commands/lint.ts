// `mxcp lint`: metadata-quality advice over every endpoint file that loads.
// Unlike MXCP, --severity never drops errors (see lint/rules.ts).
import type { Command } from 'commander';
import { discoverEndpoints } from '../../endpoints/index.js';
import { filterBySeverity, lintEndpoint, type SeverityFilter } from '../../lint/rules.js';
import { renderLintReport } from '../../lint/report.js';
import { jsonOk, useColor } from '../output.js';
import { loadConfig } from '../project.js';

interface LintFlags {
  profile?: string;
  jsonOutput?: boolean;
  debug?: boolean;
  severity?: string;
}

const LEVELS: SeverityFilter[] = ['all', 'warning', 'info'];

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('Check endpoint metadata quality (descriptions, examples, tests)')
    .option('--profile <name>', 'profile to use')
    .option('--json-output', 'print JSON')
    .option('--debug', 'debug output')
    .option('--severity <level>', 'all | warning (errors+warnings) | info (everything)', 'all')
    .action(async (flags: LintFlags) => {
      const level = (flags.severity ?? 'all') as SeverityFilter;
      if (!LEVELS.includes(level))
        throw new Error(`Invalid --severity '${flags.severity}': expected all, warning or info`);
      const discovery = discoverEndpoints(await loadConfig(flags));
      const issues = filterBySeverity(discovery.endpoints.flatMap(lintEndpoint), level);
      if (flags.jsonOutput) {
        process.stdout.write(jsonOk(issues) + '\n');
        return;
      }
      process.stdout.write(
        renderLintReport(issues, {
          color: useColor(process.stdout),
          endpointCount: discovery.endpoints.length,
        }),
      );
    });
}
