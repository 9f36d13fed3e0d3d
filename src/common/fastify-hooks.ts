import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { openRequestContext } from './context/request-context.hook';
import type { Logger } from 'pino';
import { requestLogger } from './logging/logging.options';
import { logRequest } from './logging/request-log';
import { securityHeaders } from './security-headers';
import { UnauthorizedError, UnsupportedMediaTypeError } from './errors/domain-error';
import { addServerSpanLogFields, endServerSpan, startServerSpan } from './tracing/http-span';
import { tracingState } from './tracing/trace-context';

/**
 * Bodies larger than this are not read for a request that carries no credentials. Smaller ones
 * are parsed as usual (cheap; the guards then answer, and count, the anonymous caller).
 */
export const ANONYMOUS_BODY_LIMIT_BYTES = 16 * 1024;
/** The only routes that take a body without an API key: signature-authenticated receivers. */
const SIGNED_ROUTES_PREFIX = '/api/v1/hooks/';

/**
 * Per-request work that must see every request, routed or not: security headers, the
 * correlation id echo, the log line, and with tracing on the request's server span.
 */
@Injectable()
export class FastifyHooks implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const headers = securityHeaders();
    const log = requestLogger(fastify.log as Logger);
    const tracing = tracingState.enabled;
    // First, so that every later hook, guard and handler runs in the request's context and,
    // with tracing on, its span (both entered at once).
    fastify.addHook(
      'onRequest',
      tracing
        ? (request, reply, done) => {
            void reply.headers(headers);
            void reply.header('x-request-id', request.id);
            // Read once for both: Fastify builds the route options anew on each read.
            const route = request.routeOptions.url;
            openRequestContext(request, reply, done, startServerSpan(request, route), route);
          }
        : (request, reply, done) => {
            void reply.headers(headers);
            void reply.header('x-request-id', request.id);
            openRequestContext(request, reply, done);
          },
    );
    // Authentication needs the parsed route, which Fastify only knows once the body is read;
    // what it can know before: whether credentials were sent at all.
    fastify.addHook('preParsing', (request, reply, payload, done) => {
      if (anonymousLargeBody(request)) {
        void reply.header('www-authenticate', 'Bearer');
        done(
          new UnauthorizedError(
            'missing_credentials',
            'Send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
          ),
        );
        return;
      }
      if (notJsonBody(request)) {
        done(
          new UnsupportedMediaTypeError(
            'unsupported_media_type',
            'This route takes a JSON body: send it with "Content-Type: application/json".',
          ),
        );
        return;
      }
      done(null, payload);
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      if (tracing) {
        logRequest(request, reply, log, addServerSpanLogFields);
        endServerSpan(request, reply);
      } else {
        logRequest(request, reply, log);
      }
      done();
    });
  }
}

function anonymousLargeBody(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers.authorization !== undefined || headers['x-api-key'] !== undefined) return false;
  const url = request.routeOptions.url;
  if (url === undefined || url.startsWith(SIGNED_ROUTES_PREFIX)) return false;
  const length = Number(headers['content-length']);
  return headers['transfer-encoding'] !== undefined || length > ANONYMOUS_BODY_LIMIT_BYTES;
}

/**
 * A body sent to a JSON route as anything else (a form, text, no type at all): without this it
 * would be parsed as one string and reported as an unknown field. Signed receivers check their
 * own bodies.
 */
function notJsonBody(request: FastifyRequest): boolean {
  const { headers } = request;
  const url = request.routeOptions.url;
  if (url === undefined || url.startsWith(SIGNED_ROUTES_PREFIX)) return false;
  const hasBody =
    headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
  if (!hasBody) return false;
  const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return mediaType !== 'application/json';
}
