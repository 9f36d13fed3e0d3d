import { registerDecorator } from 'class-validator';

/**
 * A time that must come before another field's (`from` before `to`): a period that ends before
 * it starts would be answered with an empty page, read as "nothing happened". Judged only when
 * both are given and both parse (their own rules report the rest).
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
          const [start, end] = [Date.parse(value), Date.parse(other)];
          return Number.isNaN(start) || Number.isNaN(end) || start < end;
        },
        defaultMessage: () => `${String(property)} must be before ${later}`,
      },
    });
  };
}
