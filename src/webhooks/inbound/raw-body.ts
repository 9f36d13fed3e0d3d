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
      void parseJson(request, body as unknown as string, (error, parsed) => {
        if (error) return done(poisoningOr(error, body), undefined);
        const nul = body.includes(ESCAPED_NUL) ? nulFields(parsed) : [];
        if (nul.length > 0) {
          return done(
            new BadRequestError(
              'invalid_value',
              'Text in the body holds the NUL character (\\u0000), which cannot be stored.',
              nul.map((field) => ({
                field,
                message: 'must not contain the NUL character (\\u0000)',
              })),
            ),
            undefined,
          );
        }
        done(null, parsed);
      });
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

/** `\u0000` as it appears in JSON text: the only way a NUL can be in a parsed string. */
const ESCAPED_NUL = Buffer.from('\\u0000');

/**
 * The fields of a parsed body whose text holds a NUL (PostgreSQL's text and jsonb cannot store
 * it, and would refuse the statement with no field named): a string value by its path, a key
 * by the object holding it. Only walked when the bytes hold an escaped NUL (an escaped
 * backslash followed by `u0000` is such bytes too, and then nothing is found).
 */
function nulFields(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || '(body)'] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulFields(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (key.includes('\u0000')) found.push(path || '(body)');
    found.push(...nulFields(item, path ? `${path}.${key}` : key));
  }
  return [...new Set(found)];
}
