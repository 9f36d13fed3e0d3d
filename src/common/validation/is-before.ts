import { registerDecorator } from 'class-validator';

/**
 * A time that must come before another field's (`from` before `to`): a period that ends before
 * it starts would be answered with an empty page, read as "nothing happened". Judged only when
 * both are given and both parse (their own rules report the rest). To the microsecond, as
 * PostgreSQL stores times: a period copied from two entries of the same millisecond is one.
 */
export function IsBefore(later: string): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    registerDecorator({
      name: 'isBefore',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown, args) => {
          const other = (args?.object as Record<string, unknown> | undefined)?.[later];
          if (typeof value !== 'string' || typeof other !== 'string') return true;
          const [start, end] = [microseconds(value), microseconds(other)];
          return Number.isNaN(start) || Number.isNaN(end) || start < end;
        },
        defaultMessage: () => `${String(property)} must be before ${later}`,
      },
    });
  };
}

/**
 * Microseconds since the epoch of an ISO 8601 date-time (digits of the second past the sixth
 * left out); NaN when it does not parse. Date.parse keeps milliseconds.
 */
function microseconds(value: string): number {
  const milliseconds = Date.parse(value);
  if (Number.isNaN(milliseconds)) return NaN;
  const fraction = /T\d\d:?\d\d:?\d\d[.,](\d+)/.exec(value)?.[1] ?? '';
  return milliseconds * 1000 + Number(fraction.slice(3, 6).padEnd(3, '0'));
}
