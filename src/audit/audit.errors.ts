export enum AuditErrorCode {
  InvalidRange = 'invalid_audit_range',
  WholeChainForbidden = 'audit_whole_chain_forbidden',
}
