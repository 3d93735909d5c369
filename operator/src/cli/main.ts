#!/usr/bin/env node
// `mxcp-operator`: the operator's command line. Each subcommand registers
// itself in buildProgram; errors print as `error: …` lines (no stack trace)
// and exit 1.
import { Command } from 'commander';
import { formatProblem, RenderError } from '../render/index.js';
import { registerRun } from '../manager/run.js';
import { registerRender } from './render.js';

export function buildProgram(): Command {
  const program = new Command('mxcp-operator').description('MXCP on Kubernetes: the MxcpProject operator');
  registerRun(program);
  registerRender(program);
  return program;
}

function describeFailure(error: unknown): string {
  if (error instanceof RenderError) return error.problems.map((p) => `error: ${formatProblem(p)}`).join('\n');
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.stderr.write(describeFailure(error) + '\n');
  process.exitCode = 1;
}
