import { exceededLimits, roundUsd, UsageTotals } from './usage';

const usage = (inputTokens: number, outputTokens: number, costUsd = 0): UsageTotals => ({
  inputTokens,
  outputTokens,
  costUsd,
  reports: 1,
});

describe('exceededLimits', () => {
  it('passes nothing without a budget', () => {
    expect(exceededLimits(null, usage(10, 10, 1), 100)).toEqual([]);
  });

  it('counts input and output tokens together, exceeded only above the limit', () => {
    expect(exceededLimits({ tokens: 20 }, usage(10, 10), null)).toEqual([]);
    expect(exceededLimits({ tokens: 20 }, usage(10, 11), null)).toEqual(['tokens']);
    expect(exceededLimits({ tokens: 0 }, null, null)).toEqual([]);
  });

  it('compares dollars, and running seconds only once the run has started', () => {
    expect(exceededLimits({ costUsd: 0.5 }, usage(0, 0, 0.5), null)).toEqual([]);
    expect(exceededLimits({ costUsd: 0.5 }, usage(0, 0, 0.51), null)).toEqual(['costUsd']);
    expect(exceededLimits({ wallSeconds: 60 }, null, null)).toEqual([]);
    expect(exceededLimits({ wallSeconds: 60 }, null, 61)).toEqual(['wallSeconds']);
  });

  it('takes a limit stored as null (accepted before null was refused) for no limit, not 0', () => {
    const stored = JSON.parse('{"tokens": null, "costUsd": null, "wallSeconds": 60}') as Parameters<
      typeof exceededLimits
    >[0];
    expect(exceededLimits(stored, usage(10, 10, 1), 30)).toEqual([]);
  });

  it('names every limit passed, in a fixed order', () => {
    expect(exceededLimits({ tokens: 1, costUsd: 0.1, wallSeconds: 1 }, usage(5, 5, 1), 2)).toEqual([
      'tokens',
      'costUsd',
      'wallSeconds',
    ]);
  });
});

describe('roundUsd', () => {
  it('keeps nanodollars, as the ledger does', () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(roundUsd(0.0000000014)).toBe(0.000000001);
  });
});
