import { instantProblem, parseInstant, parseIsoTime } from './instant';

describe('parseIsoTime', () => {
  it('reads RFC 3339 date-times that exist, in years 1-9999 in UTC', () => {
    expect(parseIsoTime('2030-01-02T03:04:05Z')).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(parseIsoTime('2030-01-02T03:04+01:00')).toBe(Date.UTC(2030, 0, 2, 2, 4));
    expect(parseIsoTime('0001-01-01T00:00:00Z')).toBe(Date.parse('0001-01-01T00:00:00Z'));
    expect(parseIsoTime('9999-12-31T23:59:59.999Z')).toBe(Date.parse('9999-12-31T23:59:59.999Z'));
    // RFC 3339 bounds no fraction's digits.
    expect(parseIsoTime('2030-01-02T03:04:05.1234567890123Z')).toBe(
      Date.UTC(2030, 0, 2, 3, 4, 5, 123),
    );
    for (const value of [
      '2030-02-30T00:00:00Z',
      '2030-01-02T24:00:00Z',
      '2030-01-02T03:04:05',
      'Jan 2 2030',
      // Year 0 and year 10000 in UTC: PostgreSQL refuses the one, RFC 3339 cannot write the other.
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:30:00+01:00',
      '9999-12-31T23:59:59-01:00',
    ])
      expect([value, parseIsoTime(value)]).toEqual([value, undefined]);
  });
});

describe('instants of queries and bodies', () => {
  it('take a date alone, and the separators and offsets both Date.parse and PostgreSQL read', () => {
    const noon = Date.UTC(2026, 11, 1, 12);
    expect(parseInstant('2026-12-01')).toBe(Date.UTC(2026, 11, 1));
    for (const value of [
      '2026-12-01T12:00:00Z',
      '2026-12-01t12:00:00z',
      '2026-12-01 12:00:00Z',
      '2026-12-01T17:30:00+0530',
      '2026-12-01T17:30:00+05:30',
    ]) {
      expect([value, parseInstant(value)]).toEqual([value, noon]);
      expect([value, Date.parse(value)]).toEqual([value, noon]);
    }
  });

  it('name the field and what is wrong; what is no ISO 8601 is left to @IsISO8601', () => {
    expect(instantProblem('from', '2026-12-01T12:00:00')).toBe(
      'from must carry a time zone (Z or an offset)',
    );
    for (const value of ['2026-W49', '2026-W49-1', '2026-340', '2026-12', '2026-12-01T12:00:00+05'])
      expect([value, instantProblem('from', value)]).toEqual([
        value,
        expect.stringMatching(/^from must be an RFC 3339 date-time/),
      ]);
    expect(instantProblem('from', 'yesterday')).toBeUndefined();
    expect(instantProblem('from', 42)).toBeUndefined();
    expect(instantProblem('from', '2026-12-01T12:00:00Z')).toBeUndefined();
  });
});
