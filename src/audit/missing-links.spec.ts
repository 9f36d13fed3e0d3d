import type { DataSource } from 'typeorm';
import { MissingLinks } from './audit.service';

/** A read router over a chain of `head` links whose entries `gone` were deleted. */
function chainOf(head: number, gone: number[]) {
  const ranges: Array<[string, string]> = [];
  const reads = {
    read: async <T>(query: (source: DataSource) => Promise<T>): Promise<T> =>
      query({
        query: async (_sql: string, [from, to]: [string, string]) => {
          ranges.push([from, to]);
          return gone
            .filter((seq) => seq > Number(from) && seq <= Number(to))
            .map((seq) => ({ seq: String(seq), prevHash: `p${seq}`, hash: `h${seq}` }));
        },
      } as unknown as DataSource),
  };
  return { reads, ranges };
}

describe('MissingLinks', () => {
  it('gives each missing link once, in order, before the entry after it, scanning only as far as asked', async () => {
    const { reads, ranges } = chainOf(10, [2, 5, 6, 10]);
    const missing = new MissingLinks(reads, 10n, 3n);
    expect((await missing.before(4n)).map((row) => row.seq)).toEqual(['2']);
    expect(ranges).toEqual([['0', '3']]);
    expect(await missing.before(4n)).toEqual([]);
    expect((await missing.before(7n)).map((row) => row.seq)).toEqual(['5', '6']);
    expect(ranges).toEqual([
      ['0', '3'],
      ['3', '6'],
    ]);
    expect((await missing.before(undefined)).map((row) => row.seq)).toEqual(['10']);
    expect(ranges.at(-1)).toEqual(['9', '10']);
    expect(await missing.before(undefined)).toEqual([]);
    expect((await new MissingLinks(reads, 10n, 3n).before(undefined))[0]).toEqual({
      seq: '2',
      prevHash: 'p2',
      hash: 'h2',
      missingEntry: true,
    });
  });

  it('stops at the head the export began at, and scans nothing for an empty chain', async () => {
    const { reads, ranges } = chainOf(0, []);
    expect(await new MissingLinks(reads, 0n).before(99n)).toEqual([]);
    expect(ranges).toEqual([]);
    const later = chainOf(5, [5]);
    expect((await new MissingLinks(later.reads, 5n, 2n).before(50n)).map((r) => r.seq)).toEqual([
      '5',
    ]);
    expect(later.ranges.at(-1)).toEqual(['4', '5']);
  });
});
