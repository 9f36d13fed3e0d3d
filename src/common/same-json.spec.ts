import { sameJson } from './same-json';

describe('sameJson', () => {
  it('takes -0 for 0 and a key set to undefined for no key, as jsonb stores them', () => {
    expect(sameJson({ x: 0, list: [1.5, 0] }, { x: -0, list: [1.5, -0] })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(sameJson(null, undefined)).toBe(true);
    expect(sameJson({ b: 2, a: 1 }, { a: 1, b: 2 })).toBe(true);
  });

  it('tells different JSON apart', () => {
    expect(sameJson({ x: 0 }, { x: 1 })).toBe(false);
    expect(sameJson({ x: '0' }, { x: 0 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: null }, {})).toBe(false);
  });
});
