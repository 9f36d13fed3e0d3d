import type { RateLimitRef } from './dag';
import { valueAt } from './wait-steps';

/**
 * The units a task of this step takes from its rate limit: the positive number at `units` in
 * the task's input, else 1 (no path, or nothing usable there: a missing or non-positive value
 * must not make a task free, nor unclaimable). The claim takes at most the bucket's burst.
 */
export function rateUnits(ref: RateLimitRef, taskInput: unknown): number {
  if (ref.units === undefined) return 1;
  const value = inputValue(taskInput, ref.units);
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 1;
}

const DEPENDENCIES = '$.dependencies.';

/**
 * The dependency a `$.dependencies.<step>[.path]` path reads, and the path within its output:
 * the longest of `steps` the path starts with as a whole key (a step key may hold dots:
 * `fetch.v2`); undefined for another path, or a step not among them.
 */
export function dependencyRead(
  path: string,
  steps: Iterable<string>,
): { step: string; rest: string | undefined } | undefined {
  if (!path.startsWith(DEPENDENCIES)) return undefined;
  const tail = path.slice(DEPENDENCIES.length);
  let step: string | undefined;
  for (const key of steps) {
    if ((tail === key || tail.startsWith(`${key}.`)) && key.length > (step?.length ?? -1)) {
      step = key;
    }
  }
  if (step === undefined) return undefined;
  return { step, rest: tail === step ? undefined : tail.slice(step.length + 1) };
}

/** The value at a path into a task's input, a dependency named by its whole key. */
function inputValue(taskInput: unknown, path: string): unknown {
  const dependencies = (taskInput as { dependencies?: unknown } | null)?.dependencies;
  if (dependencies && typeof dependencies === 'object') {
    const read = dependencyRead(path, Object.keys(dependencies));
    if (read) {
      const output = (dependencies as Record<string, unknown>)[read.step];
      return read.rest === undefined ? output : valueAt(output, read.rest);
    }
  }
  return valueAt(taskInput, path);
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

/**
 * The longest a limit's whole burst may take to refill: ten years. A slower bucket has waits
 * that no date holds (`perMinute` 1e-300), and is refused when made or changed.
 */
export const MAX_REFILL_MINUTES = 3_652.5 * 24 * 60;

/** Why a limit of this rate and burst cannot be, or undefined when it can. */
export function refillProblem(perMinute: number, burst: number): string | undefined {
  if (burst / perMinute <= MAX_REFILL_MINUTES) return undefined;
  return (
    `a burst of ${burst} at ${perMinute} a minute takes more than ten years to refill: ` +
    'give a higher perMinute or a smaller burst'
  );
}

/**
 * When the bucket holds `units` (capped at burst) again; `now` if it does already. At most ten
 * years on: a bucket stored before refills were bounded would give a time past any date.
 */
export function tokensReturnAt(bucket: Bucket, units: number, now: number): number {
  const missing = Math.min(units, bucket.burst) - tokensAt(bucket, now);
  if (missing <= 0) return now;
  const minutes = Math.min(missing / bucket.perMinute, MAX_REFILL_MINUTES);
  return now + Math.ceil(minutes * 60_000);
}
