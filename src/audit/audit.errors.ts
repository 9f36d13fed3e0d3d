import { DomainError } from '../common/errors/domain-error';

export enum AuditErrorCode {
  InvalidRange = 'invalid_audit_range',
}

export class AuditBadRequestError extends DomainError {
  readonly kind = 'bad_request' as const;
}
