/**
 * Task latencies kept as counts per bucket, buckets growing by a factor of √2 from 1 ms:
 * bucket 0 holds [0, 1) ms, bucket k (k ≥ 1) holds [2^((k-1)/2), 2^(k/2)) ms; the last bucket
 * holds everything longer. 60 buckets reach 2^29.5 ms (about 8.6 days). Hour buckets add up
 * element by element, so a window's p50 comes from summed counts, within ±19% (half a bucket).
 */
export const HISTOGRAM_BUCKETS = 60;

export function bucketOf(durationMs: number): number {
  if (!(durationMs >= 1)) return 0;
  return Math.min(HISTOGRAM_BUCKETS - 1, Math.floor(2 * Math.log2(durationMs)) + 1);
}

/** The representative value of a bucket: the geometric middle of its bounds. */
export function bucketMiddleMs(bucket: number): number {
  if (bucket <= 0) return 0.5;
  return 2 ** ((bucket - 0.5) / 2);
}

/** The bucket holding the median of these counts (null when there are none). */
export function medianBucket(counts: readonly number[]): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const [bucket, count] of counts.entries()) {
    seen += count;
    if (seen * 2 >= total) return bucket;
  }
  return counts.length - 1;
}
