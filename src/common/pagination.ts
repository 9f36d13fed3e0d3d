import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BadRequestError, CommonErrorCode } from './errors/domain-error';
import { QueryInt } from './query-int';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** `?limit=&cursor=` shared by every list endpoint. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from meta.nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

/**
 * `?limit=&cursor=` of a list that is usually read whole (the event types, the skills): a page
 * is MAX_PAGE_SIZE unless `limit` says less.
 */
export class WholeListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: MAX_PAGE_SIZE })
  declare limit?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The position after which the next page starts: an array of sort-key values. */
export type CursorPosition = Array<string | number>;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * What each key of a cursor must look like: a string, a position (an integer from 0 that
 * PostgreSQL's integer holds), a time as PostgreSQL prints a timestamptz (`timestamptz`: one
 * that can be, so that an hour 25 or an offset of +99 is a bad cursor, not a failed query), or a
 * pattern its string matches.
 */
export type CursorShape = Array<'string' | 'position' | 'timestamptz' | RegExp>;

/** Decodes a cursor made by `encodeCursor` for this shape of sort keys; anything else is a 400. */
export function decodeCursor(
  cursor: string | undefined,
  shape: CursorShape,
): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(position) &&
      position.length === shape.length &&
      position.every((value, index) => fits(value, shape[index]))
    ) {
      return position as CursorPosition;
    }
  } catch {
    // fall through to the 400 below
  }
  throw badCursor();
}

/** The 400 of a cursor this API did not issue (or names what is no longer there to follow). */
export function badCursor(): BadRequestError {
  return new BadRequestError(CommonErrorCode.InvalidCursor, 'The cursor is malformed.', [
    { field: 'cursor', message: 'cursor is not one this API issued' },
  ]);
}

function fits(value: unknown, expected: CursorShape[number]): boolean {
  if (expected instanceof RegExp) return typeof value === 'string' && expected.test(value);
  if (expected === 'position')
    return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 2 ** 31 - 1;
  if (expected === 'timestamptz') return typeof value === 'string' && isTimestamptz(value);
  return typeof value === expected;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]`, PostgreSQL's text form, naming a time that exists. */
const TIMESTAMPTZ =
  /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?[+-](\d\d)(?::(\d\d))?$/;

function isTimestamptz(value: string): boolean {
  const parts = TIMESTAMPTZ.exec(value);
  if (!parts) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = parts
    .slice(1)
    .map((part) => Number(part ?? 0));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return (
    year >= 1 &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

/**
 * Given up to limit+1 rows fetched in order, returns one page and the cursor after it.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  positionOf: (row: T) => CursorPosition,
): Page<T> {
  const items = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return {
    items,
    nextCursor:
      hasMore && items.length > 0 ? encodeCursor(positionOf(items[items.length - 1])) : null,
  };
}

/**
 * What one page of a list whose items carry stored values of megabytes (runs, tasks) holds of
 * them at most, counted as PostgreSQL stores them (compressed where they compress): the page
 * stops before the item that would pass it, its first item always shown, and `nextCursor`
 * follows the last one shown. Read whole, 200 such items made one answer as large as the
 * service's memory.
 *
 * The statement chooses the page by the items' stored sizes (`pg_column_size` reads a value's
 * size, not the value) and reads whole only the chosen ones:
 * `WITH page AS (SELECT <key>, sum(z.size) OVER (<list order>) - z.size AS before FROM ...
 * CROSS JOIN LATERAL (SELECT <size> AS size) z ... LIMIT limit + 1) SELECT <columns>,
 * (SELECT count(*) FROM page)::int AS "pageRows" FROM page p JOIN ... WHERE p.before <
 * PAGE_BYTES`; `toBudgetedPage` makes the page of its rows.
 */
export const PAGE_BYTES = 4 * 1024 * 1024;

/** What the OpenAPI description of such a list says of its pages. */
export const PAGE_BYTES_NOTE =
  `A page stops early once its items hold ${PAGE_BYTES / 1024 / 1024} MiB of stored values ` +
  '(the first item always shows): follow `meta.nextCursor` until it is null.';

/** A row of such a statement: `pageRows`, the rows the list had before the budget cut it. */
export type BudgetedRow<T> = T & { pageRows: number };

/** The page of a statement's rows chosen by PAGE_BYTES (see there), `pageRows` taken off. */
export function toBudgetedPage<T extends object>(
  rows: Array<BudgetedRow<T>>,
  limit: number,
  positionOf: (row: T) => CursorPosition,
): Page<T> {
  const items = rows.map(({ pageRows: _, ...item }) => item as unknown as T);
  // Fewer rows than the list had: the budget cut the page, and the rest come on the next.
  if (items.length > 0 && rows[0].pageRows > items.length) {
    return { items, nextCursor: encodeCursor(positionOf(items[items.length - 1])) };
  }
  return toPage(items, limit, positionOf);
}

/** The list envelope: `{data: {<collection>: [...]}, meta: {nextCursor}}`. */
export function listResponse<K extends string, T>(
  collection: K,
  page: Page<T>,
): { data: Record<K, T[]>; meta: { nextCursor: string | null } } {
  return {
    data: { [collection]: page.items } as Record<K, T[]>,
    meta: { nextCursor: page.nextCursor },
  };
}
