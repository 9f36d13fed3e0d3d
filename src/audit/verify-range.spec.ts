import { BadRequestError } from '../common/errors/domain-error';
import { checkBounds, resolveRange } from './verify-range';

describe('resolveRange', () => {
  it('covers the whole chain without a cap', () => {
    expect(resolveRange({}, 50_000)).toEqual({ first: 1, last: 50_000, reachesHead: true });
    expect(resolveRange({ fromSeq: 10, toSeq: 20 }, 50)).toEqual({
      first: 10,
      last: 20,
      reachesHead: false,
    });
    expect(resolveRange({ toSeq: 99 }, 50)).toEqual({ first: 1, last: 50, reachesHead: true });
    expect(resolveRange({}, 0)).toEqual({ first: 1, last: 0, reachesHead: true });
  });

  it('takes the newest links without bounds, and extends one bound by the cap', () => {
    const maxLinks = 100;
    expect(resolveRange({ maxLinks }, 1_000)).toEqual({
      first: 901,
      last: 1_000,
      reachesHead: true,
    });
    expect(resolveRange({ maxLinks }, 40)).toEqual({ first: 1, last: 40, reachesHead: true });
    expect(resolveRange({ maxLinks, fromSeq: 5 }, 1_000)).toEqual({
      first: 5,
      last: 104,
      reachesHead: false,
    });
    expect(resolveRange({ maxLinks, fromSeq: 950 }, 1_000)).toEqual({
      first: 950,
      last: 1_000,
      reachesHead: true,
    });
    expect(resolveRange({ maxLinks, toSeq: 500 }, 1_000)).toEqual({
      first: 401,
      last: 500,
      reachesHead: false,
    });
    // A toSeq past the head stops at the head: the newest links, not a range beyond them.
    expect(resolveRange({ maxLinks, toSeq: 999_999_999 }, 1_000)).toEqual({
      first: 901,
      last: 1_000,
      reachesHead: true,
    });
    expect(resolveRange({ maxLinks, toSeq: 1_050 }, 1_000)).toEqual({
      first: 901,
      last: 1_000,
      reachesHead: true,
    });
    expect(resolveRange({ maxLinks, fromSeq: 1, toSeq: 100 }, 1_000)).toEqual({
      first: 1,
      last: 100,
      reachesHead: false,
    });
  });

  it('refuses reversed, too wide and beyond-the-head bounds', () => {
    expect(() => checkBounds({ fromSeq: 5, toSeq: 4 })).toThrow(BadRequestError);
    expect(() => checkBounds({ fromSeq: 1, toSeq: 101, maxLinks: 100 })).toThrow('at most 100');
    expect(() => checkBounds({ fromSeq: 1, toSeq: 1_000_000 })).not.toThrow();
    expect(() => resolveRange({ fromSeq: 52 }, 50)).toThrow('beyond the head');
    expect(resolveRange({ fromSeq: 51 }, 50)).toEqual({ first: 51, last: 50, reachesHead: true });
  });
});
