// TEST HELPER: a project whose tool shows a DuckDB secret built from a `file://` reference in the
// user config, opened the way `mxcp serve` opens it (loadProjectConfigAsync + openProject), with
// a file-backed DuckDB so reloads reopen the same file.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfigAsync } from '../../../config/index.js';
import { openProject, type OpenedProject } from '../../../engine/index.js';

export interface ReloadProject {
  dir: string;
  secretsDir: string;
  userConfig: string;
  /** A FIFO: the `wait_gate` tool blocks reading it until writeGate() is called, then returns 4. */
  gate: string;
  writeSecret(value: string): void;
  writeUserConfig(text: string): void;
  writeGate(): void;
  /** Unblocks a gate reader if there is one, without waiting for it (for cleanup after a failure). */
  releaseGate(): void;
  load(): Promise<OpenedProject>;
  cleanup(): void;
}

export const SHOW_SECRET_TOOL = `mxcp: 1
tool:
  name: show_secret
  description: The api secret as DuckDB shows it (HTTP_PROXY is not redacted)
  return:
    type: string
  source:
    code: SELECT coalesce(max(secret_string), 'none') FROM duckdb_secrets() WHERE name = 'api'
`;

const gateTool = (fifo: string) => `mxcp: 1
tool:
  name: wait_gate
  description: Blocks until the test writes the gate FIFO
  return:
    type: integer
  source:
    code: SELECT length(content)::INTEGER FROM read_text('${fifo}')
`;

/** Runs until interrupted (10^10 rows): for the shutdown grace period. */
export const ENDLESS_TOOL = `mxcp: 1
tool:
  name: endless
  description: Counts a huge cross join
  return:
    type: integer
  source:
    code: SELECT count(*)::INTEGER FROM range(100000) a, range(100000) b
`;

export function userConfigWithProxy(proxy: string): string {
  return [
    'mxcp: 1',
    'projects:',
    '  reload:',
    '    profiles:',
    '      default:',
    '        secrets:',
    '          - name: api',
    '            type: http',
    '            parameters:',
    `              HTTP_PROXY: "${proxy}"`,
    '',
  ].join('\n');
}

export function createReloadProject(): ReloadProject {
  const root = mkdtempSync(join(tmpdir(), 'mxcp-reload-'));
  const dir = join(root, 'project');
  const secretsDir = join(root, 'secrets');
  const gate = join(root, 'gate.fifo');
  mkdirSync(join(dir, 'tools'), { recursive: true });
  mkdirSync(secretsDir);
  execFileSync('mkfifo', [gate]);
  writeFileSync(join(dir, 'mxcp-site.yml'), 'mxcp: 1\nproject: reload\nprofile: default\n');
  writeFileSync(join(dir, 'tools', 'show_secret.yml'), SHOW_SECRET_TOOL);
  writeFileSync(join(dir, 'tools', 'wait_gate.yml'), gateTool(gate));
  writeFileSync(join(dir, 'tools', 'endless.yml'), ENDLESS_TOOL);
  const userConfig = join(root, 'config.yml');
  const project: ReloadProject = {
    dir,
    secretsDir,
    userConfig,
    gate,
    writeSecret: (value) => writeFileSync(join(secretsDir, 'proxy'), value),
    writeUserConfig: (text) => writeFileSync(userConfig, text),
    writeGate: () => writeFileSync(gate, 'open'),
    releaseGate: () => {
      const fd = openSync(gate, constants.O_RDWR | constants.O_NONBLOCK);
      try {
        writeSync(fd, 'open');
      } finally {
        closeSync(fd);
      }
    },
    load: async () => {
      const config = await loadProjectConfigAsync({ cwd: dir, env: { MXCP_CONFIG: userConfig, HOME: root } });
      return openProject(config);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  project.writeSecret('http://proxy-one');
  project.writeUserConfig(userConfigWithProxy(`file://${join(secretsDir, 'proxy')}`));
  return project;
}
