// Pod addresses on loopback. Linux routes all of 127.0.0.0/8 to `lo`, so any 127.a.b.c can be bound
// without configuring anything. Each test kubelet claims a /16 of its own, 127.N.0.0/16 with N in
// 100..199 (away from 127.0.0.1 and 127.0.0.53, which other programs use), through a lock file holding
// its pid, so kubelets in parallel test processes never hand out the same address. A lock whose process
// is gone is taken over. Within a node, addresses are never reused (65 000 pods is plenty for a test).
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_DIR = join(tmpdir(), 'mxcp-test-kubelet-subnets');
const FIRST = 100;
const COUNT = 100;

export class PodAddresses {
  private next = 0;

  private constructor(
    readonly subnet: number,
    private readonly lockFile: string,
  ) {}

  /** Claims a free 127.N.0.0/16. */
  static claim(): PodAddresses {
    mkdirSync(LOCK_DIR, { recursive: true });
    const start = Math.floor(Math.random() * COUNT);
    for (let i = 0; i < COUNT; i++) {
      const n = FIRST + ((start + i) % COUNT);
      const lockFile = join(LOCK_DIR, `127.${n}.lock`);
      if (tryLock(lockFile)) return new PodAddresses(n, lockFile);
    }
    throw new Error(`no free loopback subnet: all of 127.${FIRST}-${FIRST + COUNT - 1}.0.0/16 are claimed`);
  }

  get cidr(): string {
    return `127.${this.subnet}.0.0/16`;
  }

  /** The next unused pod address (127.N.0.1, 127.N.0.2, ...; .0 and .255 are skipped). */
  allocate(): string {
    if (this.next >= 256 * 254) throw new Error(`subnet ${this.cidr} is exhausted`);
    const n = this.next++;
    return `127.${this.subnet}.${Math.floor(n / 254)}.${(n % 254) + 1}`;
  }

  release(): void {
    rmSync(this.lockFile, { force: true });
  }
}

function tryLock(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (holderAlive(file)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

function holderAlive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
