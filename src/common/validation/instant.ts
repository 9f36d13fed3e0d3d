import { isISO8601, registerDecorator } from 'class-validator';

/** `2030-01-02T03:04[:05[.678]]` and `Z` or an offset: RFC 3339's date-time, the seconds optional. */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** A date alone: JavaScript reads it as midnight UTC, whatever the server's zone. */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A date-time that ends in its time of day: no `Z` or offset after it. */
const ZONELESS = /T\d{2}(?::?\d{2}){0,2}(?:[.,]\d+)?$/i;

/**
 * The instants PostgreSQL writes and reads back as sent, and RFC 3339 can write: years 1 to
 * 9999 in UTC. `0001-01-01T00:30:00+01:00` is year 0 in UTC (`0000-...`, which PostgreSQL
 * refuses), `9999-12-31T23:59:59-01:00` year 10000 (`+010000-...`, which RFC 3339 cannot say).
 */
const FIRST = Date.parse('0001-01-01T00:00:00Z');
const END = Date.parse('+010000-01-01T00:00:00Z');

/**
 * The instant an ISO 8601 date-time names (epoch ms), or undefined when it is not one, names
 * a time that does not exist (February 30th, 24:00), or lies outside years 1-9999 in UTC:
 * `Date.parse` would roll the first into the next month or day, and accepts other formats
 * ("Dec 1 2030") besides.
 */
export function parseIsoTime(value: string): number | undefined {
  const parts = ISO_TIME.exec(value);
  if (!parts) return undefined;
  // Parts the pattern left out (seconds, an offset) count as 0.
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = parts
    .slice(1)
    .map((part) => Number(part ?? 0));
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59)
    return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) || at < FIRST || at >= END ? undefined : at;
}

/**
 * The instant a time of a query or a body names: an RFC 3339 date-time with its zone (`t`,
 * `z` or a space between date and time, as RFC 3339 allows, where the route's `@IsISO8601`
 * lets them through; an offset without its colon, as ISO 8601's basic format writes it) or a
 * date alone (midnight UTC), years 1-9999. Every form taken here is one both `Date.parse` and
 * PostgreSQL read as meant.
 */
export function parseInstant(value: string): number | undefined {
  if (DATE_ONLY.test(value)) return parseIsoTime(`${value}T00:00:00Z`);
  return parseIsoTime(
    value
      .toUpperCase()
      .replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T')
      .replace(/([+-]\d{2})(\d{2})$/, '$1:$2'),
  );
}

/** Why `value` is not an instant (`field` names it), or undefined when it is one. */
export function instantProblem(field: string, value: unknown): string | undefined {
  // @IsISO8601 reports what is not ISO 8601 at all.
  if (typeof value !== 'string' || !isISO8601(value, { strict: true })) return undefined;
  if (parseInstant(value) !== undefined) return undefined;
  if (ZONELESS.test(value)) return `${field} must carry a time zone (Z or an offset)`;
  return `${field} must be an RFC 3339 date-time with its zone (2030-01-02T03:04:05Z) or a date, in years 1-9999`;
}

/**
 * A time as an instant, beside `@IsISO8601({ strict: true })`: a date-time that says its zone
 * (`new Date('2030-01-01T12:00:00')` is the server's local noon, so the same request would mean
 * another instant on a server in another zone), or a date alone. ISO 8601's other forms (week
 * and ordinal dates, a year and month) and times outside years 1-9999 are refused here too:
 * `Date.parse` reads some of them, PostgreSQL others, and neither as the client meant.
 */
export function IsInstant(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown) => instantProblem(String(property), value) === undefined,
        defaultMessage: (args) =>
          instantProblem(args?.property ?? String(property), args?.value) ??
          `${String(property)} is not a usable time`,
      },
    });
  };
}
