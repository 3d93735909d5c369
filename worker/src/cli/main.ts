#!/usr/bin/env node
// The `mxcp` command line: one subcommand per file under commands/. Errors a
// user can fix print as "Error: …" (or the JSON envelope) and exit with 1.
import { Command } from 'commander';
import { registerDriftCheck, registerDriftSnapshot } from './commands/drift.js';
import { registerInit } from './commands/init.js';
import { registerList, registerValidate } from './commands/inspect.js';
import { registerLint } from './commands/lint.js';
import { registerLog } from './commands/log.js';
import { registerLogCleanup } from './commands/log-cleanup.js';
import { registerQuery } from './commands/query.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerTest } from './commands/test.js';
import { packageVersion } from '../server/index.js';
import { errorLine, errorMessage, jsonError, useColor } from './output.js';

export function buildProgram(): Command {
  const program = new Command('mxcp')
    .description('MXCP: serve SQL-defined tools, resources and prompts over MCP')
    .version(packageVersion())
    .showHelpAfterError();
  registerInit(program);
  registerServe(program);
  registerList(program);
  registerValidate(program);
  registerRun(program);
  registerQuery(program);
  registerTest(program);
  registerLint(program);
  registerDriftSnapshot(program);
  registerDriftCheck(program);
  registerLog(program);
  registerLogCleanup(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const debug = process.env.MXCP_DEBUG !== undefined || argv.includes('--debug');
    if (argv.includes('--json-output')) {
      process.stdout.write(jsonError(error, debug) + '\n');
    } else {
      process.stderr.write(errorLine(errorMessage(error), { color: useColor(process.stderr) }) + '\n');
      if (debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
    }
    process.exitCode = 1;
  }
}

await main(process.argv);
