import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import type { FieldError } from '../common/errors/domain-error';
import { A2aInvalidParamsError } from './a2a.errors';

/**
 * A2A names its errors: a body or query the validation pipe refuses (the pipe runs inside the
 * interceptors) is answered as InvalidParamsError with the same field errors, not as the
 * generic "Bad Request" of the rest of the API.
 */
@Injectable()
export class A2aParamsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(catchError((error: unknown) => throwError(() => asInvalidParams(error))));
  }
}

function asInvalidParams(error: unknown): unknown {
  if (!(error instanceof BadRequestException)) return error;
  const response = error.getResponse();
  const errors =
    typeof response === 'object' && response !== null && 'errors' in response
      ? (response as { errors?: FieldError[] }).errors
      : undefined;
  if (!Array.isArray(errors)) return error;
  return new A2aInvalidParamsError('The request is not valid.', errors);
}
