import { ForbiddenError, NotFoundError, UnauthorizedError } from '../common/errors/domain-error';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IS_PUBLIC, KEY_OPTIONAL } from '../common/auth/public.decorator';
import { requestContext } from '../common/context/request-context';
import { normaliseAddress } from '../common/net/cidr';
import { routeMetadata } from '../common/route-metadata';
import type { Principal } from './api-key-cache';
import { ApiKeysService } from './api-keys.service';
import { AuthAttempts } from './auth-attempts';
import { AuthErrorCode } from './auth.errors';
import { ADMIN_SCOPE, hasScope, REQUIRED_SCOPES } from './scopes';
import { TenantsService } from './tenants.service';

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
    private readonly attempts: AuthAttempts,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (routeMetadata<boolean>(this.reflector, context, IS_PUBLIC)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const address = normaliseAddress(request.ip) ?? 'unknown';
    const key = presentedKey(request);
    if (!key) {
      const wait = await this.attempts.anonymous(address);
      if (wait > 0) throw tooMany(reply, wait, 'Too many requests without an API key; slow down.');
      if (routeMetadata<boolean>(this.reflector, context, KEY_OPTIONAL)) return true;
      void reply.header('www-authenticate', 'Bearer');
      throw new UnauthorizedError(
        AuthErrorCode.MissingCredentials,
        'Send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
      );
    }

    const principal = await this.authenticate(key, address, reply);

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
    store.keyTenantId = principal.tenantId;
    store.scopes = principal.scopes;
    store.apiKeyId = principal.keyId;
    store.apiKeyExpiresAt = principal.expiresAt ?? undefined;
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

  /**
   * Guessing keys is limited per address. While an address is blocked only keys in use on this
   * replica (clients working normally behind the same address) pass: from the key cache, or
   * looked up again when their cache entry lapsed but they were served within the last minutes;
   * anything else is refused before any database lookup, so a blocked guesser costs nothing.
   */
  private async authenticate(
    key: string,
    address: string,
    reply: FastifyReply,
  ): Promise<Principal> {
    const blocked = this.attempts.blockedFor(address);
    if (blocked > 0) {
      const principal = this.apiKeys.authenticateCached(key);
      if (principal) return principal;
      if (this.apiKeys.inUse(key)) return this.apiKeys.authenticate(key);
      throw tooMany(reply, blocked, TOO_MANY_FAILURES);
    }
    try {
      return await this.apiKeys.authenticate(key);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        const wait = await this.attempts.failed(address);
        if (wait > 0) throw tooMany(reply, wait, TOO_MANY_FAILURES);
      }
      throw error;
    }
  }
}

const TOO_MANY_FAILURES = 'Too many failed authentications from your address; retry later.';

function tooMany(reply: FastifyReply, seconds: number, message: string): ThrottlerException {
  void reply.header('retry-after', String(seconds));
  return new ThrottlerException(message);
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
