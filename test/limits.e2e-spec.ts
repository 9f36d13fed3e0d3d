import { randomUUID } from 'node:crypto';
import { standardSignature } from './utils/signatures';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { createKey, startTestApp, TestApp } from './utils/test-app';

describe('rate limits', () => {
  let test: TestApp;

  beforeAll(async () => {
    // The guesser below comes from its own address (through a trusted proxy): a blocked
    // address may use no key that is not already in the key cache.
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '127.0.0.0/8,::1' });
  });

  afterAll(async () => {
    await test.close();
  });

  it('limits per key with RateLimit headers, then 429 problem+json with Retry-After', async () => {
    const first = await createKey(test, { scopes: ['keys:admin'] });
    const second = await createKey(test, { scopes: ['keys:admin'] });
    for (let i = 0; i < 5; i += 1) {
      const response = await test.http
        .get('/api/v1/api-keys')
        .set({ authorization: first.authorization });
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit-limit']).toBe('5');
      expect(response.headers['ratelimit-remaining']).toBe(String(4 - i));
    }
    const limited = await test.http
      .get('/api/v1/api-keys')
      .set({ authorization: first.authorization });
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.detail).toBe(
      'Too many requests for this key (or address): retry after Retry-After.',
    );
    // Another key has its own budget.
    expect(
      (await test.http.get('/api/v1/api-keys').set({ authorization: second.authorization })).status,
    ).toBe(200);
  });

  it('limits anonymous callers per address, and guessing keys gets 429', async () => {
    let status = 0;
    for (let i = 0; i < 40 && status !== 429; i += 1) {
      status = (
        await test.http
          .get('/api/v1/api-keys')
          .set({ authorization: `Bearer amk_guess${i}`, 'x-forwarded-for': '198.51.100.99' })
      ).status;
    }
    expect(status).toBe(429);
  });

  /** Keys `creator` may create in a row before a 429 (of at most `tries`). */
  async function keysCreated(app: TestApp, tries: number): Promise<number> {
    const creator = await createKey(app, { scopes: ['keys:admin', 'agents:read'] });
    for (let i = 0; i < tries; i += 1) {
      const response = await app.http
        .post('/api/v1/api-keys')
        .set({ authorization: creator.authorization })
        .send({ name: `burst-${i}`, scopes: ['agents:read'] });
      if (response.status === 429) return i;
      expect(response.status).toBe(201);
    }
    return tries;
  }

  it('limits key creation more tightly than the global limit (30 a minute per key)', async () => {
    const generous = await startTestApp({ RATE_LIMIT_PER_MINUTE: '100' });
    try {
      expect(await keysCreated(generous, 40)).toBe(30);
    } finally {
      await generous.close();
    }
  });

  it('never lets key creation past a global limit tighter than its own', async () => {
    // The global limit here is 5 a minute: key creation is held to it, not to its 30.
    expect(await keysCreated(test, 31)).toBe(5);
  });

  it('never limits the probes', async () => {
    for (let i = 0; i < 10; i += 1) expect((await test.http.get('/health/live')).status).toBe(200);
  });
});

const describeRedis = process.env.REDIS_URL ? describe : describe.skip;
if (!process.env.REDIS_URL) {
  console.warn('REDIS_URL is unset: skipping the rate-limit tests shared across replicas');
}

/** Two replicas on one database and one Redis, started with `env` for the enclosing block. */
function twoReplicas(env: Record<string, string>): { a: TestApp; b: TestApp } {
  const replicas = {} as { a: TestApp; b: TestApp };
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const shared = { ...env, REDIS_URL: process.env.REDIS_URL! };
    replicas.a = await startTestApp(shared, { db });
    replicas.b = await startTestApp(shared, { db });
  });
  afterAll(async () => {
    await replicas.a.close();
    await replicas.b.close();
    await db.drop();
  });
  return replicas;
}

describeRedis('rate limits shared by replicas through Redis', () => {
  const replicas = twoReplicas({ RATE_LIMIT_PER_MINUTE: '6' });

  it('counts one budget across both replicas', async () => {
    const { a, b } = replicas;
    const { authorization } = await createKey(a, { scopes: ['keys:admin'] });
    for (let i = 0; i < 3; i += 1) {
      expect((await a.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(200);
      expect((await b.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(200);
    }
    expect((await a.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(429);
    expect((await b.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(429);
  });
});

describeRedis('the inbound limit shared by replicas through Redis', () => {
  // The global limit out of the way: per address, it outlives this database in Redis.
  const replicas = twoReplicas({
    RATE_LIMIT_PER_MINUTE: '1000000',
    INBOUND_RATE_LIMIT_PER_MINUTE: '3',
  });

  it("counts a source's deliveries once across both replicas", async () => {
    const { a, b } = replicas;
    // Its own key each run: Redis outlives the test databases.
    const key = `shared-${randomUUID().slice(0, 8)}`;
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const source = await a.http.post('/api/v1/webhooks/sources').set(a.admin).send({ key, secret });
    expect(source.status).toBe(201);
    const deliver = (app: TestApp) => {
      const id = `msg_${randomUUID()}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const body = Buffer.from(JSON.stringify({ type: 'ping' }));
      return app.http
        .post(`/api/v1/hooks/${key}`)
        .set('content-type', 'application/json')
        .set('webhook-id', id)
        .set('webhook-timestamp', String(timestamp))
        .set('webhook-signature', standardSignature(secret, id, timestamp, body))
        .serialize(() => body as unknown as string)
        .send(body);
    };
    const statuses: number[] = [];
    for (const app of [a, b, a, b, a, b]) statuses.push((await deliver(app)).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
  });
});

describe('IP allowlists and trusted proxies', () => {
  const apps: TestApp[] = [];
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
  });

  async function app(env: Record<string, string>): Promise<TestApp> {
    const started = await startTestApp(env, { db });
    apps.push(started);
    return started;
  }

  const tenants = (test: TestApp, forwardedFor?: string) => {
    const request = test.http.get('/api/v1/tenants').set(test.admin);
    return forwardedFor ? request.set('x-forwarded-for', forwardedFor) : request;
  };

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    const test = await app({ ADMIN_ALLOWED_CIDRS: '203.0.113.0/24' });
    expect((await tenants(test)).status).toBe(403);
    expect((await tenants(test, '203.0.113.7')).status).toBe(403);
  });

  it('believes X-Forwarded-For from a trusted proxy (CIDR)', async () => {
    const test = await app({
      ADMIN_ALLOWED_CIDRS: '203.0.113.0/24',
      TRUST_PROXY: '127.0.0.0/8,::1',
    });
    expect((await tenants(test, '203.0.113.7')).status).toBe(200);
    expect((await tenants(test, '198.51.100.7')).status).toBe(403);
    expect((await tenants(test, '::ffff:203.0.113.9')).status).toBe(200);
  });

  it('believes only the address the trusted proxy saw (a spoofed head is ignored)', async () => {
    const test = await app({ ADMIN_ALLOWED_CIDRS: '203.0.113.0/24', TRUST_PROXY: '127.0.0.1' });
    expect((await tenants(test, '203.0.113.7, 198.51.100.1')).status).toBe(403);
    expect((await tenants(test, '198.51.100.1, 203.0.113.7')).status).toBe(200);
  });

  it('ignores X-Forwarded-For from a client that connects past the trusted proxies', async () => {
    const test = await app({ ADMIN_ALLOWED_CIDRS: '203.0.113.0/24', TRUST_PROXY: '10.0.0.0/8' });
    expect((await tenants(test, '203.0.113.7')).status).toBe(403);
    expect((await tenants(test, '198.51.100.1, 10.1.2.3, 203.0.113.7')).status).toBe(403);
  });

  it('matches IPv6 ranges', async () => {
    const test = await app({ ADMIN_ALLOWED_CIDRS: '2001:db8::/32', TRUST_PROXY: '127.0.0.1' });
    expect((await tenants(test, '2001:db8::42')).status).toBe(200);
    expect((await tenants(test, '2001:db9::42')).status).toBe(403);
  });

  it('normalises IPv4-mapped IPv6 peers (loopback ::ffff:127.0.0.1 matches 127.0.0.0/8)', async () => {
    const test = await app({ METRICS_ALLOWED_CIDRS: '127.0.0.0/8' });
    expect((await test.http.get('/metrics')).status).toBe(200);
  });
});
