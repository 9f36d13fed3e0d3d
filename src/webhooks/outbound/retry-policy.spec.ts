import { afterAttempt, jittered, MAX_RETRY_AFTER_MS, retryAfterMs } from './retry-policy';

const schedule = [0, 5_000, 300_000];
const base = { attemptsMade: 1, maxAttempts: 3, schedule, random: () => 0.5 };

describe('retry policy', () => {
  it('jitters by ±20%', () => {
    expect(jittered(1000, () => 0)).toBe(800);
    expect(jittered(1000, () => 0.999999)).toBe(1200);
    expect(jittered(0, () => 0.7)).toBe(0);
  });

  it('2xx succeeds, 410 is gone, others retry on schedule until the last attempt', () => {
    expect(afterAttempt({ ...base, statusCode: 204 })).toEqual({ kind: 'succeeded' });
    expect(afterAttempt({ ...base, statusCode: 410 })).toEqual({ kind: 'gone' });
    expect(afterAttempt({ ...base, statusCode: 500 })).toEqual({ kind: 'retry', delayMs: 5_000 });
    expect(afterAttempt({ ...base, statusCode: null, attemptsMade: 2 })).toEqual({
      kind: 'retry',
      delayMs: 300_000,
    });
    expect(afterAttempt({ ...base, statusCode: 302, attemptsMade: 3 })).toEqual({ kind: 'dead' });
  });

  it('honours Retry-After on 429 and 503 only, never sooner than the schedule, clamped', () => {
    expect(afterAttempt({ ...base, statusCode: 429, retryAfter: '60' })).toEqual({
      kind: 'retry',
      delayMs: 60_000,
    });
    expect(afterAttempt({ ...base, statusCode: 503, retryAfter: '1' })).toEqual({
      kind: 'retry',
      delayMs: 5_000,
    });
    expect(afterAttempt({ ...base, statusCode: 500, retryAfter: '60' })).toEqual({
      kind: 'retry',
      delayMs: 5_000,
    });
    expect(afterAttempt({ ...base, statusCode: 429, retryAfter: '999999' })).toEqual({
      kind: 'retry',
      delayMs: MAX_RETRY_AFTER_MS,
    });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('takes a Retry-After of any number of seconds as the hour it is clamped to', () => {
    const later = (retryAfter: string) =>
      afterAttempt({
        statusCode: 503,
        retryAfter,
        attemptsMade: 1,
        maxAttempts: 5,
        schedule: [0, 2_000, 3_000],
        random: () => 0.5,
      });
    for (const retryAfter of ['99999999999', '9'.repeat(40), '3600']) {
      expect(later(retryAfter)).toEqual({ kind: 'retry', delayMs: MAX_RETRY_AFTER_MS });
    }
  });
});
