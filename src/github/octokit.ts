import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

const GithubOctokit = Octokit.plugin(retry, throttling);
export type GithubOctokit = InstanceType<typeof GithubOctokit>;

/** How long one request to GitHub may take, from when it is sent. */
export const REQUEST_TIMEOUT_MS = 20_000;

/**
 * `fetch` with REQUEST_TIMEOUT_MS counted from the moment the request goes out: the throttling
 * plugin may hold a write seconds to minutes first (content-creating writes go three seconds
 * apart, process-wide), and that wait must not use up the time of the call itself.
 */
const timedFetch: typeof fetch = (input, init) => {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return fetch(input, {
    ...init,
    signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
  });
};

/**
 * An Octokit with the retry and throttling plugins. Retries in process are short (1 s, then
 * 4 s) and only for requests that may be repeated (reads; a POST is made once per attempt, its
 * retry is the step's, after looking for what it may have created). Rate limits are never
 * waited for in process: the throttling plugin spaces writes, and a limit hit is reported to
 * the step, which moves its next attempt to GitHub's reset time instead of holding a worker.
 */
export function githubOctokit(options: { baseUrl: string; auth?: string }): GithubOctokit {
  return new GithubOctokit({
    baseUrl: options.baseUrl,
    auth: options.auth,
    userAgent: 'agentmesh',
    retry: { retries: 2 },
    request: { fetch: timedFetch },
    throttle: {
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
    },
    // Octokit's own log lines carry request options (and so headers) at debug: kept off.
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
  });
}
