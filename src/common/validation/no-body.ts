import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { invalidFields } from '../errors/validation';

/**
 * For a write route that takes no body (a pause, a cancel, a retry, a delete): a body with
 * fields is refused as the validation pipe refuses unknown fields, one error each, and anything
 * else but `{}` as a body the route does not take; no body at all, or `{}`, is none. Resolved
 * with the route's other parameters, so the request is refused before the route looks at what
 * it names and nothing is changed. A parameter decorator rather than a global check: the routes
 * say what they take, and the requests of the others pay nothing.
 */
export const NoBody = createParamDecorator((_data: unknown, context: ExecutionContext): void => {
  const body = context.switchToHttp().getRequest<FastifyRequest>().body;
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body)) {
    const fields = Object.keys(body);
    if (fields.length === 0) return;
    throw invalidFields(
      fields.map((field) => ({ field, message: `${field} is not a known field` })),
    );
  }
  throw invalidFields([{ field: 'body', message: 'this route takes no body: send none, or {}' }]);
});
