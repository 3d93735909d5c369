// `mxcp query [SQL] [--file F] [--param k=v]`: raw SQL on the project's DuckDB,
// parameters bound as $name.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openDatabase } from '../../engine/index.js';
import { anonymousContext } from '../../engine/context.js';
import { jsonOk, renderTable, useColor, colors } from '../output.js';
import { collectParam, parseParams } from '../params.js';
import { loadConfig } from '../project.js';

interface QueryFlags {
  file?: string;
  param?: string[];
  profile?: string;
  jsonOutput?: boolean;
  debug?: boolean;
  readonly?: boolean;
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('Run SQL against the project database')
    .argument('[sql]', 'SQL text')
    .option('--file <path>', 'read SQL from a file')
    .option('-p, --param <name=value>', 'parameter bound as $name (repeatable)', collectParam, [])
    .option('--profile <name>', 'profile to use')
    .option('--json-output', 'print JSON')
    .option('--debug', 'debug output')
    .option('--readonly', 'open the database read-only')
    .action(async (sql: string | undefined, flags: QueryFlags) => {
      if ((sql === undefined) === (flags.file === undefined)) {
        throw new Error('Provide exactly one of SQL text or --file');
      }
      const text = sql ?? readFileSync(flags.file as string, 'utf8');
      await query(text, flags);
    });
}

async function query(sql: string, flags: QueryFlags): Promise<void> {
  const config = await loadConfig(flags);
  const params = parseParams(flags.param);
  const db = await openDatabase(config);
  try {
    const rows = await db.query(sql, params, anonymousContext('cli'));
    if (flags.jsonOutput) {
      process.stdout.write(jsonOk(rows) + '\n');
      return;
    }
    const color = useColor(process.stdout);
    const preview = sql.trim().split('\n');
    process.stdout.write(
      colors(color).dim(preview.slice(0, 5).join('\n') + (preview.length > 5 ? '\n...' : '')) + '\n',
    );
    if (Object.keys(params).length > 0) process.stdout.write(`Parameters: ${JSON.stringify(params)}\n`);
    process.stdout.write(renderTable(rows, { color }) + '\n');
  } finally {
    await db.close();
  }
}
