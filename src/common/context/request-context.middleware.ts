import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normaliseAddress } from '../net/cidr';
import { RequestContext, requestContext } from './request-context';

/** What Fastify copies onto the raw request before Nest middleware runs (@fastify/middie). */
export interface RawRequest extends IncomingMessage {
  ip?: string;
  context?: RequestContext;
}

/**
 * Opens the request's context before any guard runs. The correlation id is Fastify's request
 * id, which `resolveCorrelationId` derived from X-Request-Id when Fastify received the request.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(request: RawRequest, _response: ServerResponse, next: () => void): void {
    const userAgent = request.headers['user-agent'];
    const context: RequestContext = {
      correlationId: request.id as string,
      ip: normaliseAddress(request.ip),
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : undefined,
    };
    request.context = context;
    requestContext.run(context, next);
  }
}
