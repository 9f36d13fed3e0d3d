import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { UnitOfWork } from '../src/database/unit-of-work';
import type { DomainEvent } from '../src/events/domain-event';
import { DeliveryStore } from '../src/webhooks/outbound/delivery-store';
import {
  adminQuery,
  createTestDatabase,
  databaseName,
  someoneWaitsForALock,
} from './utils/databases';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';
import { WebhookReceiver } from './webhooks-out-receiver';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Until `done` settled or a session waits for a lock: the moment the next step interleaves. */
async function untilSettledOrWaiting(done: Promise<unknown>, db: Client): Promise<void> {
  let settled = false;
  void done.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = Date.now() + 10_000;
  while (!settled && !(await someoneWaitsForALock(db))) {
    if (Date.now() > deadline) throw new Error('neither finished nor waited for a lock');
    await sleep(20);
  }
}

function event(type: string): DomainEvent {
  return {
    id: randomUUID(),
    position: '0',
    tenantId: 'default',
    type,
    occurredAt: new Date(),
    subject: { type: 'test', id: type },
    data: {},
    correlationId: null,
  };
}

describe('outbound webhooks: recording outcomes beside the outbox fan-out', () => {
  let test: TestApp;
  let db: Client;
  let admin: { authorization: string };

  beforeAll(async () => {
    // No workers: this test is the only one claiming, recording and fanning out.
    test = await startTestApp({ WORKERS: 'off', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' });
    admin = await createKey(test, { scopes: ['webhooks:admin'] });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  async function endpoint(eventTypes: string[]): Promise<string> {
    const response = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .send({ url: 'http://127.0.0.1:9/never-called', eventTypes });
    expect(response.status).toBe(201);
    return response.body.data.id as string;
  }

  it('a batch of outcomes and a fan-out touching the same endpoints in opposite orders both commit', async () => {
    const ids = [
      await endpoint(['inbound.dl.both', 'inbound.dl.one']),
      await endpoint(['inbound.dl.both', 'inbound.dl.two']),
    ];
    // Outcomes lock endpoints in id order; the fan-out below references them the other way.
    const [first, second] = [...ids].sort();
    const onlyFirst = first === ids[0] ? 'inbound.dl.one' : 'inbound.dl.two';
    const onlySecond = first === ids[0] ? 'inbound.dl.two' : 'inbound.dl.one';
    const store = test.app.get(DeliveryStore);
    const unitOfWork = test.app.get(UnitOfWork);
    const schedule = [0, 60_000];

    await unitOfWork.run((tx) => store.fanOut(tx, [event('inbound.dl.both')], schedule));
    const claimed = await store.claim({
      busyEndpoints: [],
      perEndpoint: 16,
      total: 10,
      leaseMs: 60_000,
      breakerThreshold: 100,
    });
    expect(claimed.map((d) => d.endpointId).sort()).toEqual([first, second]);

    let holdsSecond!: () => void;
    const secondHeld = new Promise<void>((done) => (holdsSecond = done));
    let goOn!: () => void;
    const proceed = new Promise<void>((done) => (goOn = done));
    // The fan-out: references the second endpoint, then (after the outcomes started) the first.
    const fanOut = unitOfWork.run(async (tx) => {
      await store.fanOut(tx, [event(onlySecond)], schedule);
      holdsSecond();
      await proceed;
      await store.fanOut(tx, [event(onlyFirst)], schedule);
    });
    await secondHeld;
    const recording = unitOfWork.run((tx) =>
      store.record(
        tx,
        claimed.map((delivery) => ({
          delivery,
          attemptedAt: new Date(),
          durationMs: 3,
          statusCode: 500,
          responseBody: 'down',
          error: null,
          outcome: { kind: 'retry' as const, delayMs: 60_000 },
        })),
        { threshold: 100, cooldownMs: 60_000, disableAfterMs: 86_400_000 },
      ),
    );
    await untilSettledOrWaiting(recording, db);
    goOn();

    const [recorded, fannedOut] = await Promise.allSettled([recording, fanOut]);
    expect(recorded).toEqual({ status: 'fulfilled', value: [] });
    expect(fannedOut).toEqual({ status: 'fulfilled', value: undefined });
    const { rows: deliveries } = await db.query(
      `SELECT d.attempts, count(a.id)::int AS stored FROM webhook_deliveries d
         LEFT JOIN webhook_attempts a ON a.delivery_id = d.id
        WHERE d.id = ANY($1::uuid[]) GROUP BY d.id`,
      [claimed.map((d) => d.id)],
    );
    expect(deliveries).toEqual([
      { attempts: 1, stored: 1 },
      { attempts: 1, stored: 1 },
    ]);
    const { rows: endpoints } = await db.query(
      `SELECT consecutive_failures AS failures FROM webhook_endpoints WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(endpoints).toEqual([{ failures: 1 }, { failures: 1 }]);
    const { rows: fanned } = await db.query(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(fanned[0].n).toBe(4);
  });
});

describe('outbound webhooks: a batch of outcomes that loses a deadlock', () => {
  let test: TestApp;
  let receiver: WebhookReceiver;
  let db: Client;
  let admin: { authorization: string };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    const database = await createTestDatabase();
    // Time for the test's session to join the cycle before the worker's session looks for one
    // (the session that looks first, after waiting this long, is the one rolled back).
    await adminQuery(
      database.url,
      `ALTER DATABASE "${databaseName(database.url)}" SET deadlock_timeout = '3s'`,
    );
    const started = await startTestApp(
      { WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE: '0,1s' },
      { db: database },
    );
    test = { ...started, close: async () => (await started.close(), await database.drop()) };
    admin = await createKey(test, { scopes: ['webhooks:admin'] });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
    await receiver.stop();
  });

  it('is written again, not lost to an expiring lease and a second send', async () => {
    receiver.script('/held', { status: 0 });
    const created = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .send({ url: `${receiver.url}/held`, eventTypes: ['agent.*'] });
    expect(created.status).toBe(201);
    const endpointId = created.body.data.id as string;
    const agents = await createKey(test, { scopes: ['agents:write'] });
    const registered = await test.http
      .post('/api/v1/agents')
      .set(agents)
      .send({ id: 'deadlock-agent', name: 'd', skills: [{ name: 'x' }] });
    expect(registered.status).toBe(201);
    await waitFor(
      async () => (receiver.on('/held').length === 1 ? true : undefined),
      10_000,
      'the webhook to be sent',
    );
    const {
      rows: [{ id: deliveryId }],
    } = await db.query(`SELECT id FROM webhook_deliveries WHERE endpoint_id = $1`, [endpointId]);

    // Another transaction holds the delivery row; the worker's batch locks the endpoint, then
    // waits for the delivery; the other transaction then wants the endpoint: a deadlock, which
    // PostgreSQL breaks by rolling the worker's batch back (it waited first).
    const other = new Client({ connectionString: test.db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SET LOCAL deadlock_timeout = '30s'`);
      await other.query(`SELECT 1 FROM webhook_deliveries WHERE id = $1 FOR UPDATE`, [deliveryId]);
      receiver.release('/held', { status: 200, body: 'ok' });
      await waitFor(
        async () => ((await someoneWaitsForALock(db)) ? true : undefined),
        10_000,
        'the batch to wait for the delivery row',
      );
      await other.query(`UPDATE webhook_endpoints SET updated_at = now() WHERE id = $1`, [
        endpointId,
      ]);
      await other.query('COMMIT');
    } finally {
      await other.end();
    }

    // Retried at once: recorded well before the 20 s lease would send it again.
    const recorded = await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT d.status, d.attempts, d.leased_until, count(a.id)::int AS stored
             FROM webhook_deliveries d LEFT JOIN webhook_attempts a ON a.delivery_id = d.id
            WHERE d.id = $1 GROUP BY d.id`,
          [deliveryId],
        );
        return rows[0]?.status === 'succeeded' ? rows[0] : undefined;
      },
      8_000,
      'the outcome to be recorded',
    );
    expect(recorded).toEqual({ status: 'succeeded', attempts: 1, leased_until: null, stored: 1 });
    expect(receiver.on('/held')).toHaveLength(1);
    // The deadlock did happen (the other transaction committed: the batch was the one rolled
    // back), so the write above is the batch's second run. (Statistics arrive within a second.)
    await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`,
        );
        return Number(rows[0].deadlocks) === 1 ? true : undefined;
      },
      5_000,
      'the deadlock in the statistics',
    );
  });
});
