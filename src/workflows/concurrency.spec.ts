import { BadRequestError } from '../common/errors/domain-error';
import {
  arrive,
  concurrencyKeyOf,
  keyValue,
  MAX_KEY_TEXT,
  normaliseConcurrency,
} from './concurrency';

describe('concurrency keys', () => {
  it('fills the default strategy and keeps a valid key', () => {
    expect(normaliseConcurrency({ key: '$.input.repo', limit: 1 })).toEqual({
      key: '$.input.repo',
      limit: 1,
      strategy: 'queue',
    });
    expect(
      normaliseConcurrency({ key: '$.input', limit: 1000, strategy: 'cancel-in-progress' }),
    ).toEqual({ key: '$.input', limit: 1000, strategy: 'cancel-in-progress' });
  });

  it.each([
    [{ key: 'input.repo', limit: 1 }, 'concurrency.key'],
    [{ key: '$.steps.plan.output', limit: 1 }, 'concurrency.key'],
    [{ key: '$.input..repo', limit: 1 }, 'concurrency.key'],
    [{ key: '$.input.repo', limit: 0 }, 'concurrency.limit'],
    [{ key: '$.input.repo', limit: 1.5 }, 'concurrency.limit'],
    [{ key: '$.input.repo', limit: 1001 }, 'concurrency.limit'],
    [{ key: '$.input.repo', limit: 1, strategy: 'round-robin' }, 'concurrency.strategy'],
  ])('rejects %j naming %s', (input, field) => {
    let error: unknown;
    try {
      normaliseConcurrency(input);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect(JSON.stringify(error)).toContain(field);
  });

  it('groups runs by the canonical JSON of the value at the path', () => {
    expect(concurrencyKeyOf({ repo: 'a/b' }, '$.input.repo')).toBe('"a/b"');
    expect(concurrencyKeyOf({ repo: 7 }, '$.input.repo')).toBe('7');
    expect(concurrencyKeyOf({ pr: { n: 1, repo: 'x' } }, '$.input.pr')).toBe(
      concurrencyKeyOf({ pr: { repo: 'x', n: 1 } }, '$.input.pr'),
    );
    expect(concurrencyKeyOf({ a: 1 }, '$.input')).toBe('{"a":1}');
    // The string "null" and a missing value are different keys.
    expect(concurrencyKeyOf({ repo: 'null' }, '$.input.repo')).toBe('"null"');
  });

  it('puts every run whose input lacks the value in the one null group', () => {
    expect(concurrencyKeyOf({}, '$.input.repo')).toBe('null');
    expect(concurrencyKeyOf(null, '$.input.repo')).toBe('null');
    expect(concurrencyKeyOf({ repo: null }, '$.input.repo')).toBe('null');
    expect(concurrencyKeyOf({ repo: 'x' }, '$.input.repo.name')).toBe('null');
    expect(keyValue('null')).toBeNull();
  });

  it('groups long values by their hash, as a JSON string', () => {
    const long = 'x'.repeat(MAX_KEY_TEXT + 1);
    const key = concurrencyKeyOf({ repo: long }, '$.input.repo');
    expect(keyValue(key)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(concurrencyKeyOf({ repo: long }, '$.input.repo')).toBe(key);
    expect(concurrencyKeyOf({ repo: `${long}y` }, '$.input.repo')).not.toBe(key);
    // A value spelled as that hash is another value: it is not grouped with the long one.
    expect(concurrencyKeyOf({ repo: keyValue(key) }, '$.input.repo')).not.toBe(key);
    // A short one (an image digest) is grouped by itself, as any value.
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(concurrencyKeyOf({ image: digest }, '$.input.image')).toBe(JSON.stringify(digest));
    expect(keyValue(concurrencyKeyOf({ image: digest }, '$.input.image'))).toBe(digest);
  });

  it('decides what an arriving run does', () => {
    expect(arrive('queue', 1, 0, 0)).toEqual({ action: 'start' });
    expect(arrive('queue', 1, 1, 0)).toEqual({ action: 'wait' });
    // A free slot is first for those already waiting.
    expect(arrive('queue', 2, 1, 1)).toEqual({ action: 'wait' });
    expect(arrive('queue', 2, 1, 0)).toEqual({ action: 'start' });
    expect(arrive('cancel-newest', 1, 1, 0)).toEqual({ action: 'cancel' });
    expect(arrive('cancel-newest', 2, 1, 0)).toEqual({ action: 'start' });
    expect(arrive('cancel-in-progress', 1, 1, 0)).toEqual({ action: 'evict', count: 1 });
    expect(arrive('cancel-in-progress', 2, 3, 0)).toEqual({ action: 'evict', count: 2 });
    expect(arrive('cancel-in-progress', 2, 1, 4)).toEqual({ action: 'start' });
  });
});
