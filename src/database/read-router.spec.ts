import { LagEstimate, lsnValue } from './read-router';

describe('lsnValue', () => {
  it('orders WAL positions across the high word', () => {
    expect(lsnValue('0/16B3748')).toBe(0x16b3748n);
    expect(lsnValue('1/0') > lsnValue('0/FFFFFFFF')).toBe(true);
    expect(lsnValue('A/10')).toBe((10n << 32n) + 16n);
  });
});

describe('LagEstimate', () => {
  it('is no lag when the replica replayed the newest position (an idle primary included)', () => {
    const estimate = new LagEstimate();
    estimate.sample(1_000, 100n);
    estimate.sample(2_000, 100n);
    expect(estimate.lagAt(5_000, 100n)).toBe(0);
    expect(estimate.lagAt(5_000, 150n)).toBe(0);
  });

  it('is at most the age of the first position the replica has not replayed', () => {
    const estimate = new LagEstimate();
    estimate.sample(1_000, 100n);
    estimate.sample(2_000, 200n);
    estimate.sample(3_000, 300n);
    // Replayed 200 but not 300: behind since the sample at 3,000 at most.
    expect(estimate.lagAt(3_500, 250n)).toBe(500);
    expect(estimate.lagAt(3_500, 150n)).toBe(1_500);
  });

  it('is unbounded when the replica is behind every position kept', () => {
    const estimate = new LagEstimate();
    expect(estimate.lagAt(1_000, 0n)).toBe(Infinity);
    estimate.sample(1_000, 100n);
    expect(estimate.lagAt(2_000, 50n)).toBe(Infinity);
  });
});
