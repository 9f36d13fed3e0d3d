import { types } from 'pg';

const TIMESTAMPTZ = 1184;
/** pg's own parser (`postgres-date`): every form this one does not read itself goes to it. */
const general = types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => unknown;

const ZERO = 48;

const isDigit = (code: number): boolean => code >= ZERO && code <= ZERO + 9;

/** The number of the digits of `text` from `start` to `end`, or NaN when one is not a digit. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return NaN;
    value = value * 10 + code - ZERO;
  }
  return value;
}

/**
 * A `timestamptz` as PostgreSQL writes it in text, `2026-12-05 07:10:06.123456+00` (the
 * offset `+05:30` or `-03:00:00` in other session time zones), read by position into the same
 * Date pg's own parser gives. Every row of every table has two or more of these, and pg's
 * parser, a general one (regular expressions for BC years, infinities, dates without a time),
 * was 3 % of a simple read's CPU. Those other forms, and years before 100 or after 9999, go to
 * it unchanged.
 */
export function parseTimestamptz(text: string): unknown {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return general(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    // .
    let end = at + 1;
    while (isDigit(text.charCodeAt(end))) end += 1;
    // As pg's parser computes it (Date.UTC then drops what is below a millisecond).
    ms = 1000 * parseFloat(text.slice(at, end));
    at = end;
  }
  const sign = text.charCodeAt(at);
  if ((sign !== 43 && sign !== 45) || year < 100) return general(text); // + -
  const offsetHours = digits(text, at + 1, at + 3);
  let offsetMinutes = 0;
  let offsetSeconds = 0;
  at += 3;
  if (at < length && text.charCodeAt(at) === 58) {
    offsetMinutes = digits(text, at + 1, at + 3);
    at += 3;
    if (at < length && text.charCodeAt(at) === 58) {
      offsetSeconds = digits(text, at + 1, at + 3);
      at += 3;
    }
  }
  const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const offset = (offsetHours * 3600 + offsetMinutes * 60 + offsetSeconds) * 1000;
  // Anything else (a BC era, a field that was not digits) is the general parser's.
  if (at !== length || Number.isNaN(time) || Number.isNaN(offset)) return general(text);
  return new Date(sign === 45 ? time + offset : time - offset);
}

/**
 * pg's type parsers with `timestamptz` read by parseTimestamptz: given to the pools (pg's
 * `types` client option), so nothing else in the process changes.
 */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if (oid === TIMESTAMPTZ && format !== 'binary') return parseTimestamptz;
    return types.getTypeParser(oid, format);
  },
};
