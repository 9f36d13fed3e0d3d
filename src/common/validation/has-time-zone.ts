import { registerDecorator } from 'class-validator';

/** An offset or `Z` at the end: a time without a zone would be read in the server's zone. */
export const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** A date alone: JavaScript reads it as midnight UTC, whatever the server's zone. */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date-time that must say its zone (`Z` or an offset): `new Date('2030-01-01T12:00:00')` is
 * the server's local noon, so the same request would mean another instant on a server in
 * another zone. Only a value that parses as a time is judged here (`@IsISO8601` reports the rest).
 */
export function HasTimeZone(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    registerDecorator({
      name: 'hasTimeZone',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' ||
          Number.isNaN(Date.parse(value)) ||
          HAS_ZONE.test(value) ||
          DATE_ONLY.test(value),
        defaultMessage: (args) =>
          `${args?.property ?? String(property)} must carry a time zone (Z or an offset)`,
      },
    });
  };
}
