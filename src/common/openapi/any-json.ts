import type { SchemaObject } from '@nestjs/swagger';

/**
 * The OpenAPI schema of a free-form field that takes any JSON value (not only an object; null
 * too), so generated clients type it as JSON instead of `Record<string, unknown>`.
 */
export const ANY_JSON: { oneOf: SchemaObject[]; nullable: true } = {
  nullable: true,
  oneOf: [
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
  ],
};
