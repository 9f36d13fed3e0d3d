import { existsSync } from 'node:fs';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { freePort, MAIN, spawnApp, waitFor } from './utils/spawn-app';
import { startTestApp, TestApp } from './utils/test-app';

/**
 * The liveness probe is answered before Nest's pipeline (LiveProbe): it keeps everything an
 * operator relies on, as any other request does.
 */
describe('GET /health/live', () => {
  let test: TestApp;

  beforeAll(async () => {
    test = await startTestApp({ CORS_ORIGINS: 'https://console.example' });
  });

  afterAll(async () => {
    await test.close();
  });

  it('answers ok as JSON, with the security headers of every other response', async () => {
    const live = await test.http.get('/health/live');
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(live.body).toEqual({ status: 'ok' });
    const api = await test.http.get('/api/v1/agents');
    expect(api.status).toBe(401);
    const security = (headers: Record<string, string>) =>
      Object.fromEntries(
        [
          'content-security-policy',
          'strict-transport-security',
          'x-content-type-options',
          'x-frame-options',
          'referrer-policy',
          'cross-origin-opener-policy',
          'cross-origin-resource-policy',
        ].map((name) => [name, headers[name]]),
      );
    expect(security(live.headers)).toEqual(security(api.headers));
    expect(live.headers['x-content-type-options']).toBe('nosniff');
    expect(live.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('echoes a valid X-Request-Id and generates one otherwise', async () => {
    const given = await test.http.get('/health/live').set('x-request-id', 'probe.1:a-b_c');
    expect(given.headers['x-request-id']).toBe('probe.1:a-b_c');
    const replaced = await test.http.get('/health/live').set('x-request-id', 'not valid!');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers HEAD without a body, and other methods with 405 naming GET and HEAD', async () => {
    const head = await test.http.head('/health/live');
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
    const post = await test.http.post('/health/live').send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('sends CORS headers to an allowed origin', async () => {
    const allowed = await test.http.get('/health/live').set('origin', 'https://console.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example');
    const other = await test.http.get('/health/live').set('origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('is counted on /metrics under its route', async () => {
    const count = async () => {
      const metrics = await test.http.get('/metrics');
      const line =
        /^http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} (\d+)$/m.exec(
          metrics.text,
        );
      return line ? Number(line[1]) : 0;
    };
    const before = await count();
    for (let i = 0; i < 5; i += 1) await test.http.get('/health/live');
    expect(await count()).toBe(before + 5);
  });
});

const describeBuilt = existsSync(MAIN) ? describe : describe.skip;

describeBuilt('GET /health/live in the service process', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('writes its request line (at debug, as probes do) with the correlation id', async () => {
    const port = await freePort();
    const app = spawnApp({ DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'debug' });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        async () => ((await fetch(`${base}/health/ready`)).status === 200 ? true : undefined),
        20_000,
        'the service to be ready',
      );
      const live = await fetch(`${base}/health/live`, {
        headers: { 'x-request-id': 'probe-log-1' },
      });
      expect(live.status).toBe(200);
      const line = await waitFor(
        async () =>
          app
            .output()
            .split('\n')
            .find((text) => text.includes('"probe-log-1"')),
        5_000,
        'the request line',
      );
      expect(JSON.parse(line)).toMatchObject({
        level: 'debug',
        msg: 'request completed',
        correlationId: 'probe-log-1',
        method: 'GET',
        route: '/health/live',
        statusCode: 200,
      });
    } finally {
      app.child.kill('SIGKILL');
      await app.exited;
    }
  });
});
