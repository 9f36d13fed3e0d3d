import { validateSync } from 'class-validator';
import { IsBefore } from './is-before';

class Period {
  @IsBefore('to')
  from?: string;

  to?: string;
}

const valid = (from: string, to: string) =>
  validateSync(Object.assign(new Period(), { from, to })).length === 0;

describe('IsBefore', () => {
  it('compares times to the microsecond, as PostgreSQL stores them', () => {
    // The same millisecond: only the microseconds tell them apart.
    expect(valid('2026-12-06T00:07:00.159020Z', '2026-12-06T00:07:00.159021Z')).toBe(true);
    expect(valid('2026-12-06T00:07:00.159021Z', '2026-12-06T00:07:00.159020Z')).toBe(false);
    expect(valid('2026-12-06T00:07:00.159020Z', '2026-12-06T00:07:00.15902Z')).toBe(false);
    expect(valid('2026-12-06T00:07:00.1590201Z', '2026-12-06T00:07:00.159021Z')).toBe(true);
  });

  it('compares times given in other offsets, and leaves unparsable ones to their own rules', () => {
    expect(valid('2026-12-06T01:07:00.000001+01:00', '2026-12-06T00:07:00.000002Z')).toBe(true);
    expect(valid('2026-12-06T01:07:00.000002+01:00', '2026-12-06T00:07:00.000001Z')).toBe(false);
    expect(valid('2026-12-06T00:07:00Z', '2026-12-06T00:07:00Z')).toBe(false);
    expect(valid('yesterday', '2026-12-06T00:07:00Z')).toBe(true);
  });
});
