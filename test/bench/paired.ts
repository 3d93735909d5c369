// The throughput target judged on paired rounds. The level table measures every server once per
// level, one after another, over several minutes; on a shared 2-core VM the machine's speed drifts
// in that time (the same worker process has used 1.4 ms and 2.0 ms of CPU per call minutes apart),
// so one worker window against one baseline window can be off by a third. A paired round measures
// the default worker and the baseline back to back at the target level, alternating which goes
// first (ABBA), and the target is judged on the median of the rounds' ratios.
import { median } from './cold-start.js';
import type { LoadResult } from './load.js';
import { fixed } from './report-sections.js';

export interface PairedRound {
  first: 'worker' | 'baseline';
  worker: LoadResult;
  baseline: LoadResult;
}

/** Who goes first in round `i` (0-based): worker, baseline, baseline, worker, worker, … */
export function pairedOrder(i: number): PairedRound['first'] {
  return (i + 1) % 4 < 2 ? 'worker' : 'baseline';
}

export function roundRatio(round: PairedRound): number | undefined {
  return round.baseline.callsPerSecond > 0
    ? round.worker.callsPerSecond / round.baseline.callsPerSecond
    : undefined;
}

/** The median of the rounds' ratios (the mean of the middle two for an even count). */
export function medianPairedRatio(rounds: PairedRound[]): number | undefined {
  const ratios = rounds.map(roundRatio).filter((r): r is number => r !== undefined);
  return ratios.length > 0 ? median(ratios) : undefined;
}

export function pairedTable(rounds: PairedRound[]): string {
  const rows = rounds.map(
    (r, i) =>
      `| ${i + 1} | ${r.first} | ${Math.round(r.worker.callsPerSecond)} | ${Math.round(r.baseline.callsPerSecond)} | ` +
      `${fixed(roundRatio(r), 2)} | ${fixed(r.worker.serverCpuMsPerCall, 2)} | ${fixed(r.baseline.serverCpuMsPerCall, 2)} |`,
  );
  return [
    '| round | first | worker calls/s | baseline calls/s | ratio | worker CPU ms/call | baseline CPU ms/call |',
    '|---:|:---|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

export function pairedSection(rounds: PairedRound[] | undefined, clients: number): string {
  if (!rounds || rounds.length === 0) return '';
  return `## Paired rounds at ${clients} clients

The default (SSE) worker and the baseline measured back to back, ${rounds.length} times, alternating
which goes first; the target is judged on the median ratio (**${fixed(medianPairedRatio(rounds), 2)}**).
The level table above measures each server once, minutes apart, while the machine's speed drifts.

${pairedTable(rounds)}
`;
}
