import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Store, storage as loggerStorage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import { normaliseAddress } from '../net/cidr';
import { asyncFrames, RequestContext } from './request-context';

/** The raw request carries its context too, for code that sees only the Node request. */
export interface RawRequestWithContext {
  context?: RequestContext;
}

/**
 * Opens the request's context in Fastify's onRequest hook, before any guard runs; Fastify
 * keeps it across body parsing. The correlation id is Fastify's request id, derived from
 * X-Request-Id by `resolveCorrelationId`. nestjs-pino's logger store is bound here as well,
 * so Nest's Logger writes through the request's child logger (which carries the id).
 * A Fastify hook rather than Nest middleware: middie's matching cost more than all of this.
 * With tracing on, `trace` is the request's span context (`startServerSpan`), entered in the
 * same step: one async-local frame holds both. `route` is the route template, when the caller
 * has read it already (Fastify builds `routeOptions` anew on each read).
 */
export function openRequestContext(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
  trace?: unknown,
  route: string | undefined = request.routeOptions.url,
): void {
  const userAgent = request.headers['user-agent'];
  const context: RequestContext = {
    correlationId: request.id,
    route,
    ip: normaliseAddress(request.ip),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : undefined,
  };
  (request.raw as RawRequestWithContext).context = context;
  asyncFrames.run({ request: context, trace }, () =>
    loggerStorage.run(new Store(request.log as Logger), done),
  );
}
