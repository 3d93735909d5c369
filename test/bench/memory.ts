// A server's memory as Linux reports it in /proc/<pid>/status: resident set size now
// (VmRSS) and its peak (VmHWM). The peak over one load run is read by resetting the
// kernel's high-water mark first (writing 5 to /proc/<pid>/clear_refs, Linux 4.0+);
// where that is refused, VmRSS sampled during the run stands in for it.
import { readFileSync, writeFileSync } from 'node:fs';

export interface MemoryReading {
  rssKiB: number;
  hwmKiB: number;
}

/** VmRSS and VmHWM of a process in KiB; undefined without /proc or when it is gone. */
export function readMemory(pid: number | undefined): MemoryReading | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const rssKiB = field('VmRSS');
    const hwmKiB = field('VmHWM');
    return Number.isFinite(rssKiB) && Number.isFinite(hwmKiB) ? { rssKiB, hwmKiB } : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the process's VmHWM to its current RSS; false when the kernel refused. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Tracks one process's peak RSS from `start()` to `stop()`: VmHWM after a reset when the kernel
 * allows it, else the highest VmRSS sampled every `intervalMs`. Undefined without /proc.
 */
export function trackPeak(pid: number | undefined, intervalMs = 100): { stop(): number | undefined } {
  if (pid === undefined || readMemory(pid) === undefined) return { stop: () => undefined };
  const reset = resetPeak(pid);
  let sampled = readMemory(pid)?.rssKiB ?? 0;
  const timer = setInterval(() => {
    sampled = Math.max(sampled, readMemory(pid)?.rssKiB ?? 0);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const now = readMemory(pid);
      if (!now) return sampled || undefined;
      return reset ? now.hwmKiB : Math.max(sampled, now.rssKiB);
    },
  };
}
