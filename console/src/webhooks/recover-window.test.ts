import { describe, expect, it } from 'vitest';
import { defaultWindow, recoverBody, toLocalInput } from './recover-window';

const now = Date.parse('2026-03-01T12:00:30Z');

describe('the recover window', () => {
  it('defaults to the last 24 hours, ending after now', () => {
    const { from, until } = defaultWindow(now);
    expect(from).toBe(toLocalInput(now - 86_400_000));
    expect(Date.parse(until)).toBeGreaterThan(now);
    expect(Date.parse(until) - now).toBeLessThanOrEqual(60_000);
    expect(recoverBody(from, until, now)).toEqual({
      body: { since: new Date(Date.parse(from)).toISOString() },
    });
  });

  it('shows local wall time to the minute, as datetime-local inputs take it', () => {
    expect(toLocalInput(now)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(Date.parse(toLocalInput(now))).toBe(now - 30_000);
  });

  it('sends a past end as until', () => {
    const from = toLocalInput(now - 7_200_000);
    const until = toLocalInput(now - 3_600_000);
    expect(recoverBody(from, until, now)).toEqual({
      body: {
        since: new Date(Date.parse(from)).toISOString(),
        until: new Date(Date.parse(until)).toISOString(),
      },
    });
  });

  it('refuses a window without a start, starting in the future, or ending before it starts', () => {
    expect(recoverBody('', '', now)).toEqual({ problem: 'Choose when the window starts.' });
    expect(recoverBody(toLocalInput(now + 120_000), '', now)).toEqual({
      problem: 'The window cannot start in the future.',
    });
    const from = toLocalInput(now - 3_600_000);
    expect(recoverBody(from, from, now)).toEqual({
      problem: 'The window must end after it starts.',
    });
    expect(recoverBody(from, toLocalInput(now - 7_200_000), now)).toEqual({
      problem: 'The window must end after it starts.',
    });
  });
});
