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
