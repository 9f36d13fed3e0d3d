import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblems } from '../openapi/problem-responses';
import { IdempotencyInterceptor, SECRET_SHOWN_ONCE } from './idempotency.interceptor';

export interface IdempotentOptions {
  /**
   * The answer holds a secret the service keeps only as a hash (an API key): it is not stored
   * to be replayed. The change is still made once per Idempotency-Key; a repeat is answered
   * 409 `idempotency-key-committed`, saying the secret went to the first request.
   */
  secretShownOnce?: boolean;
}

/** Makes a write route honour `Idempotency-Key` (see IdempotencyInterceptor). */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ...(options.secretShownOnce ? [SetMetadata(SECRET_SHOWN_ONCE, true)] : []),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: options.secretShownOnce
        ? '1-255 characters. The change is made once per key within 24 h: the secret it issues ' +
          'is shown once and never kept, so a repeat by the same API key with the same body is ' +
          '409 idempotency-key-committed (list the keys, and revoke one whose secret never ' +
          'reached you); another body, or another API key, 422; while the first is in flight 409.'
        : '1-255 characters. A repeat by the same API key with the same body within 24 h answers ' +
          'the first response (header Idempotent-Replayed: true); another body, or another API ' +
          'key, 422; while the first is in flight 409.',
    }),
    ApiProblems(409, 422),
  );
}
