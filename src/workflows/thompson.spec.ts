import { betaSample, gammaSample, thompsonPick } from './thompson';

/** A seeded generator (mulberry32), so the figures below are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

describe('gammaSample', () => {
  it.each([0.5, 1, 2.5, 10])('Gamma(%p) has mean and variance k', (shape) => {
    const random = seeded(7);
    const { mean, variance } = moments(() => gammaSample(shape, random), 100_000);
    expect(mean).toBeCloseTo(shape, 1);
    expect(Math.abs(variance - shape) / shape).toBeLessThan(0.05);
  });

  it('refuses a shape that is not positive', () => {
    expect(() => gammaSample(0)).toThrow(RangeError);
    expect(() => gammaSample(Number.NaN)).toThrow(RangeError);
  });
});

describe('betaSample', () => {
  it.each([
    [1, 1],
    [2, 5],
    [10, 2],
    [0.5, 0.5],
  ])('Beta(%p, %p) has the mean a/(a+b) and variance ab/((a+b)²(a+b+1))', (a, b) => {
    const random = seeded(11);
    const { mean, variance } = moments(() => betaSample(a, b, random), 100_000);
    const expectedVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(mean - a / (a + b))).toBeLessThan(0.005);
    expect(Math.abs(variance - expectedVariance) / expectedVariance).toBeLessThan(0.05);
  });

  it('stays within [0, 1]', () => {
    const random = seeded(3);
    for (let i = 0; i < 10_000; i++) {
      const x = betaSample(0.3, 0.3, random);
      expect(x >= 0 && x <= 1).toBe(true);
    }
  });
});

describe('thompsonPick', () => {
  it('favours the better record, yet still tries a newcomer', () => {
    const random = seeded(5);
    const candidates = [
      { id: 'good', successes: 45, failures: 5 },
      { id: 'bad', successes: 15, failures: 35 },
      { id: 'new', successes: 0, failures: 0 },
    ];
    const wins = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = thompsonPick(candidates, random)!.id;
      wins.set(id, (wins.get(id) ?? 0) + 1);
    }
    expect(wins.get('good')!).toBeGreaterThan(8_000);
    expect(wins.get('new')!).toBeGreaterThan(100);
    expect(wins.get('bad') ?? 0).toBeLessThan(wins.get('new')!);
  });

  it('answers undefined for no candidates', () => {
    expect(thompsonPick([])).toBeUndefined();
  });
});
