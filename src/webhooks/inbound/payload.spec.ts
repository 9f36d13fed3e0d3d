import { githubEventName, MAX_PAYLOAD_DEPTH, parsePayload, standardEventName } from './payload';

describe('parsePayload', () => {
  it('parses JSON as sent, unicode included', () => {
    expect(parsePayload(Buffer.from('{ "a" :\t"é ✓" }\r\n'))).toEqual({
      ok: true,
      value: { a: 'é ✓' },
    });
  });

  it.each([
    ['empty', Buffer.from(''), 'the body is empty'],
    ['blank', Buffer.from('  \n'), 'the body is empty'],
    ['truncated', Buffer.from('{"a":'), 'the body is not valid JSON'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'the body is not valid UTF-8'],
    [
      'NUL in a value',
      Buffer.from('{"a":"x\\u0000y"}'),
      'the JSON holds a NUL character (\\u0000)',
    ],
    ['NUL in a key', Buffer.from('{"x\\u0000":1}'), 'the JSON holds a NUL character (\\u0000)'],
    [
      'lone high surrogate',
      Buffer.from('{"a":"x\\ud800"}'),
      'the JSON holds a lone UTF-16 surrogate (\\ud800-\\udfff)',
    ],
    [
      'lone low surrogate in a key',
      Buffer.from('{"\\udc00":1}'),
      'the JSON holds a lone UTF-16 surrogate (\\ud800-\\udfff)',
    ],
    [
      'number past the largest double',
      Buffer.from('{"a":[1,1e309]}'),
      'the JSON holds a number past the largest (about 1.8e308), which would be stored as null',
    ],
    [
      'too deep',
      Buffer.from('['.repeat(MAX_PAYLOAD_DEPTH + 1) + ']'.repeat(MAX_PAYLOAD_DEPTH + 1)),
      `the JSON nests deeper than ${MAX_PAYLOAD_DEPTH} levels`,
    ],
  ])('refuses a body %s', (_label, body, reason) => {
    expect(parsePayload(body)).toEqual({ ok: false, reason });
  });

  it('accepts a surrogate pair (an astral character) written as escapes', () => {
    expect(parsePayload(Buffer.from('{"a":"\\ud83d\\ude00"}'))).toEqual({
      ok: true,
      value: { a: '😀' },
    });
  });

  it('accepts an escaped backslash before u0000 (no NUL in the value)', () => {
    expect(parsePayload(Buffer.from('{"a":"\\\\u0000"}'))).toEqual({
      ok: true,
      value: { a: '\\u0000' },
    });
  });

  it('accepts nesting up to the limit', () => {
    const depth = MAX_PAYLOAD_DEPTH;
    expect(parsePayload(Buffer.from('['.repeat(depth) + ']'.repeat(depth))).ok).toBe(true);
  });
});

describe('event names', () => {
  it.each([
    [{ type: 'invoice.paid' }, 'invoice.paid'],
    [{ type: 'User.Created' }, 'user.created'],
    [{ type: 'has space' }, 'received'],
    [{ type: 'a..b' }, 'received'],
    [{ type: 'x'.repeat(56) }, 'received'],
    [{ type: 3 }, 'received'],
    [{}, 'received'],
    [['invoice.paid'], 'received'],
    [null, 'received'],
  ])('Standard Webhooks %j → %s', (payload, name) => {
    expect(standardEventName(payload)).toBe(name);
  });

  it.each([
    ['issues', 'issues'],
    ['Pull_Request', 'pull_request'],
    ['', undefined],
    [undefined, undefined],
    ['issues.opened', undefined],
  ])('GitHub %s → %s', (header, name) => {
    expect(githubEventName(header)).toBe(name);
  });
});
