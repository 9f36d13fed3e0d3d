import { sinceProblem, SUMMARY_MAX_DAYS } from './summary-query.dto';

describe('sinceProblem', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it.each(['2026-03-01T11:00:00Z', '2026-03-01T12:00:00.000Z', '2026-03-01T13:00:00+02:00'])(
    'accepts %s',
    (since) => {
      expect(sinceProblem(since, now)).toBeUndefined();
    },
  );

  it('refuses a time in the future', () => {
    expect(sinceProblem('2026-03-01T12:00:01Z', now)).toMatch(/future/);
  });

  it(`refuses a time more than ${SUMMARY_MAX_DAYS} days ago, and accepts one just inside`, () => {
    const limit = now - SUMMARY_MAX_DAYS * 86_400_000;
    expect(sinceProblem(new Date(limit - 1000).toISOString(), now)).toMatch(/31 days/);
    expect(sinceProblem(new Date(limit + 1000).toISOString(), now)).toBeUndefined();
  });

  it('refuses a time without a zone', () => {
    expect(sinceProblem('2026-03-01T11:00:00', now)).toMatch(/time zone/);
  });
});
