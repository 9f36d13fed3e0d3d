import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError } from '../../common/errors/domain-error';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../common/http/json-depth';

/** Routes under this prefix receive signed deliveries and verify the bytes as they arrived. */
export const HOOKS_PATH_PREFIX = '/api/v1/hooks/';

/** Routes registered from now on under the hooks prefix get their own body limit. */
export function limitHookBodies(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith(HOOKS_PATH_PREFIX)) route.bodyLimit = bodyLimit;
  });
}

/**
 * Replaces the JSON body parser (call after Nest registered its own, before the server starts):
 * a hooks route gets the raw Buffer, never parsed and serialised again, because a signature
 * covers the exact bytes; every other route parses JSON as before (same proto and constructor
 * poisoning rules, same errors for empty and malformed bodies), once the bytes are known not to
 * nest deeper than MAX_JSON_DEPTH (the hooks routes check their payloads' depth themselves).
 */
export function keepRawJsonOnHooks(fastify: FastifyInstance, bodyLimit: number): void {
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(
    onProtoPoisoning ?? 'error',
    onConstructorPoisoning ?? 'error',
  );
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request: FastifyRequest, body: Buffer, done) => {
      if (request.routeOptions.url?.startsWith(HOOKS_PATH_PREFIX)) {
        done(null, body);
        return;
      }
      if (jsonNestsDeeperThan(body, MAX_JSON_DEPTH)) {
        done(
          new BadRequestError(
            'json_too_deep',
            `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`,
          ),
          undefined,
        );
        return;
      }
      // An empty body is no body, as when no Content-Type came: an optional body is absent,
      // a required one is reported field by field.
      if (body.length === 0) {
        done(null, undefined);
        return;
      }
      // The default parser is synchronous: it calls done itself.
      void parseJson(request, body as unknown as string, (error, parsed) =>
        done(error ? poisoningOr(error, body) : null, parsed),
      );
    },
  );
}

/**
 * The parser refuses a `__proto__` key (and `constructor.prototype`) with the same error as
 * malformed JSON; when the body is well-formed JSON, that is what it refused, and it says so.
 */
function poisoningOr(error: Error, body: Buffer): Error {
  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    return error;
  }
  return new BadRequestError(
    'malformed_body',
    'The JSON body holds a "__proto__" key, or a "constructor" with a "prototype": both are refused.',
  );
}
