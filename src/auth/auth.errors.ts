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
