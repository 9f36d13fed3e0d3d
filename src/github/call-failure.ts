import { GithubCallError } from './github.errors';

/** The longest a rate limit defers a step's next attempt (GitHub's primary limits reset hourly). */
export const MAX_RETRY_AFTER_SECONDS = 3600;
/** A secondary rate limit without Retry-After: GitHub asks to wait at least a minute. */
const SECONDARY_FALLBACK_SECONDS = 60;

interface OctokitFailure {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

/**
 * What a failed call to GitHub means for its step. Retried (with backoff, or at GitHub's
 * Retry-After / x-ratelimit-reset): network errors, 5xx, 429 and 403 rate limits (primary,
 * `x-ratelimit-remaining: 0`, or secondary, "secondary rate limit" in the message). Any other
 * 4xx fails the step with GitHub's message.
 */
export function callFailure(error: unknown, now = Date.now()): GithubCallError {
  if (error instanceof GithubCallError) return error;
  const failure = (error ?? {}) as OctokitFailure;
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const response = failure.response;
  const said =
    githubMessage(response?.data) ??
    (typeof failure.message === 'string' ? failure.message : 'unknown error');
  if (status === undefined || response === undefined) {
    return new GithubCallError(
      `GitHub could not be reached: ${said}`.slice(0, 1000),
      'github_unreachable',
      true,
    );
  }
  const headers = response.headers ?? {};
  const retryAfter = retryAfterSeconds(headers['retry-after'], now);
  const exhausted = headerText(headers['x-ratelimit-remaining']) === '0';
  const secondary = /secondary rate limit|abuse detection/i.test(said);
  const message = `GitHub answered ${status}: ${said}`.slice(0, 1000);
  if (status === 429 || (status === 403 && (exhausted || secondary))) {
    const reset = Number(headers['x-ratelimit-reset']);
    const untilReset =
      exhausted && Number.isFinite(reset) && reset > 0
        ? Math.max(1, Math.ceil(reset - now / 1000) + 1)
        : undefined;
    const delay = retryAfter ?? untilReset ?? (secondary ? SECONDARY_FALLBACK_SECONDS : undefined);
    return new GithubCallError(message, 'github_rate_limited', true, cap(delay));
  }
  if (status >= 500) return new GithubCallError(message, `github_${status}`, true, cap(retryAfter));
  return new GithubCallError(message, `github_${status}`, false);
}

/** Retry-After as seconds: a number of seconds or an HTTP date. */
function retryAfterSeconds(value: unknown, now: number): number | undefined {
  const text = headerText(value).trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function headerText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function cap(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.min(MAX_RETRY_AFTER_SECONDS, seconds);
}

function githubMessage(data: unknown): string | undefined {
  if (
    data &&
    typeof data === 'object' &&
    typeof (data as { message?: unknown }).message === 'string'
  )
    return (data as { message: string }).message;
  if (typeof data === 'string' && data.length > 0) return data.slice(0, 500);
  return undefined;
}
