import type { RateLimitRef } from './dag';
import { valueAt } from './wait-steps';

/**
 * The units a task of this step takes from its rate limit: the positive number at `units` in
 * the task's input, else 1 (no path, or nothing usable there: a missing or non-positive value
 * must not make a task free, nor unclaimable). The claim takes at most the bucket's burst.
 */
export function rateUnits(ref: RateLimitRef, taskInput: unknown): number {
  if (ref.units === undefined) return 1;
  const value = valueAt(taskInput, ref.units);
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 1;
}

/** A bucket as stored: its content `tokens` at `refilledAt`. */
export interface Bucket {
  perMinute: number;
  burst: number;
  tokens: number;
  refilledAt: Date;
}

/** The bucket's content at `now`: what the time since its last refill earned, up to burst. */
export function tokensAt(bucket: Bucket, now: number): number {
  const elapsed = Math.max(0, now - new Date(bucket.refilledAt).getTime()) / 1000;
  return Math.min(bucket.burst, bucket.tokens + (elapsed * bucket.perMinute) / 60);
}

/** When the bucket holds `units` (capped at burst) again; `now` if it does already. */
export function tokensReturnAt(bucket: Bucket, units: number, now: number): number {
  const missing = Math.min(units, bucket.burst) - tokensAt(bucket, now);
  return missing <= 0 ? now : now + Math.ceil((missing * 60_000) / bucket.perMinute);
}
