import { UnprocessableError } from '../common/errors/domain-error';
import type { FieldError } from '../common/errors/domain-error';

export enum GithubErrorCode {
  NotConfigured = 'github_not_configured',
}

/** A definition (or inline run) with github steps while no GitHub credentials are set. */
export class GithubNotConfiguredError extends UnprocessableError {
  constructor(errors: FieldError[]) {
    super(
      GithubErrorCode.NotConfigured,
      'github steps need GitHub credentials: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (a GitHub App) or GITHUB_TOKEN.',
      errors,
    );
  }
}

/** Why a GitHub call failed, as a step's error: the step fails, or retries when `retryable`. */
export class GithubCallError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    /** Seconds to wait before the next attempt (GitHub's Retry-After or rate-limit reset). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'GithubCallError';
  }
}
