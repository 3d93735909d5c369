// `mxcp init [FOLDER]`: a new project with MXCP's layout, optionally with a
// hello-world tool, and its DuckDB file created.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Database } from '../../db/index.js';
import { useColor, colors } from '../output.js';

interface InitFlags {
  project?: string;
  profile?: string;
  bootstrap?: boolean;
  debug?: boolean;
}

const FOLDERS = [
  'tools',
  'resources',
  'prompts',
  'evals',
  'python',
  'plugins',
  'sql',
  'drift',
  'audit',
  'data',
];

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create a new MXCP project')
    .argument('[folder]', 'project folder', '.')
    .option('--project <name>', 'project name (default: the folder name)')
    .option('--profile <name>', 'profile name (default: MXCP_PROFILE or "default")')
    .option('--bootstrap', 'add a hello-world tool')
    .option('--debug', 'debug output')
    .action(async (folder: string, flags: InitFlags) => {
      await init(folder, flags);
    });
}

async function init(folder: string, flags: InitFlags): Promise<void> {
  const target = resolve(folder);
  const existing = findSiteUpward(target);
  if (existing) throw new Error(`Cannot create a project inside an existing MXCP project (${existing})`);
  const project = flags.project ?? basename(target);
  const profile = flags.profile ?? process.env.MXCP_PROFILE ?? 'default';
  if (existsSync(join(target, `db-${profile}.duckdb`))) {
    throw new Error(`Found an existing database db-${profile}.duckdb in ${target}; refusing to overwrite it`);
  }
  mkdirSync(target, { recursive: true });
  for (const dir of FOLDERS) mkdirSync(join(target, dir), { recursive: true });
  writeFileSync(join(target, 'mxcp-site.yml'), `mxcp: 1\nproject: ${project}\nprofile: ${profile}\n`);
  if (flags.bootstrap) writeHelloWorld(target);
  const db = await Database.open({ path: join(target, 'data', `db-${profile}.duckdb`), readonly: false });
  await db.close();

  const c = colors(useColor(process.stdout));
  const snippet = {
    mcpServers: { [project]: { command: 'mxcp', args: ['serve', '--transport', 'stdio'], cwd: target } },
  };
  process.stdout.write(
    [
      c.green(`✅ Created MXCP project '${project}' in ${target}`),
      '',
      'Next steps:',
      `  cd ${folder}`,
      flags.bootstrap
        ? '  mxcp run tool hello_world --param name=World'
        : '  add tools under tools/ (see mxcp init --bootstrap)',
      '  mxcp serve',
      '',
      'Claude Desktop configuration (mcpServers):',
      JSON.stringify(snippet, null, 2),
      '',
    ].join('\n'),
  );
}

function writeHelloWorld(target: string): void {
  writeFileSync(join(target, 'sql', 'hello-world.sql'), "SELECT 'Hello, ' || $name || '!' AS greeting\n");
  writeFileSync(
    join(target, 'tools', 'hello-world.yml'),
    [
      'mxcp: 1',
      'tool:',
      '  name: hello_world',
      '  description: Say hello to someone',
      '  tags: [example]',
      '  parameters:',
      '    - name: name',
      '      type: string',
      '      description: Who to greet',
      '      examples: [World]',
      '  return:',
      '    type: string',
      '    description: The greeting',
      '  source:',
      '    file: ../sql/hello-world.sql',
      '  tests:',
      '    - name: greets',
      '      description: Greets by name',
      '      arguments:',
      '        - key: name',
      '          value: World',
      '      result: Hello, World!',
      '',
    ].join('\n'),
  );
}

function findSiteUpward(dir: string): string | null {
  let current = dir;
  for (;;) {
    const candidate = join(current, 'mxcp-site.yml');
    if (existsSync(candidate)) return candidate;
    const parent = resolve(current, '..');
    if (parent === current) return null;
    current = parent;
  }
}
