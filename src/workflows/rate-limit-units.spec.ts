import { rateUnits, tokensAt, tokensReturnAt } from './rate-limit-units';

describe('rateUnits', () => {
  const input = { input: { tokens: 1500, zero: 0, text: '12', nested: { n: 2.5 } } };

  it('is 1 without a path', () => {
    expect(rateUnits({ key: 'k' }, input)).toBe(1);
  });

  it('is the positive number at the path', () => {
    expect(rateUnits({ key: 'k', units: '$.input.tokens' }, input)).toBe(1500);
    expect(rateUnits({ key: 'k', units: '$.input.nested.n' }, input)).toBe(2.5);
  });

  it("reads a dependency's output, its step key dots and all", () => {
    const after = {
      input: {},
      dependencies: { fetch: { tokens: 3 }, 'fetch.v2': { tokens: 7, n: { m: 9 } } },
    };
    expect(rateUnits({ key: 'k', units: '$.dependencies.fetch.tokens' }, after)).toBe(3);
    expect(rateUnits({ key: 'k', units: '$.dependencies.fetch.v2.tokens' }, after)).toBe(7);
    expect(rateUnits({ key: 'k', units: '$.dependencies.fetch.v2.n.m' }, after)).toBe(9);
  });

  it('is 1 when the path holds nothing usable', () => {
    for (const units of ['$.input.missing', '$.input.zero', '$.input.text', '$.input.nested'])
      expect(rateUnits({ key: 'k', units }, input)).toBe(1);
  });
});

describe('token bucket', () => {
  const at = Date.parse('2026-12-01T12:00:00Z');
  const bucket = { perMinute: 60, burst: 10, tokens: 2, refilledAt: new Date(at) };

  it('refills at perMinute, up to burst', () => {
    expect(tokensAt(bucket, at)).toBe(2);
    expect(tokensAt(bucket, at + 3_000)).toBe(5);
    expect(tokensAt(bucket, at + 60_000)).toBe(10);
    // A clock behind the last refill earns nothing.
    expect(tokensAt(bucket, at - 5_000)).toBe(2);
  });

  it('tells when units are back, capped at burst', () => {
    expect(tokensReturnAt(bucket, 2, at)).toBe(at);
    expect(tokensReturnAt(bucket, 5, at)).toBe(at + 3_000);
    expect(tokensReturnAt(bucket, 1_000, at)).toBe(at + 8_000);
  });
});
