import { AuthErrorCode } from './auth.errors';
import { grantViolation } from './key-grants';

const key = (scopes: string[], agentId: string | null = null) => ({ scopes, agentId });

describe('grantViolation', () => {
  it('lets platform admins manage any key', () => {
    expect(grantViolation(key(['*']), key(['*']), 'manage')).toBeUndefined();
    expect(grantViolation(key(['*']), key(['tasks:work'], 'bot'), 'create')).toBeUndefined();
  });

  it('refuses "*" and any scope the caller lacks', () => {
    expect(grantViolation(key(['keys:admin']), key(['*']), 'manage')).toBe(
      AuthErrorCode.KeyOutranksCaller,
    );
    expect(grantViolation(key(['keys:admin']), key(['*']), 'create')).toBe(
      AuthErrorCode.ScopeNotGrantable,
    );
    expect(grantViolation(key(['keys:admin']), key(['keys:admin', 'audit:read']), 'manage')).toBe(
      AuthErrorCode.KeyOutranksCaller,
    );
  });

  it('allows subsets, the key itself included', () => {
    const caller = key(['keys:admin', 'agents:read']);
    expect(grantViolation(caller, key(['agents:read']), 'create')).toBeUndefined();
    expect(grantViolation(caller, caller, 'manage')).toBeUndefined();
  });

  it('keeps agent-bound callers to keys of their own agent', () => {
    const caller = key(['keys:admin', 'tasks:work'], 'bot-1');
    expect(grantViolation(caller, key(['tasks:work']), 'create')).toBe(
      AuthErrorCode.AgentBindingRequired,
    );
    expect(grantViolation(caller, key(['tasks:work'], 'bot-2'), 'manage')).toBe(
      AuthErrorCode.AgentBindingRequired,
    );
    expect(grantViolation(caller, key(['tasks:work'], 'bot-1'), 'manage')).toBeUndefined();
  });
});
