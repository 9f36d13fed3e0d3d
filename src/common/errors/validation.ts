import {
  ArgumentMetadata,
  BadRequestException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { asSentFields, standIn } from '../validation/as-sent';
import { FieldError } from './domain-error';

/** Flattens class-validator's tree into `[{field: 'skills[0].name', message}]`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message:
        error.constraints?.whitelistValidation === message
          ? `${field} is not a known field`
          : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/**
 * The ValidationPipe, except that fields marked @AsSent() are validated as a stand-in of the
 * same kind and then handed over exactly as parsed (see `AsSent`).
 */
class FreeFormAwareValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const fields = metadata.type === 'body' ? asSentFields(metadata.metatype) : [];
    if (fields.length === 0 || value === null || typeof value !== 'object' || Array.isArray(value))
      return super.transform(value, metadata);
    const body = { ...(value as Record<string, unknown>) };
    const kept = new Map<string, unknown>();
    for (const field of fields) {
      if (!Object.hasOwn(body, field)) continue;
      kept.set(field, body[field]);
      body[field] = standIn(body[field]);
    }
    const result = (await super.transform(body, metadata)) as Record<string, unknown>;
    for (const [field, original] of kept) result[field] = original;
    return result;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new FreeFormAwareValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fieldErrors = flattenValidationErrors(errors);
      const count = fieldErrors.length;
      return new BadRequestException({
        message: `The request has ${count} invalid field${count === 1 ? '' : 's'}.`,
        errors: fieldErrors,
      });
    },
  });
}
