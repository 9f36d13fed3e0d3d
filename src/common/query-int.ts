import { Transform } from 'class-transformer';

/** An integer as a query string writes it: decimal digits, a minus sign at most before them. */
const DECIMAL_INTEGER = /^-?\d{1,16}$/;

/**
 * Reads a query parameter as an integer when it is written as one, and leaves anything else
 * as sent for the validators (`@IsInt()`, `@Min()`, ...) to refuse. `Number()` (what
 * `@Type(() => Number)` calls) reads `0x10`, `1e1`, `" 16"` and `""` as numbers too, so that
 * `?limit=0x10` was a page of 16 and `?limit=` one of 0.
 */
export const QueryInt = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value,
  );

/** The largest int32: the bound of the integers the A2A schema and our integer columns hold. */
export const INT32_MAX = 2_147_483_647;
