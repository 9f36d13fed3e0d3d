import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ProblemDto } from '../errors/problem.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (problem+json with field errors)',
  401: 'Missing, unknown, expired or revoked API key',
  403: 'The key lacks the scope, or the address is not allowed',
  404: 'Not found (or belongs to another tenant)',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match the current ETag',
  413: 'Body too large',
  415: 'The body is not sent as application/json',
  422: 'Idempotency-Key reused with a different body',
  429: 'Rate limited; see Retry-After',
  503: 'Database unavailable',
};

/** A problem+json error response of the document, described by its status. */
export function problemResponse(status: number): {
  description: string;
  content: Record<string, { schema: { $ref: string } }>;
} {
  return {
    description: DESCRIPTIONS[status] ?? 'Error',
    content: {
      'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } },
    },
  };
}

/** Documents problem+json error responses for the given statuses. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })),
  );
}

export { ProblemDto };
