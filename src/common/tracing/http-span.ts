import {
  Context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addSpanLogFields, TraceLogFields } from './log-fields';
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

/** Span names by route template and method (`POST /api/v1/workflows`), built once. */
const spanNames = new Map<string, Map<string, string>>();

function spanName(method: string, route: string | undefined): string {
  if (route === undefined) return method;
  let byMethod = spanNames.get(route);
  if (!byMethod) {
    byMethod = new Map();
    spanNames.set(route, byMethod);
  }
  let name = byMethod.get(method);
  if (name === undefined) {
    name = `${method} ${route}`;
    byMethod.set(method, name);
  }
  return name;
}

/**
 * Starts the request's server span (with tracing on, from the request context's onRequest
 * hook, Fastify's first) and answers the context to run the request in: it continues an
 * incoming W3C `traceparent`/`tracestate` (the registered propagator), is named after the
 * route template (`POST /api/v1/workflows/:type/runs`; raw URLs would make a name per id) and
 * is the active span for everything the request runs, hooks, body parsing, guards and handler
 * (Fastify keeps the async context across them). The hook enters it together with the
 * request context, in one step. Probes and `/metrics` get undefined: no span, no trace
 * context, nothing extracted, no listener. A request that is not sampled still gets its (non-recording)
 * span's context: its log lines, stored runs and outgoing calls name its trace. This replaces
 * the generic node:http instrumentation, which wrapped every request of the process (probes
 * included) and rebound the request and response emitters. `route` is the request's route
 * template, when the caller has read it (Fastify builds `routeOptions` anew on each read).
 */
export function startServerSpan(
  request: FastifyRequest,
  route: string | undefined = request.routeOptions.url,
): Context | undefined {
  if (route !== undefined && UNTRACED_ROUTES.has(route)) return undefined;
  // The registered propagators (W3C trace context and baggage) read only these two headers:
  // without either, extracting answers the root context it is given.
  const headers = request.headers;
  const parent =
    headers.traceparent === undefined && headers.baggage === undefined
      ? ROOT_CONTEXT
      : propagation.extract(ROOT_CONTEXT, headers);
  const method = request.method;
  const span = tracer().startSpan(spanName(method, route), { kind: SpanKind.SERVER }, parent);
  if (span.isRecording()) {
    const url = request.url;
    const query = url.indexOf('?');
    span.setAttribute('http.request.method', method);
    span.setAttribute('url.scheme', request.protocol);
    span.setAttribute('url.path', query === -1 ? url : url.slice(0, query));
    span.setAttribute('client.address', request.ip);
    if (route) span.setAttribute('http.route', route);
    const userAgent = headers['user-agent'];
    if (typeof userAgent === 'string') span.setAttribute('user_agent.original', userAgent);
  }
  (request as WithServerSpan)[SERVER_SPAN] = span;
  // A client that gives up before the response: its span ends as such. What Fastify's
  // onRequestAbort hook does, for traced requests only (that hook would watch probes too).
  const raw = request.raw;
  raw.on('close', () => {
    if (raw.aborted) abortServerSpan(request);
  });
  return withStatementBudget(trace.setSpan(parent, span));
}

/**
 * Writes the trace fields of the request's server span into its log line, given explicitly:
 * Fastify's response hooks run in no defined async context. Nothing for a request without a
 * span (a probe, a scrape).
 */
export function addServerSpanLogFields(request: FastifyRequest, line: TraceLogFields): void {
  const span = (request as WithServerSpan)[SERVER_SPAN];
  if (span) addSpanLogFields(line, span);
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
