import { trace } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * Names the request's server span (made by the http instrumentation) after its route template,
 * `POST /api/v1/workflows/:type/runs`, and records it as `http.route`: the instrumentation only
 * knows the method, and raw URLs would make a name per id.
 */
export function nameServerSpan(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const span = trace.getActiveSpan();
  const route = request.routeOptions.url;
  if (span && route) {
    span.updateName(`${request.method} ${route}`);
    span.setAttribute('http.route', route);
  }
  done();
}
