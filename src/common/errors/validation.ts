import {
  ArgumentMetadata,
  BadRequestException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { asSentFields, standIn } from '../validation/as-sent';
import { cacheValidationMetadata } from '../validation/metadata-cache';
import { FieldError } from './domain-error';

/**
 * Flattens class-validator's tree into `[{field: 'skills[0].name', message}]`, one message per
 * field: a missing array would otherwise be reported by each of its 3-7 constraints.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const message = fieldMessage(field, error);
    const own = message === undefined ? [] : [{ field, message }];
    // A value of the wrong kind (an object where a list belongs): what is wrong inside it is
    // beside the point, and would list a nested item's every field as unknown or missing.
    if (wrongKind(error)) return own;
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

function wrongKind(error: ValidationError): boolean {
  const constraints = error.constraints ?? {};
  return constraints.isArray !== undefined || constraints.isObject !== undefined;
}

/**
 * Rules of a value's type: when one is broken, its message is the one to give ("must be an
 * integer", not "must not be greater than 2592000" for "10").
 */
const TYPE_RULES = ['isInt', 'isNumber', 'isString', 'isBoolean', 'isArray', 'isObject'];

/**
 * The one message that tells what to do: unknown, missing, of the wrong type, or the first
 * rule it breaks.
 */
function fieldMessage(field: string, error: ValidationError): string | undefined {
  const constraints = error.constraints ?? {};
  const messages = Object.values(constraints);
  if (messages.length === 0) return undefined;
  if (constraints.whitelistValidation !== undefined) return `${field} is not a known field`;
  if (constraints.notNull !== undefined) return `${field} cannot be null`;
  // The pipe strips the value of an error that has children (it would repeat them): no value
  // there is not a missing one.
  const parent = (error.children ?? []).length > 0;
  if (!parent && (error.value === undefined || error.value === null)) return `${field} is required`;
  // class-validator's own words for a scalar where a nested object belongs are
  // "nested property 0 must be either object or array".
  if (constraints.nestedValidation !== undefined && Object.keys(constraints).length === 1)
    return `${field} must be an object`;
  const typeRule = TYPE_RULES.find((rule) => constraints[rule] !== undefined);
  return typeRule === undefined ? messages[0] : constraints[typeRule];
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
    if (
      metadata.type === 'body' &&
      this.toValidate(metadata) &&
      value != null &&
      !isJsonObject(value)
    ) {
      // A list, a string or a number where the body's object belongs: said as such, not as
      // "[0] is not a known field".
      throw invalidFields([
        { field: 'body', message: `body must be a JSON object, not ${kindOf(value)}` },
      ]);
    }
    const fields = metadata.type === 'body' ? asSentFields(metadata.metatype) : [];
    if (fields.length === 0 || !isJsonObject(value)) return super.transform(value, metadata);
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

/** The validation 400: one message per field (answered as problem+json with `errors`). */
export function invalidFields(errors: FieldError[]): BadRequestException {
  const count = errors.length;
  return new BadRequestException({
    message: `The request has ${count} invalid field${count === 1 ? '' : 's'}.`,
    errors,
  });
}

function isJsonObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new FreeFormAwareValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => invalidFields(flattenValidationErrors(errors)),
  });
}
