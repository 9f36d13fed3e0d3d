import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { join } from 'node:path';
import { ADMIN_KEY, startTestApp, TestApp } from './utils/test-app';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { freePort, MAIN, spawnApp, waitFor } from './utils/spawn-app';
import { TcpProxy } from './utils/tcp-proxy';

describe('readiness during a database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let test: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    test = await startTestApp({ DATABASE_URL: proxy.rewrite(db.url) }, { db });
  });

  afterAll(async () => {
    await test.close();
    await proxy.stop();
    await db.drop();
  });

  it('turns ready 503 within 5 s, keeps live 200, fails API calls fast with 503, then recovers', async () => {
    expect((await test.http.get('/health/ready')).status).toBe(200);

    await proxy.cut();
    const started = Date.now();
    const notReady = await waitFor(
      async () => {
        const response = await test.http.get('/health/ready');
        return response.status === 503 ? response : undefined;
      },
      5_000,
      'readiness to fail',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(notReady.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await test.http.get('/health/live')).status).toBe(200);

    const before = Date.now();
    const apiCall = await test.http
      .get('/api/v1/tenants')
      .set('authorization', `Bearer ${ADMIN_KEY}`);
    expect(apiCall.status).toBe(503);
    expect(apiCall.body.type).toBe('urn:agentmesh:problem:database-unavailable');
    expect(apiCall.headers['retry-after']).toBeDefined();
    expect(Date.now() - before).toBeLessThan(5_000);

    await proxy.restore();
    await waitFor(
      async () => ((await test.http.get('/health/ready')).status === 200 ? true : undefined),
      10_000,
      'readiness to recover',
    );
    expect(
      (await test.http.get('/api/v1/tenants').set('authorization', `Bearer ${ADMIN_KEY}`)).status,
    ).toBe(200);
  });
});

const built = existsSync(MAIN);
const describeBuilt = built ? describe : describe.skip;

describeBuilt('the service process', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('logs JSON lines with the correlation id and no key; on SIGTERM turns ready 503, drains and exits 0', async () => {
    const port = await freePort();
    const app = spawnApp({
      DATABASE_URL: db.url,
      PORT: String(port),
      ADMIN_API_KEY: ADMIN_KEY,
      SHUTDOWN_DELAY_MS: '1500',
      LOG_LEVEL: 'info',
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        async () => ((await fetch(`${base}/health/ready`)).status === 200 ? true : undefined),
        20_000,
        'the service to be ready',
      );
      const refused = await fetch(`${base}/api/v1/api-keys`, {
        headers: { 'x-request-id': 'log-check-1', authorization: 'Bearer amk_secret-never-logged' },
      });
      expect(refused.status).toBe(401);
      await waitFor(
        async () => (app.output().includes('"statusCode":401') ? true : undefined),
        2_000,
        'the request line',
      );
      const lines = app
        .output()
        .split('\n')
        .filter((line) => line.includes('log-check-1'));
      // The security event and the request line, both JSON, both with the correlation id.
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) expect(JSON.parse(line).correlationId).toBe('log-check-1');
      expect(lines.some((line) => JSON.parse(line).route === '/api/v1/api-keys')).toBe(true);
      expect(app.output()).not.toContain('amk_secret-never-logged');

      app.child.kill('SIGTERM');
      const status = await waitFor(
        async () => {
          const response = await fetch(`${base}/health/ready`);
          return response.status === 503 ? response.status : undefined;
        },
        1_500,
        'readiness to turn 503',
      );
      expect(status).toBe(503);
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect(await app.exited).toBe(0);
      expect(app.output()).toContain('SIGTERM received');
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it("a slow statement's log line names its request's correlation id once", async () => {
    const port = await freePort();
    const app = spawnApp({
      DATABASE_URL: db.url,
      PORT: String(port),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      DB_SLOW_QUERY_MS: '100',
    });
    const base = `http://127.0.0.1:${port}`;
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const agent = JSON.stringify({ name: 'Slow', skills: [{ id: 'slow', name: 'Slow' }] });
    const locker = new Client({ connectionString: db.url });
    try {
      await waitFor(
        async () => ((await fetch(`${base}/health/ready`)).status === 200 ? true : undefined),
        20_000,
        'the service to be ready',
      );
      const created = await fetch(`${base}/api/v1/agents`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ id: 'slow-1', ...JSON.parse(agent) }),
      });
      expect(created.status).toBe(201);
      // The agent's row held by another session: the update waits for it, past the threshold.
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM agents WHERE id = 'slow-1' FOR UPDATE`);
      const updating = fetch(`${base}/api/v1/agents/slow-1`, {
        method: 'PUT',
        headers: { ...admin, 'x-request-id': 'slow-check-1' },
        body: agent,
      });
      await new Promise((done) => setTimeout(done, 400));
      await locker.query('COMMIT');
      expect((await updating).status).toBe(200);
      const line = await waitFor(
        async () =>
          app
            .output()
            .split('\n')
            .find(
              (text) => text.includes('slow database statement') && text.includes('slow-check-1'),
            ),
        2_000,
        'the slow statement line',
      );
      // Twice the same key is what log stores such as Elasticsearch refuse a line for.
      expect(line.match(/"correlationId"/g)).toHaveLength(1);
      expect(JSON.parse(line)).toMatchObject({
        correlationId: 'slow-check-1',
        route: '/api/v1/agents/:id',
      });
    } finally {
      await locker.end().catch(() => undefined);
      app.child.kill('SIGKILL');
    }
  });

  const traceless = (output: string) => {
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    expect(output).not.toContain('\u001b['); // no terminal colours
  };

  it('a database that does not exist is named on one line, exit 78, without a stack trace', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/agentmesh_no_such_database';
    const app = spawnApp({ DATABASE_URL: missing.toString() });
    expect(await app.exited).toBe(78);
    const refusal = app
      .output()
      .split('\n')
      .filter((line) => line.includes('agentmesh_no_such_database'));
    // The log's JSON line and, for whoever started it by hand, the same words on stderr.
    expect(refusal.length).toBeGreaterThan(0);
    for (const line of refusal) expect(line).toMatch(/does not exist.*Check DATABASE_URL/);
    traceless(app.output());
  });

  it('a database that does not answer is tried a few times, a line each, then exit 69', async () => {
    const nobody = new URL(db.url);
    nobody.port = String(await freePort());
    const app = spawnApp({ DATABASE_URL: nobody.toString(), LOG_LEVEL: 'info' });
    expect(await app.exited).toBe(69);
    const lines = app
      .output()
      .split('\n')
      .filter((line) => line.includes(`127.0.0.1:${nobody.port}`));
    expect(lines.filter((line) => line.includes('trying again'))).toHaveLength(4);
    expect(lines.at(-1)).toMatch(/does not answer .* after 5 tries/);
    traceless(app.output());
  });

  it('an AUDIT_KEY_FILE that cannot be read is named on one line, exit 78, without a stack trace', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'agentmesh-key-'));
    const notAFolder = join(folder, 'a-file');
    writeFileSync(notAFolder, 'x');
    try {
      const app = spawnApp({ DATABASE_URL: db.url, AUDIT_KEY_FILE: join(notAFolder, 'key.pem') });
      expect(await app.exited).toBe(78);
      expect(app.output()).toMatch(/AUDIT_KEY_FILE .*key\.pem/);
      traceless(app.output());
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it.each([
    ['PORT', 'abc'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['METRICS_ALLOWED_CIDRS', '10.0.0.0/33'],
    ['DATABASE_URL', 'mysql://x'],
    ['WEBHOOK_RETRY_SCHEDULE', '5x'],
  ])('refuses to start when %s=%s, naming the variable', async (name, value) => {
    const app = spawnApp({ DATABASE_URL: db.url, [name]: value });
    expect(await app.exited).not.toBe(0);
    expect(app.output()).toContain(name);
  });
});

if (!built) {
  console.warn(`Skipping process tests: ${MAIN} is missing (run npm run build)`);
}
