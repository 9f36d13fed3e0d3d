import { decodeCursor, encodeCursor, toPage } from './pagination';
import { BadRequestError } from './errors/domain-error';

describe('cursors', () => {
  it('round-trip', () => {
    const cursor = encodeCursor(['2026-01-01', 42]);
    expect(decodeCursor(cursor, ['string', 'position'])).toEqual(['2026-01-01', 42]);
  });

  it.each([
    ['not base64 json', '%%%'],
    ['wrong arity', encodeCursor(['a'])],
    ['wrong type', encodeCursor([1, 2])],
    ['not an array', Buffer.from('{"a":1}').toString('base64url')],
    ['a fraction for a position', encodeCursor(['a', 1.5])],
    ['a negative position', encodeCursor(['a', -1])],
    ['a position past an integer column', encodeCursor(['a', 2 ** 31])],
  ])('refuses a cursor that is %s', (_label, cursor) => {
    expect(() => decodeCursor(cursor, ['string', 'position'])).toThrow(BadRequestError);
  });

  it('checks patterns', () => {
    expect(() => decodeCursor(encodeCursor(['x']), [/^\d+$/])).toThrow(BadRequestError);
    expect(decodeCursor(encodeCursor(['12']), [/^\d+$/])).toEqual(['12']);
  });
});

describe('toPage', () => {
  it('gives a cursor only when more rows exist', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const page = toPage(rows, 2, (row) => [row.id]);
    expect(page.items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(decodeCursor(page.nextCursor!, ['string'])).toEqual(['b']);
    expect(toPage(rows, 3, (row) => [row.id]).nextCursor).toBeNull();
  });
});

describe('a timestamptz key', () => {
  const decode = (value: string) =>
    decodeCursor(encodeCursor([value]), ['timestamptz'])?.[0] as string;

  it('takes a time as PostgreSQL prints it, with or without offset minutes', () => {
    for (const value of [
      '2026-01-01 00:00:00+00',
      '2026-12-04 10:21:05.123456+00',
      '2024-02-29 23:59:59.5+05:30',
      '2026-06-30 12:00:00-09:30',
    ]) {
      expect(decode(value)).toBe(value);
    }
  });

  it('refuses a time that cannot be', () => {
    for (const value of [
      '2026-01-01 00:00:00+99',
      '2026-01-01 00:00:00+16',
      '2026-01-01 00:00:00+01:60',
      '2025-02-29 00:00:00+00',
      '2026-04-31 00:00:00+00',
      '2026-00-10 00:00:00+00',
      '2026-01-01 24:00:00+00',
      '2026-01-01 00:00:60+00',
      '0000-01-01 00:00:00+00',
      '2026-01-01T00:00:00Z',
    ]) {
      expect(() => decode(value)).toThrow(BadRequestError);
    }
  });
});
