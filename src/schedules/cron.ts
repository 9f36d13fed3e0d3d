import { Cron } from 'croner';

/**
 * Cron arithmetic, all of it through croner (a maintained library), so time zones and DST follow
 * the IANA database: a wall-clock time skipped by a spring-forward fires at the first time that
 * exists after it, and one repeated by a fall-back fires once (at its first occurrence).
 * Expressions have five fields (minute first) or six (seconds first).
 */

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
    return { field: 'cron', message: (error as Error).message.slice(0, 300) };
  }
  if (pattern.nextRun(new Date()) === null) {
    return { field: 'cron', message: 'the expression never fires' };
  }
  return undefined;
}

/** The next `count` fire times strictly after `from` (fewer when the expression runs out). */
export function fireTimes(cron: string, timezone: string, from: Date, count: number): Date[] {
  return new Cron(cron, { timezone, paused: true }).nextRuns(count, from);
}

/** The next fire time strictly after `from`, or null when there is none. */
export function nextFireTime(cron: string, timezone: string, from: Date): Date | null {
  return fireTimes(cron, timezone, from, 1)[0] ?? null;
}
