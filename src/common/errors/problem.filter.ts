import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable, sqlState } from '../../database/database-errors';
import { HTTP_DENIED_TOTAL } from '../../metrics/metrics.module';
import { normaliseAddress } from '../net/cidr';
import { DomainError, ErrorKind, FieldError, MethodNotAllowedError } from './domain-error';
import { PROBLEM_CONTENT_TYPE, ProblemDto } from './problem.dto';

const KIND_STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
  unprocessable: 422,
  unavailable: 503,
};

const DENIED_STATUSES = new Set([401, 403, 429]);

// invalid_text_representation, string_data_right_truncation, numeric_value_out_of_range,
// invalid_datetime_format, datetime_field_overflow, invalid_time_zone_displacement_value,
// untranslatable_character, character_not_in_repertoire
const INPUT_SQLSTATES = new Set([
  '22P02',
  '22001',
  '22003',
  '22007',
  '22008',
  '22009',
  '22P05',
  '22021',
]);
/** Of those, text PostgreSQL cannot store: a NUL in jsonb (22P05), in text (22021). */
const UNSTORABLE_TEXT = new Set(['22P05', '22021']);

interface Problem {
  status: number;
  slug: string;
  title?: string;
  detail: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
}

/** The one place where any thrown thing becomes an application/problem+json response. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(@InjectMetric(HTTP_DENIED_TOTAL) private readonly denied: Counter<string>) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const described = clientClosed(exception, request) ?? this.describe(exception);
    const problem =
      tooLarge(exception, described, request) ?? methodNotAllowed(described, request) ?? described;

    if (problem.status >= 500 && problem.status !== 503) {
      this.logger.error({ err: exception }, 'Unhandled error');
    } else if (problem.status === 503) {
      this.logger.warn({ err: errorSummary(exception) }, problem.detail);
    } else if (DENIED_STATUSES.has(problem.status)) {
      this.recordDenial(request, problem);
    }

    const body: ProblemDto = {
      type: `urn:agentmesh:problem:${problem.slug}`,
      title: problem.title ?? STATUS_CODES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.detail,
      instance: (request.url ?? '/').split('?')[0],
      correlationId: String(request.id),
      ...(problem.errors && problem.errors.length > 0 ? { errors: problem.errors } : {}),
    };
    if (reply.sent) return;
    for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
    void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(body);
  }

  /** Refusals are security events: logged and counted, never written to the database. */
  private recordDenial(request: FastifyRequest, problem: Problem): void {
    const reason = problem.slug.replace(/-/g, '_');
    this.denied.inc({ reason });
    this.logger.warn(
      {
        event: 'security.denied',
        reason,
        status: problem.status,
        ip: normaliseAddress(request.ip),
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
      },
      `Request refused: ${problem.detail}`,
    );
  }

  private describe(exception: unknown): Problem {
    if (exception instanceof DomainError) {
      return {
        status: KIND_STATUS[exception.kind],
        slug: exception.code.replace(/_/g, '-'),
        title: exception.title,
        detail: exception.message,
        errors: exception.errors,
        ...(exception instanceof MethodNotAllowedError
          ? { headers: { allow: exception.allow } }
          : {}),
      };
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (isDatabaseUnavailable(exception)) {
      return {
        status: 503,
        slug: 'database-unavailable',
        detail: 'The database is unavailable; retry shortly.',
        headers: { 'retry-after': '5' },
      };
    }
    const state = sqlState(exception);
    if (state && INPUT_SQLSTATES.has(state)) {
      // Input that slipped past validation and was refused by PostgreSQL: still the client's.
      return {
        status: 400,
        slug: 'invalid-value',
        detail: UNSTORABLE_TEXT.has(state)
          ? 'A value holds a character that cannot be stored (such as NUL, \\u0000).'
          : 'A value is out of range or malformed.',
      };
    }
    const fastifyProblem = fromFastifyError(exception);
    if (fastifyProblem) return fastifyProblem;
    return { status: 500, slug: 'internal', detail: 'An unexpected error occurred.' };
  }
}

/**
 * The client hung up before its request was read (mid-body): the read's error (ECONNRESET,
 * "aborted") is the client's, not the database's, whose unavailability the same code means
 * elsewhere. Nobody is left to answer; nothing is logged past the request's own line.
 */
function clientClosed(
  exception: unknown,
  request: FastifyRequest | undefined,
): Problem | undefined {
  const raw = request?.raw;
  if (!raw || !(raw.aborted || raw.readableAborted)) return undefined;
  if (exception instanceof DomainError || exception instanceof HttpException) return undefined;
  return {
    status: 400,
    slug: 'client-closed-request',
    detail: 'The client closed the connection before its request was read.',
  };
}

/**
 * A body past the route's limit (Fastify refuses it before any handler): said with the limit
 * and the setting that sets it, where Fastify's own message ("Request body is too large")
 * leaves a client to guess. A 413 of ours (an output PostgreSQL cannot hold) says its own.
 */
function tooLarge(
  exception: unknown,
  problem: Problem,
  request: FastifyRequest | undefined,
): Problem | undefined {
  if (problem.status !== 413 || exception instanceof DomainError) return undefined;
  const limit = request?.routeOptions?.bodyLimit;
  if (typeof limit !== 'number') return undefined;
  const setting = (request?.routeOptions.url ?? '').startsWith('/api/v1/hooks/')
    ? 'INBOUND_BODY_LIMIT_BYTES'
    : 'BODY_LIMIT_BYTES';
  return {
    ...problem,
    detail: `The body is larger than the ${limit} bytes this route takes (${setting}).`,
  };
}

const NO_ROUTE = 'No route matches this path.';
const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;

/**
 * A path that has routes, asked with a method none of them answers: 405 with `Allow` listing the
 * methods that would (RFC 9110 §15.5.6), instead of the 404 an unknown path gets.
 */
function methodNotAllowed(problem: Problem, request: FastifyRequest): Problem | undefined {
  if (problem.status !== 404 || problem.detail !== NO_ROUTE || !request?.server) return undefined;
  const url = request.url.split('?', 1)[0];
  const answers = (method: string) => request.server.findRoute({ method, url }) !== null;
  // A route of this method that found nothing (a wildcard, such as the docs' static files).
  if (answers(request.method)) return undefined;
  const allowed = METHODS.filter(answers);
  if (allowed.length === 0) return undefined;
  const allow = allowed.join(', ');
  return {
    status: 405,
    slug: 'method-not-allowed',
    detail: `This path answers ${allow}, not ${request.method}.`,
    headers: { allow },
  };
}

function fromHttpException(exception: HttpException): Problem {
  const status = exception.getStatus();
  const response = exception.getResponse();
  let detail = exception.message;
  let errors: FieldError[] | undefined;
  if (typeof response === 'object' && response !== null) {
    const body = response as { message?: unknown; errors?: FieldError[] };
    if (Array.isArray(body.errors)) errors = body.errors;
    if (typeof body.message === 'string') detail = body.message;
  }
  if (status === 404 && /^Cannot [A-Z]+ /.test(detail)) detail = NO_ROUTE;
  // Fastify's body parser errors arrive here, mapped to HttpException by Nest.
  if (status === 400 && /^Body (is not valid JSON|cannot be empty)/.test(detail)) {
    return { status, slug: 'malformed-body', detail };
  }
  return { status, slug: slugFor(status, errors), detail, errors };
}

/** A 4xx error raised by Fastify outside Nest's mapping (it maps most to HttpException). */
function fromFastifyError(exception: unknown): Problem | undefined {
  const error = exception as { statusCode?: unknown; message?: unknown } | undefined;
  const status = typeof error?.statusCode === 'number' ? error.statusCode : undefined;
  if (!status || status < 400 || status >= 500) return undefined;
  const detail = typeof error?.message === 'string' ? error.message : 'Bad request';
  return { status, slug: slugFor(status), detail };
}

function slugFor(status: number, errors?: FieldError[]): string {
  if (status === 400 && errors) return 'validation';
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function errorSummary(exception: unknown): string {
  return exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
}
