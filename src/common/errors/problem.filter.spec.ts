import type { ArgumentsHost } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { TooLargeError } from './domain-error';
import { ProblemFilter } from './problem.filter';

/** What the filter answers for `exception` on a route whose body limit is 1 MB. */
function answer(exception: unknown): { status: number; body: Record<string, unknown> } {
  const sent: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
  const reply = {
    sent: false,
    header: () => reply,
    type: () => reply,
    status: (status: number) => ((sent.status = status), reply),
    send: (body: Record<string, unknown>) => ((sent.body = body), reply),
  };
  const request = {
    id: 'c0ffee',
    url: '/api/v1/tasks/t/complete',
    method: 'POST',
    routeOptions: { url: '/api/v1/tasks/:id/complete', bodyLimit: 1_048_576 },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  const denied = { inc: () => undefined } as unknown as Counter<string>;
  new ProblemFilter(denied).catch(exception, host);
  return sent;
}

describe('ProblemFilter, 413', () => {
  it("a body past the route's limit is said with the limit and its setting", () => {
    const fastify = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(answer(fastify)).toMatchObject({
      status: 413,
      body: {
        detail: 'The body is larger than the 1048576 bytes this route takes (BODY_LIMIT_BYTES).',
      },
    });
  });

  it('a value of ours too large keeps its own detail: the body was within the limit', () => {
    const detail = 'The output is too large for PostgreSQL to hold in one value (256 MB at most).';
    const own = new TooLargeError('output_too_large', detail);
    expect(answer(own)).toMatchObject({
      status: 413,
      body: {
        type: 'urn:agentmesh:problem:output-too-large',
        detail,
      },
    });
  });
});
