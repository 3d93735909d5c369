import { describe, expect, it } from 'vitest';
import { histogramBuckets, histogramQuantile, percentilesMs } from './operator-figures.js';

const EXPOSITION = `# HELP h_seconds help
# TYPE h_seconds histogram
h_seconds_bucket{le="0.01",result="success"} 10
h_seconds_bucket{le="0.1",result="success"} 90
h_seconds_bucket{le="1",result="success"} 100
h_seconds_bucket{le="+Inf",result="success"} 100
h_seconds_bucket{le="0.01",result="error"} 0
h_seconds_bucket{le="0.1",result="error"} 0
h_seconds_bucket{le="1",result="error"} 0
h_seconds_bucket{le="+Inf",result="error"} 100
h_seconds_sum{result="success"} 5
h_seconds_count{result="success"} 100
`;

describe('percentiles from histogram buckets', () => {
  it('sums the buckets over the other labels, sorted by bound', () => {
    expect(histogramBuckets(EXPOSITION, 'h_seconds')).toEqual([
      { le: 0.01, count: 10 },
      { le: 0.1, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 200 },
    ]);
  });

  it('interpolates linearly inside the bucket holding the rank, as histogram_quantile does', () => {
    const buckets = [
      { le: 0.01, count: 10 },
      { le: 0.1, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.05, buckets)).toBeCloseTo(0.005);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01 + 0.09 * (40 / 80));
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.1 + 0.9 * 0.5);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNaN();
  });

  it('reports a rank in the +Inf bucket as the highest finite bound, flagged as a lower bound', () => {
    const p = percentilesMs(EXPOSITION, 'h_seconds');
    expect(p.p50).toBeCloseTo(1000);
    expect(p.p99).toBeCloseTo(1000);
    expect(p.overflow).toBe(true);
    const successOnly = EXPOSITION.split('\n')
      .filter((l) => !l.includes('error'))
      .join('\n');
    expect(percentilesMs(successOnly, 'h_seconds')).toMatchObject({ overflow: false });
    expect(percentilesMs(successOnly, 'h_seconds').p50).toBeCloseTo(55);
  });
});
