import { AgentMeshError } from './errors';
import { Transport } from './http';

const problemResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

describe('AgentMeshError from a problem+json answer', () => {
  it('carries the problem fields and its code', async () => {
    const transport = new Transport({
      baseUrl: 'http://agentmesh.invalid/',
      apiKey: 'k',
      fetch: async () =>
        problemResponse(400, {
          type: 'urn:agentmesh:problem:validation',
          title: 'Validation failed',
          status: 400,
          detail: 'The request body has 1 invalid field.',
          instance: '/api/v1/agents',
          correlationId: 'c-1',
          errors: [{ field: 'name', message: 'name should not be empty' }],
        }),
    });
    const error = await transport.json('POST', '/agents', { body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentMeshError);
    expect(error).toMatchObject({
      status: 400,
      type: 'urn:agentmesh:problem:validation',
      code: 'validation',
      title: 'Validation failed',
      detail: 'The request body has 1 invalid field.',
      correlationId: 'c-1',
      errors: [{ field: 'name', message: 'name should not be empty' }],
    });
    // The message names the fields: a log line of it says what to fix.
    expect((error as Error).message).toContain('name: name should not be empty');
  });

  it('a success answer that is not JSON (another server at the base URL) is an AgentMeshError naming it', async () => {
    const transport = new Transport({
      baseUrl: 'http://agentmesh.invalid/',
      apiKey: 'k',
      fetch: async () =>
        new Response('<html>welcome</html>', {
          status: 200,
          headers: { 'content-type': 'text/html' },
        }),
    });
    const error = await transport.json('PUT', '/agents/a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentMeshError);
    expect((error as Error).message).toMatch(/agentmesh\.invalid.*text\/html.*not JSON/);
  });

  it('says why a connection failed (the cause, not only "fetch failed")', async () => {
    const transport = new Transport({
      baseUrl: 'http://agentmesh.invalid/',
      apiKey: 'k',
      fetch: async () => {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('getaddrinfo ENOTFOUND agentmesh.invalid'), {
            code: 'ENOTFOUND',
          }),
        });
      },
    });
    const error = await transport.json('GET', '/agents').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /fetch failed \(getaddrinfo ENOTFOUND agentmesh\.invalid\)/,
    );
  });

  it('keeps a non-JSON body and the request id header', async () => {
    const transport = new Transport({
      baseUrl: 'http://agentmesh.invalid',
      apiKey: 'k',
      retry: false,
      fetch: async () =>
        new Response('<html>bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'x-request-id': 'r-9' },
        }),
    });
    const error = (await transport
      .json('GET', '/agents')
      .catch((e: unknown) => e)) as AgentMeshError;
    expect(error.status).toBe(502);
    expect(error.title).toBe('Bad Gateway');
    expect(error.correlationId).toBe('r-9');
    expect(error.body).toBe('<html>bad gateway</html>');
  });

  it('does not retry a POST without an idempotency key, and sends one per logical call', async () => {
    const keys: Array<string | null> = [];
    const transport = new Transport({
      baseUrl: 'http://agentmesh.invalid',
      apiKey: 'k',
      retry: { initialDelayMs: 1, maxDelayMs: 1 },
      fetch: async (_url, init) => {
        keys.push(new Headers(init.headers).get('idempotency-key'));
        return problemResponse(503, { status: 503, title: 'Unavailable' });
      },
    });
    await expect(transport.json('POST', '/tasks/x/claim')).rejects.toBeInstanceOf(AgentMeshError);
    expect(keys).toEqual([null]);
    keys.length = 0;
    await expect(
      transport.json('POST', '/workflows', { body: {}, idempotencyKey: true }),
    ).rejects.toBeInstanceOf(AgentMeshError);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
