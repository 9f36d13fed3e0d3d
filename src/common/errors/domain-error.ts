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

export class BadRequestError extends DomainError {
  readonly kind = 'bad_request' as const;
}
