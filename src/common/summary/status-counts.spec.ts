import { tally, total } from './status-counts';

describe('tally', () => {
  it('names every status, 0 for those without a row, and ignores unknown ones', () => {
    const counts = tally(['pending', 'running', 'succeeded'] as const, [
      { status: 'running', n: 3 },
      { status: 'archived', n: 9 },
    ]);
    expect(counts).toEqual({ pending: 0, running: 3, succeeded: 0 });
    expect(total(counts)).toBe(3);
  });
});
