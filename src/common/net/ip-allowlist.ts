import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { ForbiddenError } from '../errors/domain-error';
import { routeMetadata } from '../route-metadata';
import type { CidrList } from './cidr';

export type AllowlistGroup = 'metrics' | 'admin' | 'github';

const ALLOWLIST = 'agentmesh:allowlist';

/** Restricts a route (or controller) to the client addresses configured for its group. */
export const IpAllowlist = (group: AllowlistGroup): MethodDecorator & ClassDecorator =>
  SetMetadata(ALLOWLIST, group);

export class IpNotAllowedError extends ForbiddenError {
  constructor() {
    super('ip_not_allowed', 'Your address is not allowed to call this endpoint.');
  }
}

/**
 * The client address is Fastify's `request.ip`: it follows X-Forwarded-For only through the
 * proxies TRUST_PROXY names (addresses or CIDRs), so a spoofed header from anyone else changes
 * nothing.
 */
@Injectable()
export class IpAllowlistGuard implements CanActivate {
  private readonly lists: Record<AllowlistGroup, CidrList>;

  constructor(
    private readonly reflector: Reflector,
    @InjectConfig() config: AppConfig,
  ) {
    this.lists = {
      metrics: config.metricsAllowedCidrs,
      admin: config.adminAllowedCidrs,
      github: config.githubHookCidrs,
    };
  }

  canActivate(context: ExecutionContext): boolean {
    const group = routeMetadata<AllowlistGroup>(this.reflector, context, ALLOWLIST);
    if (!group) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.lists[group].contains(request.ip)) return true;
    throw new IpNotAllowedError();
  }
}
