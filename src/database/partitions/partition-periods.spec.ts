import {
  nextPeriodStart,
  parsePartitionBound,
  partitionName,
  periodStart,
  periodsFrom,
  uncovered,
  uuidBound,
  uuidMs,
} from './partition-periods';
import { uuidv7 } from '../../common/ids';

const at = (iso: string) => Date.parse(iso);

describe('partition periods', () => {
  it('start at UTC midnight, on Mondays, and on the 1st', () => {
    const ms = at('2026-12-02T13:45:00Z'); // a Wednesday
    expect(new Date(periodStart(ms, 'day')).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(new Date(periodStart(ms, 'week')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(new Date(periodStart(ms, 'month')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(new Date(periodStart(at('2026-11-30T00:00:00Z'), 'week')).toISOString()).toBe(
      '2026-11-30T00:00:00.000Z',
    );
  });

  it('follow one another across month and year ends', () => {
    expect(new Date(nextPeriodStart(at('2026-12-01T00:00:00Z'), 'month')).toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
    const periods = periodsFrom(at('2027-02-27T10:00:00Z'), 'day', 2);
    expect(periods.map((p) => new Date(p.from).toISOString().slice(0, 10))).toEqual([
      '2027-02-27',
      '2027-02-28',
      '2027-03-01',
    ]);
    expect(periods[2].to).toBe(at('2027-03-02T00:00:00Z'));
  });

  it('bound UUIDv7 ids by the millisecond they were made at', () => {
    const ms = at('2026-12-02T00:00:00Z');
    const bound = uuidBound(ms);
    expect(uuidMs(bound)).toBe(ms);
    expect(uuidv7(ms) >= bound).toBe(true);
    expect(uuidv7(ms - 1) < bound).toBe(true);
    expect(uuidMs(uuidv7(ms + 5))).toBe(ms + 5);
  });

  it('leave covered time alone and fill only the gaps', () => {
    const wanted = { from: 0, to: 100 };
    expect(uncovered(wanted, [])).toEqual([wanted]);
    expect(uncovered(wanted, [{ from: -10, to: 200 }])).toEqual([]);
    expect(
      uncovered(wanted, [
        { from: 20, to: 30 },
        { from: 90, to: 150 },
      ]),
    ).toEqual([
      { from: 0, to: 20 },
      { from: 30, to: 90 },
    ]);
    expect(uncovered(wanted, [{ from: 100, to: 200 }])).toEqual([wanted]);
  });

  it('name partitions by their first day and read their bounds back', () => {
    const from = at('2026-12-01T00:00:00Z');
    const to = at('2027-01-01T00:00:00Z');
    expect(partitionName('events', from)).toBe('events_p20261201');
    expect(
      parsePartitionBound(`FOR VALUES FROM ('${uuidBound(from)}') TO ('${uuidBound(to)}')`),
    ).toEqual({ from, to });
    expect(parsePartitionBound('DEFAULT')).toBeNull();
    expect(parsePartitionBound(`FOR VALUES FROM (MINVALUE) TO ('${uuidBound(to)}')`)).toEqual({
      from: 0,
      to,
    });
  });
});
