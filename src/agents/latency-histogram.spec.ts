import { bucketMiddleMs, bucketOf, HISTOGRAM_BUCKETS, medianBucket } from './latency-histogram';

describe('latency histogram', () => {
  it('puts each duration in the bucket whose bounds hold it', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.9)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    for (const duration of [1, 1.2, 1.5, 2, 3, 100, 999, 1000, 65_000, 3_600_000]) {
      const bucket = bucketOf(duration);
      expect(2 ** ((bucket - 1) / 2)).toBeLessThanOrEqual(duration);
      expect(2 ** (bucket / 2)).toBeGreaterThan(duration);
    }
    expect(bucketOf(1e15)).toBe(HISTOGRAM_BUCKETS - 1);
  });

  it('estimates a value within 19% from its bucket middle', () => {
    for (const duration of [1.1, 7, 50, 200, 1234, 99_999]) {
      const estimate = bucketMiddleMs(bucketOf(duration));
      expect(Math.abs(estimate - duration) / duration).toBeLessThan(0.19);
    }
  });

  it('finds the median bucket of summed counts', () => {
    expect(medianBucket([])).toBeNull();
    expect(medianBucket([0, 0])).toBeNull();
    expect(medianBucket([1, 0, 3])).toBe(2);
    expect(medianBucket([2, 0, 2])).toBe(0);
    expect(medianBucket([0, 5, 1, 1, 1])).toBe(1);
  });
});
