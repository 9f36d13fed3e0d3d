import { callFailure } from './call-failure';

const now = Date.parse('2026-01-01T00:00:00Z');
const failure = (status: number, message: string, headers: Record<string, string> = {}) => ({
  status,
  message,
  response: { headers, data: { message } },
});

describe('callFailure', () => {
  it('retries 5xx and network errors, honouring Retry-After', () => {
    expect(callFailure(failure(502, 'Bad Gateway'), now)).toMatchObject({
      retryable: true,
      code: 'github_502',
      retryAfterSeconds: undefined,
    });
    expect(callFailure(failure(503, 'busy', { 'retry-after': '7' }), now)).toMatchObject({
      retryable: true,
      retryAfterSeconds: 7,
    });
    expect(callFailure({ status: 500, message: 'fetch failed' }, now)).toMatchObject({
      retryable: true,
      code: 'github_unreachable',
    });
  });

  it('waits for secondary and primary rate limits', () => {
    const secondary = failure(403, 'You have exceeded a secondary rate limit', {
      'retry-after': '3',
    });
    expect(callFailure(secondary, now)).toMatchObject({
      retryable: true,
      code: 'github_rate_limited',
      retryAfterSeconds: 3,
    });
    expect(
      callFailure(failure(403, 'You have exceeded a secondary rate limit'), now),
    ).toMatchObject({
      retryAfterSeconds: 60,
    });
    const primary = failure(403, 'API rate limit exceeded', {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(now / 1000 + 120),
    });
    expect(callFailure(primary, now)).toMatchObject({ retryable: true, retryAfterSeconds: 121 });
    expect(callFailure(failure(429, 'slow down', { 'retry-after': '99999' }), now)).toMatchObject({
      retryAfterSeconds: 3600,
    });
  });

  it('fails other 4xx with GitHub’s message', () => {
    const notFound = callFailure(failure(404, 'Not Found'), now);
    expect(notFound).toMatchObject({ retryable: false, code: 'github_404' });
    expect(notFound.message).toBe('GitHub answered 404: Not Found');
    expect(callFailure(failure(403, 'Resource not accessible by integration'), now)).toMatchObject({
      retryable: false,
      code: 'github_403',
    });
  });
});
