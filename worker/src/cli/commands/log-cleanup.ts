// `mxcp log-cleanup [--dry-run]`: delete audit segments past their schema's
// retention (MXCP-SPEC §1, §6). The newest segment of each host is kept.
import type { Command } from 'commander';
import { applyRetention } from '../../audit/index.js';
import { jsonOk } from '../output.js';
import { loadConfig } from '../project.js';
import { reportingJsonErrors, requireDeclaredProfile } from './log.js';

interface CleanupFlags {
  profile?: string;
  dryRun?: boolean;
  json?: boolean;
  debug?: boolean;
}

export function registerLogCleanup(program: Command): void {
  program
    .command('log-cleanup')
    .description('Delete audit log segments older than their retention period')
    .option('--profile <name>', 'profile to use')
    .option('--dry-run', 'report what would be deleted without deleting')
    .option('--json', 'print JSON')
    .option('--debug', 'debug output')
    .action((flags: CleanupFlags) =>
      reportingJsonErrors(flags, async () => {
        const config = await loadConfig(flags);
        requireDeclaredProfile(config);
        if (!config.profile.audit.enabled) {
          const skipped = {
            status: 'skipped',
            message: `Audit logging is disabled for profile '${config.profileName}'`,
          };
          process.stdout.write(
            flags.json ? jsonOk(skipped) + '\n' : `${skipped.message}; nothing to clean up\n`,
          );
          return;
        }
        const result = await applyRetention(config.profile.audit.path, { dryRun: flags.dryRun });
        if (flags.json) {
          process.stdout.write(jsonOk(result) + '\n');
          return;
        }
        const lines = [`${flags.dryRun ? '🔍' : '🗑️ '} ${result.message}`];
        for (const [schema, count] of Object.entries(result.deleted_per_schema))
          lines.push(`   ${schema}: ${count}`);
        for (const segment of result.segments)
          lines.push(`   ${flags.dryRun ? 'would remove' : 'removed'} ${segment}`);
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
