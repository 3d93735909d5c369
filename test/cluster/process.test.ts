import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from './process.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mxcp-process-test-'));
  dirs.push(dir);
  return dir;
}

describe('ManagedProcess', () => {
  it('fails a start with the tail of the log of a process that exited early', async () => {
    const dir = await tempDir();
    const p = new ManagedProcess(
      'broken',
      'sh',
      ['-c', 'echo "line one"; echo "flag --nope not recognised" >&2; exit 3'],
      join(dir, 'broken.log'),
    );
    p.start();
    const failure = await p
      .waitUntil('ready', async () => false, 30_000)
      .then(
        () => undefined,
        (err: Error) => err,
      );
    expect(failure?.message).toContain('broken exited with code 3 before ready');
    expect(failure?.message).toContain('flag --nope not recognised');
  });

  it('stops a process that ignores SIGTERM by killing it after the grace period', async () => {
    const dir = await tempDir();
    const p = new ManagedProcess(
      'stubborn',
      'sh',
      ['-c', 'trap "" TERM; echo started; while true; do sleep 0.1; done'],
      join(dir, 'stubborn.log'),
      join(dir, 'stubborn.pid'),
    );
    p.start();
    await p.waitUntil('started', async () => p.logTail().includes('started'), 30_000);
    expect(existsSync(join(dir, 'stubborn.pid'))).toBe(true);
    await p.stop(500);
    expect(p.running).toBe(false);
    expect(existsSync(join(dir, 'stubborn.pid'))).toBe(false);
  });
});
