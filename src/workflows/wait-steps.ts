import { createHash } from 'node:crypto';
import { parseIsoTime } from '../common/validation/instant';
import { MAX_WAIT_SECONDS, StepSpec } from './dag';

/** The value at a dot path (`a.b.0.c`, an optional `$.` first), or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  const parts = (path.startsWith('$.') ? path.slice(2) : path).split('.');
  let value: unknown = root;
  for (const part of parts) {
    if (value === null || typeof value !== 'object') return undefined;
    // An array's elements by index, never its `length` (JSON has none).
    if (Array.isArray(value) && !/^(0|[1-9]\d*)$/.test(part)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A path as stored: without its `$.`. */
export function barePath(path: string): string {
  return path.startsWith('$.') ? path.slice(2) : path;
}

/**
 * The key of a set of (path, value) pairs: sha256 of their canonical JSON, paths sorted. Waits
 * store it from their `match`; an event computes it from its data for each shape of waits.
 */
export function matchKey(pairs: Array<[string, unknown]>): string {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify(sorted.map(([p, v]) => [p, canonical(v)])))
    .digest('hex');
}

/** JSON with object keys sorted, so equal values key equally whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Every pattern an event type is matched by: `*`, each `prefix.*`, and the type itself. */
export function patternsMatching(type: string): string[] {
  const parts = type.split('.');
  const patterns = ['*', type];
  for (let i = 1; i < parts.length; i += 1) patterns.push(`${parts.slice(0, i).join('.')}.*`);
  return patterns;
}

/** A step that cannot start waiting: why (it fails at once). */
export interface WaitStartError {
  message: string;
  code: string;
}

/** What a waiting step's row holds: what it waits for, and when it wakes (seconds or a time). */
export interface WaitPlan {
  waitFor: Record<string, unknown>;
  wakeInSeconds: number | null;
  wakeAt: string | null;
  /** An event wait: the type pattern, the paths compared and the key of their expected values. */
  event?: { type: string; paths: string[]; key: string };
  error?: WaitStartError;
}

/**
 * Plans a non-task step from the run input and its dependencies' outputs (the same object a
 * task gets as its input): `$.input...` references of a `match` and an `until` path are read
 * now, once. `now` is the database's clock (ms), for `until` limits.
 */
export function planWait(step: StepSpec, taskInput: unknown, now: number): WaitPlan {
  const timeout = step.timeoutSeconds;
  switch (step.kind) {
    case 'wait': {
      const waitFor: Record<string, unknown> = { onTimeout: step.onTimeout ?? 'fail' };
      if (step.signal !== undefined) waitFor.signal = step.signal;
      let event: WaitPlan['event'];
      let error: WaitStartError | undefined;
      if (step.event) {
        const pairs: Array<[string, unknown]> = [];
        const shown: Array<[string, unknown]> = [];
        for (const [path, expected] of Object.entries(step.event.match ?? {})) {
          const value =
            typeof expected === 'string' && expected.startsWith('$.')
              ? valueAt(taskInput, expected)
              : expected;
          if (value === undefined) {
            error = {
              message: `The match of ${path} refers to ${String(expected)}, which the run input lacks.`,
              code: 'match_unresolved',
            };
          }
          pairs.push([barePath(path), value]);
          // A reference that did not resolve is shown as written (the step fails at once).
          shown.push([barePath(path), value === undefined ? expected : value]);
        }
        waitFor.event = { type: step.event.type, match: Object.fromEntries(shown) };
        event = {
          type: step.event.type,
          paths: pairs.map(([path]) => path).sort(),
          key: matchKey(pairs),
        };
      }
      return { waitFor, wakeInSeconds: timeout, wakeAt: null, event, error };
    }
    case 'approval':
      return {
        waitFor: {
          approval: true,
          approvers: step.approvers ?? [],
          ...(step.description === undefined ? {} : { description: step.description }),
        },
        wakeInSeconds: timeout,
        wakeAt: null,
      };
    case 'sleep': {
      if (step.seconds !== undefined) {
        return {
          waitFor: { sleep: { seconds: step.seconds } },
          wakeInSeconds: step.seconds,
          wakeAt: null,
        };
      }
      const raw = step.until!.startsWith('$.') ? valueAt(taskInput, step.until!) : step.until;
      const at = typeof raw === 'string' ? parseIsoTime(raw) : undefined;
      const waitFor = { sleep: { until: step.until } };
      if (at === undefined) {
        return {
          waitFor,
          wakeInSeconds: 0,
          wakeAt: null,
          error: { message: `until ${step.until} is not a time.`, code: 'invalid_until' },
        };
      }
      if (at - now > MAX_WAIT_SECONDS * 1000) {
        return {
          waitFor,
          wakeInSeconds: 0,
          wakeAt: null,
          error: { message: 'A sleep may last at most 30 days.', code: 'sleep_too_long' },
        };
      }
      const iso = new Date(at).toISOString();
      return { waitFor: { sleep: { until: iso } }, wakeInSeconds: null, wakeAt: iso };
    }
    case 'github':
      // Due at once: a GitHub worker claims it (see GithubStepRunner); never timed out.
      return { waitFor: { github: { action: step.action } }, wakeInSeconds: 0, wakeAt: null };
    case 'task':
    case undefined:
      throw new Error('planWait: a task step does not wait');
  }
}
