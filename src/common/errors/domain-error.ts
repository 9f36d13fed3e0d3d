/** How a domain failure reads over HTTP; the problem filter maps each kind to one status. */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'unprocessable'
  | 'too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'unavailable';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Base of every module's error class. A module subclasses it with its own code enum
 * (e.g. `AgentErrorCode.NotFound`) so services never speak HTTP.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** The problem's title when a protocol names the error (A2A's `TaskNotFoundError`). */
  readonly title?: string;

  constructor(
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export enum CommonErrorCode {
  InvalidCursor = 'invalid_cursor',
  InvalidQuery = 'invalid_query',
}

// One class per kind; modules throw them with codes from their own enums.
export class BadRequestError extends DomainError {
  readonly kind = 'bad_request' as const;
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized' as const;
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition_failed' as const;
}

export class UnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;
}

export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable' as const;
}

export class TooLargeError extends DomainError {
  readonly kind = 'too_large' as const;
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly kind = 'unsupported_media_type' as const;
}

/** A method the resource does not answer; `allow` lists those it does (the Allow header). */
export class MethodNotAllowedError extends DomainError {
  readonly kind = 'method_not_allowed' as const;
  constructor(
    message: string,
    readonly allow: string,
  ) {
    super('method_not_allowed', message);
  }
}
