import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** Documents `{"data": <Dto>}` for a status. */
export function ApiData(model: Type<unknown>, status = 200, description?: string): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status,
      description,
      schema: {
        type: 'object',
        required: ['data'],
        properties: { data: { $ref: getSchemaPath(model) } },
      },
    }),
  );
}

/** Documents `{"data": {<collection>: [<Dto>]}, "meta": {"nextCursor": string|null}}`. */
export function ApiList(collection: string, model: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status: 200,
      schema: {
        type: 'object',
        required: ['data', 'meta'],
        properties: {
          data: {
            type: 'object',
            properties: { [collection]: { type: 'array', items: { $ref: getSchemaPath(model) } } },
          },
          meta: {
            type: 'object',
            properties: { nextCursor: { type: 'string', nullable: true } },
          },
        },
      },
    }),
  );
}
