import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblems } from '../openapi/problem-responses';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Makes a write route honour `Idempotency-Key` (see IdempotencyInterceptor). */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        '1-255 characters. A repeat by the same API key with the same body within 24 h answers ' +
        'the first response (header Idempotent-Replayed: true); another body, or another API ' +
        'key, 422; while the first is in flight 409.',
    }),
    ApiProblems(409, 422),
  );
}
