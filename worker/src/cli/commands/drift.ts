// `mxcp drift-snapshot` and `mxcp drift-check` (MXCP-SPEC §1, §10): write a
// baseline of the project's tables and endpoints, and compare the current
// state with it (exit code 1 when anything drifted).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  buildSnapshot,
  compareSnapshots,
  readSnapshot,
  renderDriftReport,
  renderSnapshotSummary,
  snapshotText,
  writeSnapshot,
  type DriftSnapshot,
} from '../../drift/index.js';
import { jsonOk, useColor } from '../output.js';
import type { ProjectConfig } from '../../config/index.js';
import { openProject } from '../../engine/index.js';
import { loadConfig } from '../project.js';

interface SnapshotFlags {
  profile?: string;
  force?: boolean;
  dryRun?: boolean;
  jsonOutput?: boolean;
  debug?: boolean;
}

interface CheckFlags {
  profile?: string;
  baseline?: string;
  jsonOutput?: boolean;
  debug?: boolean;
  readonly?: boolean;
}

export function registerDriftSnapshot(program: Command): void {
  program
    .command('drift-snapshot')
    .description('Write a drift baseline: tables, endpoint validation, test results and definitions')
    .option('--profile <name>', 'profile to use')
    .option('--force', 'overwrite an existing snapshot')
    .option('--dry-run', 'build the snapshot without writing it')
    .option('--json-output', 'print JSON')
    .option('--debug', 'debug output')
    .action(async (flags: SnapshotFlags) => {
      const config = await loadConfig(flags);
      const path = config.profile.drift.path;
      // Checked before the (slow) snapshot: every test of the project runs for it.
      if (!flags.dryRun && existsSync(path) && !flags.force) {
        throw new Error(`Drift snapshot already exists: ${path} (use --force to overwrite it)`);
      }
      const snapshot = await currentSnapshot(config);
      const text = snapshotText(snapshot);
      if (!flags.dryRun) writeSnapshot(path, text);
      if (flags.jsonOutput) {
        process.stdout.write(jsonOk(snapshot) + '\n');
        return;
      }
      const hash = createHash('sha256').update(text).digest('hex');
      process.stdout.write(
        renderSnapshotSummary(
          { path, hash, snapshot, written: !flags.dryRun },
          { color: useColor(process.stdout) },
        ),
      );
    });
}

export function registerDriftCheck(program: Command): void {
  program
    .command('drift-check')
    .description('Compare the project with its drift baseline (exit code 1 on drift)')
    .option('--profile <name>', 'profile to use')
    .option('--baseline <path>', "baseline snapshot (default: the profile's drift path)")
    .option('--json-output', 'print JSON')
    .option('--debug', 'debug output')
    .option('--readonly', 'open the database read-only')
    .action(async (flags: CheckFlags) => {
      const config = await loadConfig(flags);
      const baselinePath =
        flags.baseline !== undefined ? resolve(process.cwd(), flags.baseline) : config.profile.drift.path;
      const baseline = readSnapshot(baselinePath);
      const snapshot = await currentSnapshot(config);
      const report = compareSnapshots(baseline, snapshot, baselinePath);
      process.stdout.write(
        flags.jsonOutput
          ? jsonOk(report) + '\n'
          : renderDriftReport(report, { color: useColor(process.stdout) }),
      );
      if (report.has_drift) process.exitCode = 1;
    });
}

/** Opens the project, snapshots it (running every test) and closes it. */
async function currentSnapshot(config: ProjectConfig): Promise<DriftSnapshot> {
  const opened = await openProject(config);
  try {
    return await buildSnapshot(opened);
  } finally {
    await opened.engine.close();
  }
}
