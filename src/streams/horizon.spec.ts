import { Horizon } from './horizon';

const rows = (...positions: number[]) => positions.map((p) => ({ position: String(p) }));
const ids = (list: Array<{ position: string }>) => list.map((row) => Number(row.position));

function started(at = 10): Horizon {
  const horizon = new Horizon();
  horizon.start(BigInt(at), 100n, 105n);
  horizon.start(BigInt(at + 3), 105n, 106n);
  return horizon;
}

describe('Horizon', () => {
  it('starts only once the snapshot of its first read has ended', () => {
    const horizon = new Horizon();
    horizon.start(10n, 100n, 105n);
    expect(horizon.position).toBeUndefined();
    horizon.start(12n, 104n, 107n);
    expect(horizon.position).toBeUndefined();
    horizon.start(12n, 105n, 107n);
    expect(horizon.position).toBe(10n);
  });

  it('hands contiguous positions on at once', () => {
    const horizon = started();
    expect(ids(horizon.advance(rows(11, 12, 13), 110n, 111n))).toEqual([11, 12, 13]);
    expect(horizon.position).toBe(13n);
    expect(horizon.blocked).toBe(false);
  });

  it('stops at a gap while a transaction of the snapshot that saw it may still fill it', () => {
    const horizon = started();
    // 12 is taken by a transaction still running (xid 108 < xmax 111).
    expect(ids(horizon.advance(rows(11, 13, 14), 108n, 111n))).toEqual([11]);
    expect(horizon.blocked).toBe(true);
    // It commits: 12 shows up, and everything after it goes in order.
    expect(ids(horizon.advance(rows(12, 13, 14), 109n, 112n))).toEqual([12, 13, 14]);
    expect(horizon.position).toBe(14n);
  });

  it('skips a gap for good once every transaction that could hold it has ended', () => {
    const horizon = started();
    expect(ids(horizon.advance(rows(13), 108n, 111n))).toEqual([]);
    // Transaction 110 still runs: not final yet.
    expect(ids(horizon.advance(rows(13), 110n, 112n))).toEqual([]);
    // All of that snapshot's transactions ended (rolled back): 11 and 12 will never exist.
    expect(ids(horizon.advance(rows(13, 15), 111n, 112n))).toEqual([13]);
    expect(horizon.blocked).toBe(true);
  });

  it('does not trust a gap on the read that first saw it', () => {
    const horizon = started();
    expect(ids(horizon.advance(rows(12), 111n, 111n))).toEqual([]);
    expect(ids(horizon.advance(rows(12), 111n, 111n))).toEqual([12]);
  });
});
