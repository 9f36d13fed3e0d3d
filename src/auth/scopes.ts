import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi/problem-responses';

export const SCOPES = [
  'agents:read',
  'agents:write',
  'workflows:read',
  'workflows:write',
  'workflows:approve',
  'tasks:work',
  'webhooks:admin',
  'audit:read',
  'keys:admin',
] as const;

export type Scope = (typeof SCOPES)[number];

/** The platform admin scope: every scope, in every tenant (with X-Tenant-Id). */
export const ADMIN_SCOPE = '*';

export const REQUIRED_SCOPES = 'agentmesh:scopes';

/** Declares the scope a route needs (any one of them) and documents it in OpenAPI. */
export function Scopes(
  ...scopes: Array<Scope | typeof ADMIN_SCOPE>
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiBearerAuth('bearer'),
    ApiSecurity('apiKey'),
    ApiExtension('x-required-scopes', scopes),
    ApiProblems(401, 403, 429, 503),
  );
}

export function hasScope(granted: readonly string[], required: readonly string[]): boolean {
  if (granted.includes(ADMIN_SCOPE)) return true;
  return required.some((scope) => scope !== ADMIN_SCOPE && granted.includes(scope));
}
