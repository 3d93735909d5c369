// What a person sees: on a terminal (a pseudo-TTY from util-linux `script`)
// `mxcp test` shows live progress and colour; piped, the same command prints
// plain text with no escape codes at all.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, copyProject, runMxcp, TSX_LOADER } from '../support/mxcp.js';

const ESC = '\x1b[';

describe('terminal output', () => {
  let project: ReturnType<typeof copyProject>;
  beforeAll(() => {
    project = copyProject('examples/quickstart');
  });
  afterAll(() => project?.cleanup());

  it('mxcp test on a TTY shows per-endpoint progress and colour', () => {
    const command = [process.execPath, '--import', TSX_LOADER, CLI, 'test', 'tool', 'hello']
      .map((a) => `'${a}'`)
      .join(' ');
    const env = { ...process.env };
    delete env.NO_COLOR;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: project.dir,
      env,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(ESC);
    expect(r.stdout).toContain('tool/hello');
    // The progress line is rewritten in place (carriage return + clear line) as tests finish.
    expect(r.stdout).toContain('\r\x1b[2K');
    expect(r.stdout).toMatch(/1\/2/);
    expect(r.stdout).toContain('Test Execution Summary');
  });

  it('piped output has no escape codes', async () => {
    const r = await runMxcp(['test', 'tool', 'hello'], { cwd: project.dir, env: { NO_COLOR: undefined } });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(r.stdout).toContain('Test Execution Summary');
  });
});
