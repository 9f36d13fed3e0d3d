import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { BadRequestError } from '../../common/errors/domain-error';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../common/http/json-depth';
import { LONE_SURROGATE } from './payload';

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
 * nest deeper than MAX_JSON_DEPTH (the hooks routes check their payloads' depth themselves) and
 * to be UTF-8.
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
      // JSON is UTF-8 (RFC 8259), whatever charset the request claims: decoding other bytes
      // would put U+FFFD in their place, and what was stored would not be what was sent.
      if (!isUtf8(body)) {
        done(
          new BadRequestError(
            'malformed_body',
            'The body is not valid UTF-8: JSON is sent as UTF-8 (RFC 8259).',
          ),
          undefined,
        );
        return;
      }
      // The default parser is synchronous: it calls done itself.
      void parseJson(request, body as unknown as string, (error, parsed) => {
        if (error) return done(poisoningOr(error, body), undefined);
        const unstorable =
          mayHoldUnstorable(body) || mayOverflow(body) ? unstorableFields(parsed) : [];
        if (unstorable.length > 0) {
          return done(
            new BadRequestError(
              'invalid_value',
              'The body holds values that cannot be stored as sent: the NUL character ' +
                '(\\u0000) or a lone UTF-16 surrogate (\\ud800-\\udfff unpaired) in text, or ' +
                'a number past the largest (JSON parsing makes it Infinity, stored as null).',
              unstorable,
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

/** `\u0000` and `\ud800`..`\udfff` in JSON text: the only ways such characters reach a parsed string. */
const ESCAPE = Buffer.from('\\u');
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

function mayHoldUnstorable(body: Buffer): boolean {
  return body.includes(ESCAPE) && UNSTORABLE_ESCAPE.test(body.toString('utf8'));
}

/**
 * A number literal that may be past the largest double (1.8e308), which JSON.parse makes
 * Infinity: an exponent of three digits or more, or a run of over 300 digits.
 */
const MAY_OVERFLOW = /\d[eE]\+?\d{3}|\d{300}/;

function mayOverflow(body: Buffer): boolean {
  return MAY_OVERFLOW.test(body.toString('latin1'));
}

function whatIsUnstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text))
    return 'must not contain a lone UTF-16 surrogate (\\ud800-\\udfff)';
  return undefined;
}

/**
 * The fields of a parsed body whose text PostgreSQL cannot store: the NUL character (text and
 * jsonb refuse it, with no field named) and a lone surrogate (jsonb refuses its escape, text
 * would silently store U+FFFD in its place), and a number JSON.parse made Infinity (stored as
 * null). A string value by its path, a key by the object holding it, a number by its path. Only
 * walked when the bytes hold such an escape or such a number (an escaped backslash followed by
 * `u0000`, or text like "1e400", is such bytes too, and then nothing is found).
 */
function unstorableFields(value: unknown, path = ''): Array<{ field: string; message: string }> {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return [
      {
        field: path || '(body)',
        message: 'must be a finite number: this one is past the largest (about 1.8e308)',
      },
    ];
  }
  if (typeof value === 'string') {
    const message = whatIsUnstorable(value);
    return message ? [{ field: path || '(body)', message }] : [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, i) => unstorableFields(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const found: Array<{ field: string; message: string }> = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const message = whatIsUnstorable(key);
    if (message) found.push({ field: path || '(body)', message });
    found.push(...unstorableFields(item, path ? `${path}.${key}` : key));
  }
  return found.filter(
    (error, index) => found.findIndex((other) => other.field === error.field) === index,
  );
}
