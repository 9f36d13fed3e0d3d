/** How far a receiver's Retry-After may push the next attempt. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** ±20% around the scheduled delay, so a crowd of failed deliveries does not retry in step. */
export function jittered(delayMs: number, random: () => number = Math.random): number {
  return Math.round(delayMs * (0.8 + 0.4 * random()));
}

/**
 * Retry-After as seconds (any number of digits: a long one is as far as the caller clamps it
 * to, never unreadable) or an HTTP date, in ms from now; undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export type AttemptOutcome =
  { kind: 'succeeded' } | { kind: 'gone' } | { kind: 'retry'; delayMs: number } | { kind: 'dead' };

/** A 2xx answer: the delivery succeeded. */
export function isSuccess(statusCode: number | null | undefined): boolean {
  return typeof statusCode === 'number' && statusCode >= 200 && statusCode < 300;
}

/**
 * What follows an attempt. `schedule[n]` is the delay before attempt n+1 (schedule[0] before the
 * first). 2xx succeeds; 410 disables the endpoint; anything else is retried after the next
 * delay (with jitter, and no sooner than a 429/503's Retry-After, clamped to an hour) until
 * `maxAttempts` attempts failed.
 */
export function afterAttempt(input: {
  statusCode: number | null;
  retryAfter?: string;
  attemptsMade: number;
  maxAttempts: number;
  schedule: readonly number[];
  random?: () => number;
  now?: number;
}): AttemptOutcome {
  const { statusCode } = input;
  if (isSuccess(statusCode)) return { kind: 'succeeded' };
  if (statusCode === 410) return { kind: 'gone' };
  if (input.attemptsMade >= input.maxAttempts) return { kind: 'dead' };
  const scheduled = input.schedule[Math.min(input.attemptsMade, input.schedule.length - 1)];
  let delayMs = jittered(scheduled, input.random);
  if (statusCode === 429 || statusCode === 503) {
    const asked = retryAfterMs(input.retryAfter, input.now);
    if (asked !== undefined) delayMs = Math.max(delayMs, Math.min(asked, MAX_RETRY_AFTER_MS));
  }
  return { kind: 'retry', delayMs };
}
