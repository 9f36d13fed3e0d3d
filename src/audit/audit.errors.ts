export enum AuditErrorCode {
  InvalidRange = 'invalid_audit_range',
  RangeTooWide = 'audit_range_too_wide',
  WholeChainForbidden = 'audit_whole_chain_forbidden',
}
