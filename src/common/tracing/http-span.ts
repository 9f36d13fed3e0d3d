import {
  context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { tracer, withStatementBudget } from './trace-context';

/** Routes whose requests make no span: probes and scrapes would drown the rest. */
export const UNTRACED_ROUTES: ReadonlySet<string> = new Set([
  '/health/live',
  '/health/ready',
  '/metrics',
]);

const SERVER_SPAN = Symbol('agentmesh.server-span');

interface WithServerSpan {
  [SERVER_SPAN]?: Span;
}

/**
 * The request's server span, from Fastify's first onRequest hook (registered only with tracing
 * on): it continues an incoming W3C `traceparent`/`tracestate` (the registered propagator), is
 * named after the route template (`POST /api/v1/workflows/:type/runs`; raw URLs would make a
 * name per id) and is the active span for everything the request runs, hooks, body parsing,
 * guards and handler (Fastify keeps the async context across them, as it does for the request
 * context). Probes and `/metrics` get none and pay nothing. This replaces the generic
 * node:http instrumentation, which wrapped every request of the process (probes included) and
 * rebound the request and response emitters.
 */
export function startServerSpan(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const route = request.routeOptions.url;
  if (route !== undefined && UNTRACED_ROUTES.has(route)) {
    done();
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const method = request.method;
  const span = tracer().startSpan(
    route ? `${method} ${route}` : method,
    { kind: SpanKind.SERVER },
    parent,
  );
  if (span.isRecording()) {
    const query = request.url.indexOf('?');
    span.setAttributes({
      'http.request.method': method,
      'url.scheme': request.protocol,
      'url.path': query === -1 ? request.url : request.url.slice(0, query),
      'client.address': request.ip,
      ...(route ? { 'http.route': route } : {}),
    });
    const userAgent = request.headers['user-agent'];
    if (typeof userAgent === 'string') span.setAttribute('user_agent.original', userAgent);
  }
  (request as WithServerSpan)[SERVER_SPAN] = span;
  context.with(withStatementBudget(trace.setSpan(parent, span)), done);
}

/**
 * Runs `work` (the request's log line) with the request's server span active, so that the
 * log's trace fields name it whatever async context Fastify's response hooks run in.
 */
export function inServerSpan<T>(request: FastifyRequest, work: () => T): T {
  const span = (request as WithServerSpan)[SERVER_SPAN];
  return span ? context.with(trace.setSpan(context.active(), span), work) : work();
}

/** Ends the request's server span with the response status (5xx: an error); once. */
export function endServerSpan(request: FastifyRequest, reply: FastifyReply): void {
  const span = (request as WithServerSpan)[SERVER_SPAN];
  if (!span) return;
  (request as WithServerSpan)[SERVER_SPAN] = undefined;
  const status = reply.statusCode;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** A request the client gave up on: its span ends as such (no response status). */
export function abortServerSpan(request: FastifyRequest): void {
  const span = (request as WithServerSpan)[SERVER_SPAN];
  if (!span) return;
  (request as WithServerSpan)[SERVER_SPAN] = undefined;
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection' });
  span.end();
}
