import { DomainError } from '../common/errors/domain-error';

export enum AuthErrorCode {
  MissingCredentials = 'missing_credentials',
  InvalidKey = 'invalid_key',
  InsufficientScope = 'insufficient_scope',
  ForeignAgent = 'foreign_agent',
  TenantSwitchForbidden = 'tenant_switch_forbidden',
  TenantNotFound = 'tenant_not_found',
  TenantExists = 'tenant_exists',
  ApiKeyNotFound = 'api_key_not_found',
  ScopeNotGrantable = 'scope_not_grantable',
  ApiKeyManaged = 'api_key_managed',
  ApiKeyRevoked = 'api_key_revoked',
}

export class AuthenticationError extends DomainError {
  readonly kind = 'unauthorized' as const;
}

export class PermissionError extends DomainError {
  readonly kind = 'forbidden' as const;
}

export class AuthNotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
}

export class AuthConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

export class AuthBadRequestError extends DomainError {
  readonly kind = 'bad_request' as const;
}
