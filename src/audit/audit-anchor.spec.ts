import { anchorBreak, anchorKey } from './audit-anchor';
import type { Anchor } from './audit-signer';
import type { SnapshotQuery } from './read-snapshot';

/** A chain of `length` links whose hash at seq n is `h<n>` (`first` at seq 1). */
function chain(length: number, first = 'h1'): SnapshotQuery {
  return (async (_sql: string, params?: unknown[]) => {
    const seqs = (params?.[0] as string[]) ?? [];
    return seqs
      .filter((seq) => Number(seq) >= 1 && Number(seq) <= length)
      .map((seq) => ({ seq, hash: seq === '1' ? first : `h${seq}` }));
  }) as SnapshotQuery;
}

const here = 'system-a/16384';
const copy = 'system-a/16999';

describe('anchorBreak', () => {
  it('holds when the chain holds the anchor signed for it in this database', async () => {
    const anchors = new Map<string, Anchor>([
      [anchorKey('h1', here), { seq: '5', hash: 'h5', database: here }],
    ]);
    expect(await anchorBreak(chain(8), anchors, 8, here)).toEqual({
      firstHash: 'h1',
      broken: undefined,
    });
  });

  it("stops this database's sealer for its own anchor, cut short, changed or replaced", async () => {
    const own = new Map<string, Anchor>([
      [anchorKey('h1', here), { seq: '5', hash: 'h5', database: here }],
    ]);
    expect((await anchorBreak(chain(3), own, 3, here)).broken).toMatchObject({
      seq: 4,
      reason: 'chain_truncated',
      own: true,
    });
    const changed = new Map<string, Anchor>([
      [anchorKey('h1', here), { seq: '5', hash: 'other', database: here }],
    ]);
    expect((await anchorBreak(chain(8), changed, 8, here)).broken).toMatchObject({
      seq: 5,
      reason: 'anchor_mismatch',
      own: true,
    });
    // Another first hash in the same database: replaced from seq 1; none at all: emptied.
    expect((await anchorBreak(chain(8, 'forged'), own, 8, here)).broken).toMatchObject({
      seq: 1,
      reason: 'anchor_mismatch',
      own: true,
    });
    expect((await anchorBreak(chain(0), own, 0, here)).broken).toMatchObject({
      seq: 1,
      reason: 'chain_truncated',
      own: true,
    });
  });

  it('fails a copy of the chain in another database, without stopping its sealer', async () => {
    const elsewhere = new Map<string, Anchor>([
      [anchorKey('h1', copy), { seq: '5', hash: 'h5', database: copy }],
    ]);
    expect((await anchorBreak(chain(3), elsewhere, 3, here)).broken).toMatchObject({
      reason: 'chain_truncated',
      own: false,
    });
    // Its own anchor, once it has one, is the one that counts.
    const both = new Map<string, Anchor>([
      ...elsewhere,
      [anchorKey('h1', here), { seq: '2', hash: 'h2', database: here }],
    ]);
    expect((await anchorBreak(chain(3), both, 3, here)).broken).toBeUndefined();
    // A fresh chain in another database is not a replaced one.
    expect((await anchorBreak(chain(3, 'fresh'), elsewhere, 3, here)).broken).toBeUndefined();
  });

  it('reads an anchor from before databases were recorded by its first hash alone', async () => {
    const legacy = new Map<string, Anchor>([['h1', { seq: '5', hash: 'h5' }]]);
    expect((await anchorBreak(chain(3), legacy, 3, here)).broken).toMatchObject({
      reason: 'chain_truncated',
      own: false,
    });
    expect((await anchorBreak(chain(8), legacy, 8, undefined)).broken).toBeUndefined();
    // Where no identity can be read, the anchors are this replica's own: a break stops sealing.
    expect((await anchorBreak(chain(3), legacy, 3, undefined)).broken).toMatchObject({
      reason: 'chain_truncated',
      own: true,
    });
  });
});
