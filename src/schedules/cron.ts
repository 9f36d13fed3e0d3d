import { Cron } from 'croner';

/**
 * Cron arithmetic through croner (a maintained library), so time zones and DST follow the IANA
 * database: a wall-clock time skipped by a spring-forward fires at the first time that exists
 * after it. A time repeated by a fall-back fires once, at its first occurrence (croner fires a
 * lone fixed time of the repeated hour once, but several twice each: `isRepeatedWallTime`
 * leaves the repeats out), unless the expression is an interval: its seconds (when given),
 * minute or hour field is a wildcard or a step over one (`*`, `*` with `/n`, `@hourly`), and it
 * keeps its spacing in real time through the repeated hour (as Vixie cron runs wildcard jobs).
 * Expressions have five fields (minute first), six (seconds first) or seven (seconds first, a
 * year last), or are a nickname (`@daily`, `@hourly`, ...).
 */

/**
 * An expression and a zone as a schedule keeps them: the fields one space apart, the zone in
 * the case of its IANA name (`europe/paris` is `Europe/Paris`). An alias stays as sent: ICU
 * would answer a legacy name for some (`Asia/Calcutta` for `Asia/Kolkata`). A zone that is none
 * is left as sent, for `cronProblem` to name.
 */
export function canonicalCron(cron: string): string {
  return cron.trim().split(/\s+/).join(' ');
}

export function canonicalZone(timezone: string): string {
  const resolved = resolvedZone(timezone);
  return resolved?.toLowerCase() === timezone.toLowerCase() ? resolved : timezone;
}

/** Whether two zones are one (`Asia/Kolkata` and its alias `Asia/Calcutta`, `UTC` and `utc`). */
export function sameZone(a: string, b: string): boolean {
  return a === b || (resolvedZone(a) !== undefined && resolvedZone(a) === resolvedZone(b));
}

function resolvedZone(timezone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** What is wrong with the expression or the zone, or undefined when both are good. */
export function cronProblem(
  cron: string,
  timezone: string,
): { field: 'cron' | 'timezone'; message: string } | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return { field: 'timezone', message: `"${timezone.slice(0, 64)}" is not an IANA time zone` };
  }
  let pattern: Cron;
  try {
    pattern = new Cron(cron, { timezone, paused: true });
  } catch (error) {
    return { field: 'cron', message: asWritten((error as Error).message).slice(0, 300) };
  }
  if (pattern.nextRun(new Date()) === null) {
    return { field: 'cron', message: 'the expression never fires' };
  }
  return undefined;
}

/**
 * croner counts days of the month and months from zero inside, and names a bad one so
 * ("Invalid value for month: 12" for a 13): named here as written.
 */
function asWritten(message: string): string {
  return message.replace(
    /Invalid value for (day|month): (-?\d+)/,
    (_match, field: string, value: string) => `Invalid value for ${field}: ${Number(value) + 1}`,
  );
}

/** The next `count` fire times strictly after `from` (fewer when the expression runs out). */
export function fireTimes(cron: string, timezone: string, from: Date, count: number): Date[] {
  const pattern = new Cron(cron, { timezone, paused: true });
  const interval = isInterval(cron);
  const times: Date[] = [];
  let cursor: Date | null = from;
  // A fall-back repeats at most a few hours: the times left out are bounded.
  for (let looked = 0; times.length < count && looked < count + 10_000; looked += 1) {
    cursor = pattern.nextRun(cursor);
    if (cursor === null) break;
    if (interval || !isRepeatedWallTime(cursor, timezone)) times.push(cursor);
  }
  return times;
}

/** Nicknames by what they stand for: only `@hourly` leaves a time-of-day field open. */
const INTERVAL_NICKNAMES = new Set(['@hourly']);

/**
 * Whether the expression runs through the day rather than at fixed times of it: a time-of-day
 * field (seconds when given, minute, hour) that is a wildcard (`*`, or croner's `?`) or a step
 * over one.
 */
function isInterval(cron: string): boolean {
  const fields = cron.trim().split(/\s+/);
  if (fields[0].startsWith('@')) return INTERVAL_NICKNAMES.has(fields[0].toLowerCase());
  const timeOfDay = fields.length === 5 ? fields.slice(0, 2) : fields.slice(0, 3);
  return timeOfDay.some((field) => field.startsWith('*') || field.startsWith('?'));
}

/** Fall-backs move clocks back by these (Lord Howe 30 min, most 1 h, Troll 2 h). */
const FALL_BACK_MINUTES = [30, 60, 120];
const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** Whether the zone's clock showed the same time shortly before: a fall-back's repeat. */
function isRepeatedWallTime(at: Date, timezone: string): boolean {
  let format = wallClocks.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (wallClocks.size < 1_000) wallClocks.set(timezone, format);
  }
  const wall = format.format(at);
  return FALL_BACK_MINUTES.some(
    (minutes) => format.format(new Date(at.getTime() - minutes * 60_000)) === wall,
  );
}

/** The next fire time strictly after `from`, or null when there is none. */
export function nextFireTime(cron: string, timezone: string, from: Date): Date | null {
  return fireTimes(cron, timezone, from, 1)[0] ?? null;
}
