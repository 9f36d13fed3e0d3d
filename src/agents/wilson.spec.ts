import { wilsonLowerBound } from './wilson';

describe('wilsonLowerBound', () => {
  it('is 0 without outcomes', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0);
  });

  it('matches the textbook value for 9 of 10', () => {
    expect(wilsonLowerBound(9, 10)).toBeCloseTo(0.5958, 3);
  });

  it('ranks more evidence above a small perfect record', () => {
    expect(wilsonLowerBound(95, 100)).toBeGreaterThan(wilsonLowerBound(3, 3));
  });

  it('stays within [0, 1]', () => {
    expect(wilsonLowerBound(0, 50)).toBe(0);
    expect(wilsonLowerBound(1000, 1000)).toBeLessThan(1);
  });
});
