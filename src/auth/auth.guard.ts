import { ForbiddenError, NotFoundError, UnauthorizedError } from '../common/errors/domain-error';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerException, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../common/auth/public.decorator';
import { requestContext } from '../common/context/request-context';
import { routeMetadata } from '../common/route-metadata';
import { ApiKeysService } from './api-keys.service';
import { AuthErrorCode } from './auth.errors';
import { ADMIN_SCOPE, hasScope, REQUIRED_SCOPES } from './scopes';
import { TenantsService } from './tenants.service';

/** Failed authentications allowed per client address and minute before 429. */
const AUTH_FAILURES_PER_MINUTE = 30;

/**
 * Every route needs a key with the route's scope unless it is @Public(). Puts the tenant and
 * the actor into the request context; the platform admin may switch tenant with X-Tenant-Id.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly tenants: TenantsService,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (routeMetadata<boolean>(this.reflector, context, IS_PUBLIC)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const key = presentedKey(request);
    if (!key) {
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer');
      throw new UnauthorizedError(
        AuthErrorCode.MissingCredentials,
        'Send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
      );
    }

    const principal = await this.apiKeys.authenticate(key).catch(async (error: unknown) => {
      if (error instanceof UnauthorizedError) await this.countFailure(request, http.getResponse());
      throw error;
    });

    const required = routeMetadata<string[]>(this.reflector, context, REQUIRED_SCOPES) ?? [
      ADMIN_SCOPE,
    ];
    if (!hasScope(principal.scopes, required)) {
      throw new ForbiddenError(
        AuthErrorCode.InsufficientScope,
        `This operation needs the scope ${required.map((scope) => `"${scope}"`).join(' or ')}.`,
      );
    }

    const tenantId = await this.resolveTenant(request, principal.tenantId, principal.scopes);
    const store = requestContext.require();
    store.tenantId = tenantId;
    store.scopes = principal.scopes;
    store.apiKeyId = principal.keyId;
    store.agentId = principal.agentId ?? undefined;
    store.actor = principal.agentId
      ? { type: 'agent', id: principal.agentId }
      : { type: 'apiKey', id: principal.keyId };
    return true;
  }

  private async resolveTenant(
    request: FastifyRequest,
    ownTenant: string,
    scopes: readonly string[],
  ): Promise<string> {
    const header = request.headers['x-tenant-id'];
    const wanted = Array.isArray(header) ? header[0] : header;
    if (wanted === undefined || wanted === ownTenant) return ownTenant;
    if (!scopes.includes(ADMIN_SCOPE)) {
      throw new ForbiddenError(
        AuthErrorCode.TenantSwitchForbidden,
        'Only platform admins may act in another tenant (X-Tenant-Id).',
      );
    }
    if (!(await this.tenants.exists(wanted))) {
      throw new NotFoundError(AuthErrorCode.TenantNotFound, `Tenant "${wanted}" does not exist.`);
    }
    return wanted;
  }

  /** Guessing keys is rate limited per address even though each guess is a 401. */
  private async countFailure(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const record = await this.storage.increment(
      `auth-failures:${request.ip}`,
      60_000,
      AUTH_FAILURES_PER_MINUTE,
      60_000,
      'auth-failures',
    );
    if (record.isBlocked) {
      void reply.header('retry-after', String(record.timeToBlockExpire));
      throw new ThrottlerException('Too many failed authentications; slow down.');
    }
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : undefined;
  }
  const header = request.headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && value.length > 0 ? value : undefined;
}
