import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import canonicalize from 'canonicalize';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, Observable, of } from 'rxjs';
import { requestContext } from '../context/request-context';
import { BadRequestError, ConflictError, UnprocessableError } from '../errors/domain-error';
import { IdempotencyStore } from './idempotency.store';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** Metadata of an `@Idempotent({ secretShownOnce: true })` route. */
export const SECRET_SHOWN_ONCE = 'agentmesh:idempotent-secret-shown-once';

export enum IdempotencyErrorCode {
  InvalidKey = 'invalid_idempotency_key',
  InFlight = 'idempotency_key_in_flight',
  Reused = 'idempotency_key_reused',
  Committed = 'idempotency_key_committed',
}

/** Pauses between attempts to store a response once the change committed. */
const STORE_RETRY_DELAYS_MS = [100, 500, 2_000];
/**
 * Pauses between attempts to free the key of a request that changed nothing, when the first
 * failed (the database that failed the request failed the release too): about 40 s in all,
 * after which the key, still reserved, is stale for a retry to take over anyway.
 */
const RELEASE_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000];

/**
 * What makes two requests "the same": the API key that sent it, method, path with query, and
 * the body as canonical JSON. The key is part of it because a replay is answered before the
 * route's handler runs, and with it whatever the handler checks beyond the route's scopes (who
 * may decide an approval, act as an agent, see a secret shown once): another key of the tenant
 * that sent the same Idempotency-Key would get the answer without the check.
 */
export function requestHash(method: string, url: string, body: unknown, apiKeyId = ''): string {
  return createHash('sha256')
    .update(canonicalize({ key: apiKeyId, method, url, body: body ?? null }) ?? '')
    .digest('hex');
}

/**
 * `Idempotency-Key` on a write: the first response (2xx: status, body and the headers its
 * handler set) is stored per tenant and key for 24 h; a repeat by the same API key with the same
 * method, path and body gets it again with `Idempotent-Replayed: true`, one with another body
 * (or from another API key) 422, one while the first is still running 409. A request that failed
 * before any change committed stores nothing, so the client may retry it with the same key. One
 * whose change committed keeps the key whatever happens next (the mark is written in the
 * change's own transaction, see UnitOfWork): a repeat replays the stored response or, while
 * none is stored, gets 409 `idempotency-key-committed` (the first may still be answering, as a
 * blocking A2A send does while it waits, or it failed to store its answer); the change is
 * never made twice. A route whose answer holds a secret kept only as a hash
 * (`@Idempotent({ secretShownOnce: true })`: issuing an API key) stores no answer: its repeat
 * gets that 409, saying why.
 * Use it with `@Idempotent()`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) return next.handle();
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (Array.isArray(raw) || key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
      throw new BadRequestError(IdempotencyErrorCode.InvalidKey, 'Invalid Idempotency-Key.', [
        {
          field: 'Idempotency-Key',
          message: 'must be 1-255 printable ASCII characters, sent once',
        },
      ]);
    }
    // Keys are per tenant: a route without one (public) is left alone.
    const current = requestContext.get();
    const tenantId = current?.tenantId;
    if (!tenantId) return next.handle();
    const hash = requestHash(request.method, request.url, request.body, current?.apiKeyId);
    const secretShownOnce =
      this.reflector.get<boolean | undefined>(SECRET_SHOWN_ONCE, context.getHandler()) === true;
    const reservation = await this.store.reserve(tenantId, key, hash);
    switch (reservation.kind) {
      case 'mismatch':
        throw new UnprocessableError(
          IdempotencyErrorCode.Reused,
          'This Idempotency-Key was used with a different request, or by another API key (a ' +
            'stored answer is replayed only to the key that made the request).',
        );
      case 'committed':
        throw new ConflictError(
          IdempotencyErrorCode.Committed,
          secretShownOnce
            ? 'The request with this Idempotency-Key made its change. Its answer held a secret ' +
                'that is shown once and never kept, so it cannot be answered again, and the ' +
                'change is not made again: list the API keys, and revoke one whose secret never ' +
                'reached you.'
            : 'The request with this Idempotency-Key made its change, and its answer is not ' +
                'stored: it may still be coming (retry shortly to get it replayed), or it was ' +
                'lost (read the resource). The change is not made again.',
        );
      case 'in_flight':
        throw new ConflictError(
          IdempotencyErrorCode.InFlight,
          'A request with this Idempotency-Key is still being processed; retry later.',
        );
      case 'replay':
        void reply
          .status(reservation.statusCode)
          .headers(reservation.headers)
          .header(REPLAYED_HEADER, 'true');
        return of(reservation.body);
      case 'reserved':
        break;
    }
    const { lockedAt } = reservation;
    const held = { tenantId, key, committed: false };
    if (current) current.idempotency = held;
    const headersBefore = headerValues(reply);
    return from(
      (async () => {
        let body: unknown;
        try {
          body = await lastValueFrom<unknown, undefined>(next.handle() as Observable<unknown>, {
            defaultValue: undefined,
          });
        } catch (error) {
          if (held.committed) {
            // Failed after its change committed: the key stays, marked, so no retry redoes it.
            this.logger.warn(
              { err: error, tenantId },
              'An idempotent request failed after its change committed; the key is kept',
            );
          } else {
            // Nothing was done (the change rolled back): the client may retry with the same key.
            await this.store
              .release(tenantId, key, lockedAt)
              .catch(() => this.releaseLater(tenantId, key, lockedAt));
          }
          throw error;
        }
        // The key stays marked committed, with no answer to replay.
        if (secretShownOnce) return body;
        // Nest set the route's status before the handler ran; the handler may have changed it.
        await this.storeResponse(
          tenantId,
          key,
          reply.statusCode,
          body,
          setSince(headersBefore, reply),
        );
        return body;
      })(),
    );
  }

  /**
   * The change is committed: its response is stored, retried a few times. If it still cannot
   * be, the key stays (marked committed), and a repeat is told so rather than redoing it.
   */
  private async storeResponse(
    tenantId: string,
    key: string,
    statusCode: number,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.store.store(tenantId, key, statusCode, body, headers);
        return;
      } catch (error) {
        if (attempt >= STORE_RETRY_DELAYS_MS.length) {
          this.logger.warn(
            { err: error, tenantId },
            'Storing an idempotent response failed; the key is kept without it',
          );
          return;
        }
        await new Promise((done) => setTimeout(done, STORE_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /**
   * Frees the key in the background once the database answers again: a retry with it would
   * otherwise answer 409 until the reservation is stale. The request's error is not held up.
   */
  private releaseLater(tenantId: string, key: string, lockedAt: string, attempt = 0): void {
    if (attempt >= RELEASE_RETRY_DELAYS_MS.length) {
      this.logger.warn(
        { tenantId },
        'Freeing an Idempotency-Key failed; it is taken over once stale',
      );
      return;
    }
    setTimeout(() => {
      this.store
        .release(tenantId, key, lockedAt)
        .catch(() => this.releaseLater(tenantId, key, lockedAt, attempt + 1));
    }, RELEASE_RETRY_DELAYS_MS[attempt]).unref();
  }
}

/** The reply's headers as they are now (names lower-case, values as sent). */
function headerValues(reply: FastifyReply): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) values.set(name.toLowerCase(), String(value));
  }
  return values;
}

/**
 * The headers the handler set or changed (an ETag, a secret shown once with its
 * `Cache-Control: no-store`): part of its answer, so a replay sends them too. Those set before
 * it (the request id, rate-limit counters, security headers) belong to each request and are
 * left out, as is the body's length.
 */
function setSince(before: Map<string, string>, reply: FastifyReply): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [name, value] of headerValues(reply)) {
    if (name === 'content-length' || before.get(name) === value) continue;
    set[name] = value;
  }
  return set;
}
