import {
  canonicalCron,
  canonicalZone,
  cronProblem,
  fireTimes,
  nextFireTime,
  sameZone,
} from './cron';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('cron fire times', () => {
  it('a daily time in a zone, in UTC', () => {
    expect(
      iso(fireTimes('0 9 * * *', 'Europe/Paris', new Date('2026-01-05T12:00:00Z'), 2)),
    ).toEqual(['2026-01-06T08:00:00.000Z', '2026-01-07T08:00:00.000Z']);
  });

  it('spring forward: 02:30 does not exist on that day and fires at 03:00 local, then 02:30 again', () => {
    // America/New_York: 2026-03-08 02:00 EST becomes 03:00 EDT.
    expect(
      iso(fireTimes('30 2 * * *', 'America/New_York', new Date('2026-03-07T12:00:00Z'), 3)),
    ).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, the first time after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('fall back: 01:30 happens twice on that day and fires once', () => {
    // America/New_York: 2026-11-01 02:00 EDT becomes 01:00 EST.
    expect(
      iso(fireTimes('30 1 * * *', 'America/New_York', new Date('2026-10-31T12:00:00Z'), 3)),
    ).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z']);
  });

  it('fall back: each fixed time of the repeated hour fires once, however many there are', () => {
    // The times of '0,30 1' come twice that night: once each, at their first occurrence.
    const from = new Date('2026-10-31T12:00:00Z');
    expect(iso(fireTimes('0,30 1 * * *', 'America/New_York', from, 4))).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:00:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    expect(iso(fireTimes('0 0,30 1 * * *', 'America/New_York', from, 2))).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
    ]);
    // From inside the repeated hour (after both fired), the next is the next day's.
    expect(
      nextFireTime('0,30 1 * * *', 'America/New_York', new Date('2026-11-01T05:45:00Z')),
    ).toEqual(new Date('2026-11-02T06:00:00Z'));
    // A step over the minutes is an interval: it keeps its spacing in real time.
    expect(iso(fireTimes('*/30 1 * * *', 'America/New_York', from, 4))).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
  });

  it('an interval keeps its spacing in real time across a fall back', () => {
    // Europe/Berlin: 2026-10-25 03:00 CEST becomes 02:00 CET (01:00 UTC).
    expect(
      iso(fireTimes('*/30 * * * *', 'Europe/Berlin', new Date('2026-10-25T00:00:00Z'), 4)),
    ).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('`?` is a wildcard there as `*` is: an interval too', () => {
    // Europe/London: 2027-10-31 02:00 BST becomes 01:00 GMT (01:00 UTC).
    const from = new Date('2027-10-31T00:00:00Z');
    const fires = (cron: string) => iso(fireTimes(cron, 'Europe/London', from, 3));
    expect(fires('0 ? * * *')).toEqual(fires('0 * * * *'));
    expect(fires('0 ? * * *')).toEqual([
      '2027-10-31T01:00:00.000Z',
      '2027-10-31T02:00:00.000Z',
      '2027-10-31T03:00:00.000Z',
    ]);
    // Every minute of three hours of real time, the repeated hour's 60 among them.
    expect(fireTimes('? ? * * *', 'Europe/London', from, 180).at(-1)).toEqual(
      new Date('2027-10-31T03:00:00Z'),
    );
  });

  it('strictly after `from`, with seconds when six fields are given', () => {
    expect(nextFireTime('*/10 * * * * *', 'UTC', new Date('2026-01-01T00:00:10Z'))).toEqual(
      new Date('2026-01-01T00:00:20Z'),
    );
  });

  it('names what is wrong', () => {
    expect(cronProblem('0 9 * * *', 'UTC')).toBeUndefined();
    expect(cronProblem('not cron', 'UTC')?.field).toBe('cron');
    expect(cronProblem('61 * * * *', 'UTC')?.field).toBe('cron');
    expect(cronProblem('0 9 * * *', 'Mars/Olympus')?.field).toBe('timezone');
  });

  it('names a bad day of the month or month as written, not as counted from zero', () => {
    const message = (cron: string) => cronProblem(cron, 'UTC')?.message;
    expect(message('0 0 1 13 *')).toBe('CronPattern: Invalid value for month: 13');
    expect(message('0 0 * 0 *')).toBe('CronPattern: Invalid value for month: 0');
    expect(message('0 0 0 * *')).toBe('CronPattern: Invalid value for day: 0');
    expect(message('0 0 32 * *')).toBe('CronPattern: Invalid value for day: 32');
    // The other fields are counted as written already.
    expect(message('0 25 * * *')).toBe('CronPattern: Invalid value for hour: 25');
    expect(message('0 0 * * 8')).toBe('CronPattern: Invalid value for dayOfWeek: 8');
  });
});

describe('a schedule written otherwise', () => {
  it('keeps its fields one space apart and its zone in the case of the IANA name', () => {
    expect(canonicalCron('  0   9 *\t* *  ')).toBe('0 9 * * *');
    expect(canonicalZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalZone('utc')).toBe('UTC');
    // An alias stays: ICU answers the legacy Asia/Calcutta for Asia/Kolkata.
    expect(canonicalZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalZone('Mars/Olympus')).toBe('Mars/Olympus');
  });

  it('is the same zone under an alias, and not another one', () => {
    expect(sameZone('Asia/Kolkata', 'Asia/Calcutta')).toBe(true);
    expect(sameZone('UTC', 'utc')).toBe(true);
    expect(sameZone('Europe/Paris', 'Europe/Berlin')).toBe(false);
    expect(sameZone('Mars/Olympus', 'UTC')).toBe(false);
  });
});
