import { AuthErrorCode } from './auth.errors';
import { ADMIN_SCOPE } from './scopes';

/** What a key may do: its scopes and, for an agent key, the one agent it acts as. */
export interface Grants {
  scopes: readonly string[];
  agentId: string | null;
}

export type GrantViolation =
  | AuthErrorCode.KeyOutranksCaller
  | AuthErrorCode.ScopeNotGrantable
  | AuthErrorCode.AgentBindingRequired;

/**
 * Whether `caller` may create, rotate or revoke a key holding `target`: only when the target's
 * scopes are a subset of the caller's and, for an agent-bound caller, the target is bound to
 * the same agent. Otherwise a key could hand itself (or anyone) more than it holds: rotating a
 * `*` key yields a fresh `*` key. `*` keys are managed by platform admins only.
 */
export function grantViolation(
  caller: Grants,
  target: Grants,
  action: 'create' | 'manage',
): GrantViolation | undefined {
  if (caller.scopes.includes(ADMIN_SCOPE)) return undefined;
  const exceeds =
    target.scopes.includes(ADMIN_SCOPE) ||
    target.scopes.some((scope) => !caller.scopes.includes(scope));
  if (exceeds) {
    return action === 'create' ? AuthErrorCode.ScopeNotGrantable : AuthErrorCode.KeyOutranksCaller;
  }
  if (caller.agentId !== null && target.agentId !== caller.agentId) {
    return AuthErrorCode.AgentBindingRequired;
  }
  return undefined;
}

export const GRANT_VIOLATION_MESSAGES: Record<GrantViolation, string> = {
  [AuthErrorCode.ScopeNotGrantable]:
    'A key may only grant scopes it holds itself; only platform admins may grant "*".',
  [AuthErrorCode.KeyOutranksCaller]:
    'This key holds scopes yours does not; only a key holding all of them (or a platform admin) may rotate or revoke it.',
  [AuthErrorCode.AgentBindingRequired]:
    'An agent-bound key may only create, rotate or revoke keys bound to its own agent.',
};
