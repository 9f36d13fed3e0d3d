import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentMeshClient, AgentMeshError, type RetryInfo } from '../packages/sdk/src';
import { ADMIN_KEY, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

interface Arrival {
  method: string;
  path: string;
  at: number;
}

/**
 * A real HTTP proxy in front of the app that answers the first `throttled` requests of a path
 * with 429 and `Retry-After`, as a rate limiter in front of the service would.
 */
function throttlingProxy(target: string, retryAfter: string, throttled = 1) {
  const arrivals: Arrival[] = [];
  const refusedAt: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      arrivals.push({ method: request.method ?? '', path: request.url ?? '', at: Date.now() });
      const seen = arrivals.filter((a) => a.path === request.url).length;
      if (seen <= throttled) {
        response.writeHead(429, {
          'content-type': 'application/problem+json',
          'retry-after': retryAfter,
        });
        response.end(
          JSON.stringify({
            type: 'urn:agentmesh:problem:rate-limited',
            title: 'Too Many Requests',
            status: 429,
          }),
          () => refusedAt.push(Date.now()),
        );
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers.set(name, value);
      }
      fetch(`${target}${request.url}`, {
        method: request.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      })
        .then(async (answer) => {
          response.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
          });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  return {
    arrivals,
    refusedAt,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SDK AgentMeshClient', () => {
  let test: TestApp;
  let baseUrl: string;
  let client: AgentMeshClient;

  beforeAll(async () => {
    test = await startTestApp();
    baseUrl = await listenOnLoopback(test);
    client = new AgentMeshClient({ baseUrl, apiKey: ADMIN_KEY });
  });
  afterAll(() => test?.close());

  it('answers with the data of typed resources and pages of lists', async () => {
    const agent = await client.agents.register({
      id: 'client-a',
      name: 'Client A',
      skills: [{ name: 'echo' }],
    });
    expect(agent).toMatchObject({ id: 'client-a', status: 'online' });
    const beat = await client.agents.heartbeat('client-a', { status: 'healthy', inFlight: 0 });
    expect(beat.status).toBe('online');
    const page = await client.agents.list({ skill: 'echo', limit: 1 });
    expect(page.items.map((a) => a.id)).toEqual(['client-a']);
    expect(page.nextCursor).toBeNull();

    const definition = await client.definitions.create({
      key: 'client-def',
      steps: [{ key: 'one', skill: 'echo' }],
    });
    expect(definition).toMatchObject({ key: 'client-def', version: 1 });
    const run = await client.workflows.start({ definitionKey: 'client-def', input: { n: 1 } });
    expect(run).toMatchObject({ definitionKey: 'client-def', input: { n: 1 } });
    const cancelled = await client.workflows.cancel(run.id);
    expect(cancelled.status).toBe('cancelled');
    const events = [];
    for await (const event of client.workflows.allEvents(run.id)) events.push(event.type);
    expect(events).toContain('workflow.cancelled');

    const key = await client.apiKeys.create({ name: 'reader', scopes: ['agents:read'] });
    expect(key.key).toEqual(expect.any(String));
    const reader = new AgentMeshClient({ baseUrl, apiKey: key.key });
    expect((await reader.agents.get('client-a')).id).toBe('client-a');
    const audit = await client.audit.list({ resourceType: 'agent', limit: 5 });
    expect(audit.items.length).toBeGreaterThan(0);
  });

  it('turns problem+json into AgentMeshError with the problem fields', async () => {
    const missing = await client.workflows
      .get('00000000-0000-4000-8000-000000000000')
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AgentMeshError);
    expect(missing).toMatchObject({ status: 404, correlationId: expect.any(String) });

    const invalid = (await client.agents
      .register({ name: '', skills: [] })
      .catch((e: unknown) => e)) as AgentMeshError;
    expect(invalid).toBeInstanceOf(AgentMeshError);
    expect(invalid.status).toBe(400);
    expect(invalid.type).toMatch(/^urn:agentmesh:problem:/);
    expect(invalid.title).toEqual(expect.any(String));
    expect(invalid.errors.map((e) => e.field)).toContain('name');

    const denied = new AgentMeshClient({ baseUrl, apiKey: 'amk_not-a-key-0123456789' });
    await expect(denied.agents.list()).rejects.toMatchObject({ status: 401 });
  });

  it('waits Retry-After before retrying a 429, and does not retry a claim', async () => {
    const proxy = throttlingProxy(baseUrl, '1');
    const retries: RetryInfo[] = [];
    try {
      const through = new AgentMeshClient({
        baseUrl: await proxy.listen(),
        apiKey: ADMIN_KEY,
        onRetry: (info) => retries.push(info),
      });
      const page = await through.agents.list({ limit: 1 });
      expect(page.items).toEqual(expect.any(Array));
      const [refused, accepted] = proxy.arrivals;
      expect(proxy.arrivals).toHaveLength(2);
      expect(retries).toMatchObject([{ retry: 1, delayMs: 1_000 }]);
      expect(accepted.at - proxy.refusedAt[0]).toBeGreaterThanOrEqual(990);
      expect(refused.path).toBe(accepted.path);

      const claim = await through.tasks
        .claim('client-a', { max: 1, waitSeconds: 0 })
        .catch((e: unknown) => e);
      expect(claim).toMatchObject({ status: 429, retryAfterMs: 1_000 });
      expect(proxy.arrivals.filter((a) => a.path.endsWith('/tasks/claim'))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('gives up at once when Retry-After is longer than it will wait', async () => {
    const proxy = throttlingProxy(baseUrl, '3600');
    try {
      const through = new AgentMeshClient({ baseUrl: await proxy.listen(), apiKey: ADMIN_KEY });
      await expect(through.agents.list()).rejects.toMatchObject({
        status: 429,
        retryAfterMs: 3_600_000,
      });
      expect(proxy.arrivals).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});
