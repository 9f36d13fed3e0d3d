import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { securityHeaders } from '../security-headers';
import { PROBLEM_CONTENT_TYPE, ProblemDto } from './problem.dto';

/**
 * Errors Fastify answers before a route (and so Nest's ProblemFilter) is reached: a path that is
 * not valid percent-encoding, a path parameter over the router's length limit. Without this
 * Fastify sends its own `application/json` body, with none of our headers.
 */
const FRAMEWORK_ERRORS: Record<string, { status: number; slug: string; detail: string }> = {
  FST_ERR_BAD_URL: {
    status: 400,
    slug: 'malformed-url',
    detail: 'The path is not valid percent-encoded UTF-8.',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    slug: 'uri-too-long',
    detail: 'A path segment is longer than any identifier this API accepts.',
  },
};

const headers = securityHeaders();

function problem(
  status: number,
  slug: string,
  detail: string,
  instance: string,
  correlationId: string,
): ProblemDto {
  return {
    type: `urn:agentmesh:problem:${slug}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance,
    correlationId,
  };
}

/**
 * The request's path as a problem's `instance`: the query left out, a very long path cut (it
 * may be what was wrong).
 */
function instanceOf(request: FastifyRequest): string {
  const path = (request.raw.url ?? '/').split('?')[0];
  return path.length <= 256 ? path : `${path.slice(0, 256)}…`;
}

/** Fastify's `frameworkErrors` option. */
export function sendFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const known = FRAMEWORK_ERRORS[error.code] ?? {
    status: 400,
    slug: 'bad-request',
    detail: 'The request cannot be routed.',
  };
  void reply
    .headers(headers)
    .header('x-request-id', request.id)
    .status(known.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(known.status, known.slug, known.detail, instanceOf(request), String(request.id)));
}

/**
 * A request read while the server closes (see `refuseRequestsWhileClosing`): 503, to be sent
 * again on a new connection, which reaches another replica (or this one restarted).
 */
export function sendShuttingDown(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .headers(headers)
    .header('x-request-id', request.id)
    .header('connection', 'close')
    .header('retry-after', '1')
    .status(503)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      problem(
        503,
        'shutting-down',
        'This replica is stopping; send the request again (on a new connection).',
        instanceOf(request),
        String(request.id),
      ),
    );
}

/**
 * Fastify's `clientErrorHandler`: Node refused the bytes before any request existed (malformed
 * request line or headers, headers over the size limit, a client too slow to send them). The
 * answer is written on the socket, as Node's default does, but as problem+json.
 */
export function sendClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let slug = 'malformed-request';
  let detail = 'The request is not valid HTTP/1.1.';
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    slug = 'headers-too-large';
    detail = 'The request line and headers are larger than the server accepts.';
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    slug = 'request-timeout';
    detail = 'The request was not received in time.';
  }
  if (socket.writable) {
    const correlationId = randomUUID();
    const body = JSON.stringify(problem(status, slug, detail, '/', correlationId));
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      `content-type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
      `content-length: ${Buffer.byteLength(body)}`,
      `x-request-id: ${correlationId}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      'connection: close',
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
