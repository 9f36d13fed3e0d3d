import { registerDecorator, ValidateIf } from 'class-validator';

/**
 * A field a request may leave out but may not send as null (a PATCH's fields that have no
 * "none"): `@IsOptional()` would let null through as if the field were absent, so
 * `{"cron": null}` answered 200 and changed nothing. Absent, its other rules are skipped; null,
 * it is refused as "<field> cannot be null".
 */
export function MayOmit(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ValidateIf((_object: unknown, value: unknown) => value !== undefined)(target, property);
    registerDecorator({
      name: 'notNull',
      target: target.constructor,
      propertyName: property as string,
      validator: {
        validate: (value: unknown) => value !== null,
        defaultMessage: (args) => `${args?.property ?? String(property)} cannot be null`,
      },
    });
  };
}
