import { resolveCorrelationId } from './correlation-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resolveCorrelationId', () => {
  it.each(['a', 'req-1', 'A.b_c:d-e', 'x'.repeat(128)])('keeps %p', (value) => {
    expect(resolveCorrelationId(value)).toBe(value);
  });

  it.each([undefined, '', 'x'.repeat(129), 'a b', 'a/b', 'ünï', 'a\nb'])('replaces %p', (value) => {
    expect(resolveCorrelationId(value)).toMatch(UUID);
  });

  it('takes the first of repeated headers', () => {
    expect(resolveCorrelationId(['one', 'two'])).toBe('one');
  });
});
