import { Client } from 'pg';
import { requestContext } from '../src/common/context/request-context';
import { UnitOfWork } from '../src/database/unit-of-work';
import { EventsService } from '../src/events/events.service';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { freePort, spawnApp, waitFor } from './utils/spawn-app';
import { ADMIN_KEY, createKey, startTestApp, TestApp } from './utils/test-app';
import { WebhookReceiver } from './webhooks-out-receiver';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('outbound webhooks: failing endpoints', () => {
  let test: TestApp;
  let receiver: WebhookReceiver;
  let admin: { authorization: string };
  let db: Client;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    test = await startTestApp({
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms',
      WEBHOOK_BREAKER_THRESHOLD: '2',
      WEBHOOK_BREAKER_COOLDOWN: '2s',
      WEBHOOK_DISABLE_AFTER: '3s',
    });
    admin = await createKey(test, { scopes: ['webhooks:admin'] });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
    await receiver.stop();
  });

  async function endpoint(path: string, eventTypes: string[]): Promise<string> {
    const response = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .send({ url: `${receiver.url}${path}`, eventTypes });
    expect(response.status).toBe(201);
    return response.body.data.id as string;
  }

  async function emit(type: string, count: number): Promise<void> {
    const events = test.app.get(EventsService);
    await requestContext.run({ correlationId: `emit-${type}`, tenantId: 'default' }, () =>
      test.app.get(UnitOfWork).run(async (tx) => {
        for (let i = 0; i < count; i += 1) {
          await events.emit(tx, { type, subject: { type: 't', id: `${type}-${i}` }, data: { i } });
        }
      }),
    );
  }

  it('a hanging endpoint holds only its own lane: a healthy one gets everything at once', async () => {
    receiver.script('/hang', { status: 0 });
    await endpoint('/hang', ['inbound.lane.*']);
    await endpoint('/healthy', ['inbound.lane.*']);
    await emit('inbound.lane.tick', 60);
    await waitFor(
      async () => (receiver.on('/healthy').length >= 60 ? true : undefined),
      10_000,
      'every delivery to the healthy endpoint',
    );
    // The hanging endpoint has a bounded number of sends in flight, not the whole backlog.
    expect(receiver.on('/hang').length).toBeGreaterThan(0);
    expect(receiver.on('/hang').length).toBeLessThanOrEqual(24);
    receiver.script('/hang', { status: 200 });
    receiver.release('/hang', { status: 200 });
    await waitFor(
      async () => (receiver.on('/hang').length >= 60 ? true : undefined),
      15_000,
      'the hanging endpoint to catch up',
    );
  });

  it('sends to a failing endpoint one delivery at a time until one succeeds, then opens its lane', async () => {
    // The first attempt fails; everything after it is held open until released.
    receiver.script('/probed', { status: 500 }, { status: 0 });
    const id = await endpoint('/probed', ['inbound.probe.*']);
    await emit('inbound.probe.first', 1);
    await waitFor(
      async () => {
        const read = await test.http.get(`/api/v1/webhooks/endpoints/${id}`).set(admin);
        return read.body.data.breaker.consecutiveFailures === 1 ? true : undefined;
      },
      5_000,
      'the first failure',
    );
    await emit('inbound.probe.more', 20);
    await waitFor(
      async () => (receiver.on('/probed').length >= 2 ? true : undefined),
      5_000,
      'the probe',
    );
    await sleep(1_000);
    // Failing (below the breaker's threshold): one in flight, not a lane's worth.
    expect(receiver.on('/probed').length).toBe(2);
    receiver.release('/probed', { status: 200 });
    // The success opens the lane: the next ones go out side by side (and are held again).
    await waitFor(
      async () => (receiver.on('/probed').length >= 2 + 8 ? true : undefined),
      5_000,
      'the lane to open',
    );
    receiver.script('/probed', { status: 200 });
    receiver.release('/probed', { status: 200 });
    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_deliveries
            WHERE endpoint_id = $1 AND status = 'succeeded'`,
          [id],
        );
        return rows[0].n === 21 ? true : undefined;
      },
      10_000,
      'every delivery to succeed',
    );
  });

  it('opens the breaker after consecutive failures, defers without burning attempts, probes once, then disables', async () => {
    receiver.script('/failing', { status: 500, body: 'nope' });
    const id = await endpoint('/failing', ['inbound.breaker.*']);
    await emit('inbound.breaker.tick', 5);
    await waitFor(
      async () => (receiver.on('/failing').length >= 5 ? true : undefined),
      5_000,
      'the first wave',
    );
    const open = await waitFor(
      async () => {
        const read = await test.http.get(`/api/v1/webhooks/endpoints/${id}`).set(admin);
        return read.body.data.breaker.state === 'open' ? read.body.data : undefined;
      },
      3_000,
      'the breaker to open',
    );
    expect(open.breaker.consecutiveFailures).toBeGreaterThanOrEqual(2);
    const wave = receiver.on('/failing').length;
    await sleep(1_000);
    // Open: nothing sent, and the deferred deliveries kept their attempt counts.
    expect(receiver.on('/failing').length).toBe(wave);
    const { rows } = await db.query(
      `SELECT attempts FROM webhook_deliveries WHERE endpoint_id = $1`,
      [id],
    );
    expect(rows.map((row) => row.attempts)).toEqual([1, 1, 1, 1, 1]);
    // Half-open after the cool-down: one probe, which fails and opens it again.
    await waitFor(
      async () => (receiver.on('/failing').length > wave ? true : undefined),
      5_000,
      'the probe',
    );
    await sleep(500);
    expect(receiver.on('/failing').length).toBe(wave + 1);
    // Failing past WEBHOOK_DISABLE_AFTER: disabled, with its event.
    const disabled = await waitFor(
      async () => {
        const read = await test.http.get(`/api/v1/webhooks/endpoints/${id}`).set(admin);
        return read.body.data.enabled === false ? read.body.data : undefined;
      },
      10_000,
      'the endpoint to be disabled',
    );
    expect(disabled.disabledReason).toBe('failing');
    const events = await db.query(
      `SELECT data FROM events WHERE type = 'webhook.endpoint.disabled' AND subject_id = $1`,
      [id],
    );
    expect(events.rows).toEqual([{ data: expect.objectContaining({ disabledReason: 'failing' }) }]);
    // Enabling again starts afresh and the deferred deliveries go out.
    receiver.script('/failing', { status: 200 });
    const enabled = await test.http
      .patch(`/api/v1/webhooks/endpoints/${id}`)
      .set(admin)
      .send({ enabled: true });
    expect(enabled.body.data).toMatchObject({
      enabled: true,
      disabledReason: null,
      breaker: { state: 'closed', consecutiveFailures: 0 },
    });
    await waitFor(
      async () => {
        const done = await db.query(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'succeeded'`,
          [id],
        );
        return done.rows[0].n === 5 ? true : undefined;
      },
      10_000,
      'the deferred deliveries',
    );
  });
});

describe('outbound webhooks across a crash (kill -9)', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await receiver.stop();
    await db.drop();
  });

  it('a delivery waiting for its retry and one in flight are both delivered after a restart', async () => {
    const env = {
      DATABASE_URL: db.url,
      ADMIN_API_KEY: ADMIN_KEY,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: '0,3s,3s,3s',
      LOG_LEVEL: 'warn',
    };
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const start = async () => {
      const port = await freePort();
      const app = spawnApp({ ...env, PORT: String(port) });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => ((await fetch(`${base}/health/ready`)).status === 200 ? true : undefined),
        20_000,
        'the service to be ready',
      );
      return { app, base };
    };
    const first = await start();
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${first.base}/api/v1${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { data: { id: string; secret: string } }).data;
    };
    receiver.script('/retrying', { status: 500 }, { status: 200 });
    receiver.script('/inflight', { status: 0 });
    const retrying = await post('/webhooks/endpoints', {
      url: `${receiver.url}/retrying`,
      eventTypes: ['agent.registered'],
    });
    const inflight = await post('/webhooks/endpoints', {
      url: `${receiver.url}/inflight`,
      eventTypes: ['agent.registered'],
    });
    receiver.trust('retrying', retrying.secret);
    receiver.trust('inflight', inflight.secret);
    await post('/agents', { id: 'crash-agent', name: 'c', skills: [{ name: 'x' }] });

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      await waitFor(
        async () => {
          const { rows } = await pg.query(
            `SELECT status FROM webhook_deliveries WHERE endpoint_id = $1`,
            [retrying.id],
          );
          return rows[0]?.status === 'failed' && receiver.on('/inflight').length === 1
            ? true
            : undefined;
        },
        10_000,
        'one delivery failed once and the other in flight',
      );
      first.app.child.kill('SIGKILL');
      await first.app.exited;
      receiver.script('/inflight', { status: 200 });
      receiver.release('/inflight', { status: 200 });

      const second = await start();
      try {
        await waitFor(
          async () => {
            const { rows } = await pg.query(
              `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'succeeded'
                 AND endpoint_id = ANY($1::uuid[])`,
              [[retrying.id, inflight.id]],
            );
            return rows[0].n === 2 ? true : undefined;
          },
          45_000,
          'both deliveries after the restart',
        );
      } finally {
        second.app.child.kill('SIGTERM');
        await second.app.exited;
      }
      const ids = (path: string) => receiver.on(path).map((r) => r.headers['webhook-id']);
      // The same event id on every attempt, each attempt signed.
      expect(new Set(ids('/retrying')).size).toBe(1);
      expect(ids('/retrying')).toHaveLength(2);
      expect(new Set(ids('/inflight')).size).toBe(1);
      expect(ids('/inflight').length).toBeGreaterThanOrEqual(2);
      expect(receiver.on('/retrying').every((r) => r.verifiedBy.includes('retrying'))).toBe(true);
      expect(receiver.on('/inflight').every((r) => r.verifiedBy.includes('inflight'))).toBe(true);
    } finally {
      await pg.end();
    }
  }, 90_000);
});
