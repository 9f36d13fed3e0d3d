import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry';

describe('backoffDelay', () => {
  it('doubles from the initial delay, with jitter between half and all of it', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 10_000 };
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
    expect(backoffDelay(3, options, () => 0)).toBe(200);
  });

  it('never exceeds the maximum', () => {
    expect(backoffDelay(40, { initialDelayMs: 100, maxDelayMs: 1_000 }, () => 1)).toBe(1_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores what is absent or malformed', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });
});

describe('isRetryableStatus', () => {
  it('retries rate limits and unavailability only', () => {
    expect([429, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 409, 422, 500].some(isRetryableStatus)).toBe(false);
  });
});

describe('sleep', () => {
  it('rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
  });
});
