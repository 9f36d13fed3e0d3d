import { describe, expect, it } from 'vitest';
import { Api, ApiError } from './client';
import { QueryCache } from './query-cache';

describe('QueryCache', () => {
  it('runs one load per key however many ask at once, and tells the watchers', async () => {
    const cache = new QueryCache();
    let loads = 0;
    let notified = 0;
    cache.subscribe('/agents', () => notified++);
    const loader = async () => {
      loads++;
      return { n: loads };
    };
    await Promise.all([cache.fetch('/agents', loader), cache.fetch('/agents', loader)]);
    expect(loads).toBe(1);
    expect(cache.get('/agents')).toMatchObject({ data: { n: 1 }, loading: false, stale: false });
    expect(notified).toBe(2); // loading, then loaded
  });

  it('keeps the last data and the problem when a reload fails', async () => {
    const cache = new QueryCache();
    await cache.fetch('/runs', async () => ['first']);
    const problem = new ApiError({
      type: 'urn:agentmesh:problem:forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'no',
      instance: '/runs',
      correlationId: 'c-1',
    });
    await cache.fetch('/runs', async () => Promise.reject(problem));
    expect(cache.get('/runs').data).toEqual(['first']);
    expect(cache.get('/runs').error).toBe(problem);
  });

  it('marks keys stale by prefix after a write, and only those', async () => {
    const cache = new QueryCache();
    await cache.fetch('/workflows/a', async () => 1);
    await cache.fetch('/workflows?status=failed', async () => 2);
    await cache.fetch('/agents', async () => 3);
    cache.invalidate('/workflows');
    expect(cache.get('/workflows/a').stale).toBe(true);
    expect(cache.get('/workflows?status=failed').stale).toBe(true);
    expect(cache.get('/agents').stale).toBe(false);
    expect(cache.get('/unknown').stale).toBe(true); // never loaded: load it
  });

  it('stops telling a watcher that unsubscribed', async () => {
    const cache = new QueryCache();
    let notified = 0;
    const stop = cache.subscribe('/k', () => notified++);
    stop();
    await cache.fetch('/k', async () => 1);
    expect(notified).toBe(0);
  });
});

describe('Api', () => {
  const respond = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    (async () =>
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers,
      })) as unknown as typeof fetch;

  it('turns a problem+json answer into an ApiError carrying its correlation id', async () => {
    const api = new Api(
      { key: 'k' },
      respond(403, {
        type: 'urn:agentmesh:problem:insufficient_scope',
        title: 'Forbidden',
        status: 403,
        detail: 'This operation needs the scope "keys:admin".',
        instance: '/api/v1/api-keys',
        correlationId: 'corr-9',
      }),
    );
    const error = await api.get('/api-keys').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem).toMatchObject({
      status: 403,
      title: 'Forbidden',
      correlationId: 'corr-9',
    });
  });

  it('makes a problem from the status and x-request-id when the body is not one', async () => {
    const api = new Api({ key: 'k' }, respond(502, undefined, { 'x-request-id': 'r-1' }));
    const error = (await api.get('/agents').catch((caught: unknown) => caught)) as ApiError;
    expect(error.problem).toMatchObject({ status: 502, correlationId: 'r-1' });
  });

  it('sends the key and the chosen tenant as headers', async () => {
    let sent: Record<string, string> = {};
    let url = '';
    const fetcher = (async (input: string, init: RequestInit) => {
      url = input;
      sent = init.headers as Record<string, string>;
      return new Response('{"data":{}}', { status: 200 });
    }) as unknown as typeof fetch;
    await new Api({ key: 'amk_x', tenantId: 'acme' }, fetcher).get('/agents', {
      status: 'online',
      q: '',
    });
    expect(url).toBe('/api/v1/agents?status=online');
    expect(sent).toMatchObject({ authorization: 'Bearer amk_x', 'x-tenant-id': 'acme' });
  });

  it('reports an unreachable service as a problem, not a crash', async () => {
    const fetcher = (async () =>
      Promise.reject(new TypeError('fetch failed'))) as unknown as typeof fetch;
    const error = (await new Api({ key: 'k' }, fetcher)
      .get('/x')
      .catch((e: unknown) => e)) as ApiError;
    expect(error.problem.title).toBe('The service cannot be reached');
  });
});
