import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import { requestContext } from '../context/request-context';
import { normaliseAddress } from '../net/cidr';
import { routeMetadata } from '../route-metadata';

const THROTTLER_LIMIT = 'THROTTLER:LIMIT';
const THROTTLER_SKIP = 'THROTTLER:SKIP';
const DEFAULT_THROTTLER = 'default';

/**
 * The counter of a client address's requests without an API key under the global limit,
 * shared by public routes (counted here) and refused anonymous requests (counted by the auth
 * guard, which answers before this guard runs).
 */
export function anonymousLimitKey(address: string): string {
  return `${DEFAULT_THROTTLER}:${addressTracker(address)}`;
}

function addressTracker(address: string | undefined): string {
  return `ip:${normaliseAddress(address) ?? 'unknown'}`;
}

/**
 * The global rate limit: per API key when authenticated, per client address otherwise, with
 * IETF `RateLimit-*` headers. A route with its own tighter limit counts separately.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';

  /** Routes marked @SkipThrottle() (probes, metrics) are let through on a cached lookup. */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const skipped = this.throttlers.every((throttler) =>
      routeMetadata<boolean>(this.reflector, context, THROTTLER_SKIP + throttler.name),
    );
    if (skipped) return true;
    return super.canActivate(context);
  }

  /**
   * A route's own limit is a tighter one (key creation: 30 a minute): never looser than the
   * global limit when that is set lower (`RATE_LIMIT_PER_MINUTE`).
   */
  protected override handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const global = request.throttler.limit;
    if (typeof global !== 'number' || request.limit <= global) return super.handleRequest(request);
    return super.handleRequest({ ...request, limit: global });
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const keyId = requestContext.get()?.apiKeyId;
    return Promise.resolve(
      keyId ? `key:${keyId}` : addressTracker(request.ip as string | undefined),
    );
  }

  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    const handler = context.getHandler();
    if (Reflect.getMetadata(THROTTLER_LIMIT + name, handler) !== undefined) {
      return `${name}:${context.getClass().name}.${handler.name}:${tracker}`;
    }
    return `${name}:${tracker}`;
  }
}
