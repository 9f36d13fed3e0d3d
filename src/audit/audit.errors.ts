import { DomainError } from '../common/errors/domain-error';

export enum AuditErrorCode {
  InvalidRange = 'invalid_audit_range',
  WholeChainForbidden = 'audit_whole_chain_forbidden',
}

export class AuditBadRequestError extends DomainError {
  readonly kind = 'bad_request' as const;
}

export class AuditPermissionError extends DomainError {
  readonly kind = 'forbidden' as const;
}
