import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { WarningDto } from './dto/skill.dto';

/** Documents `{"data": <Dto>, "warnings"?: [{field, message}]}`: accepted, with advice. */
export function ApiDataWithWarnings(model: Type<unknown>, status: number): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model, WarningDto),
    ApiResponse({
      status,
      schema: {
        type: 'object',
        required: ['data'],
        properties: {
          data: { $ref: getSchemaPath(model) },
          warnings: {
            type: 'array',
            description: 'Present when something was accepted that will probably not run as meant',
            items: { $ref: getSchemaPath(WarningDto) },
          },
        },
      },
    }),
  );
}

/** The envelope, with `warnings` only when there are some. */
export function withWarnings<T>(data: T, warnings: WarningDto[]) {
  return warnings.length > 0 ? { data, warnings } : { data };
}
