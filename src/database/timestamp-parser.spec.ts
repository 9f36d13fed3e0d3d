import { types } from 'pg';
import { parseTimestamptz, pgTypes } from './timestamp-parser';

const general = types.getTypeParser(1184, 'text') as (text: string) => unknown;

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** A timestamptz as PostgreSQL writes it, in a session whose offset is `offset`. */
function written(at: Date, fraction: string, offset: string): string {
  return (
    `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1, 2)}-${pad(at.getUTCDate(), 2)} ` +
    `${pad(at.getUTCHours(), 2)}:${pad(at.getUTCMinutes(), 2)}:${pad(at.getUTCSeconds(), 2)}` +
    `${fraction}${offset}`
  );
}

const time = (value: unknown) => (value instanceof Date ? value.getTime() : value);

describe('parseTimestamptz', () => {
  it('reads what PostgreSQL writes as pg does, to the millisecond', () => {
    const offsets = [
      '+00',
      '+01',
      '-03',
      '+05:30',
      '-09:30',
      '+14',
      '-12',
      '+00:53:28',
      '-00:25:21',
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5_000; i += 1) {
      const at = new Date(
        Date.UTC(100, 0, 1) + random() * (Date.UTC(9999, 11, 31) - Date.UTC(100, 0, 1)),
      );
      const places = Math.floor(random() * 7);
      const fraction = places === 0 ? '' : `.${pad(Math.floor(random() * 10 ** places), places)}`;
      const text = written(at, fraction, offsets[i % offsets.length]);
      expect([text, time(parseTimestamptz(text))]).toEqual([text, time(general(text))]);
    }
  });

  it.each([
    '2026-12-05 07:10:06.123456+00',
    '2026-12-05 07:10:06+00',
    '2026-12-05 07:10:06.999999+00',
    '2026-12-05 07:10:06.5+05:30',
    '1970-01-01 00:00:00+00',
    '2000-02-29 23:59:59.000001-08',
  ])('%s as pg reads it', (text) => {
    expect(time(parseTimestamptz(text))).toEqual(time(general(text)));
    expect(parseTimestamptz(text)).toBeInstanceOf(Date);
  });

  it.each([
    'infinity',
    '-infinity',
    '0099-06-01 12:00:00+00',
    '2000-01-01 00:00:00+00 BC',
    '10000-01-01 00:00:00+00',
    '2026-12-05',
    '2026-12-05 07:10:06',
    '2026-12-05 07:1x:06+00',
  ])('leaves %s to pg', (text) => {
    expect(time(parseTimestamptz(text))).toEqual(time(general(text)));
  });

  it('is what the pools get for timestamptz, and only for it', () => {
    expect(pgTypes.getTypeParser(1184, 'text')).toBe(parseTimestamptz);
    expect(pgTypes.getTypeParser(1184)).toBe(parseTimestamptz);
    expect(pgTypes.getTypeParser(1114, 'text')).toBe(types.getTypeParser(1114, 'text'));
    expect(pgTypes.getTypeParser(20, 'text')).toBe(types.getTypeParser(20, 'text'));
    expect(pgTypes.getTypeParser(1184, 'binary')).toBe(types.getTypeParser(1184, 'binary'));
  });
});
