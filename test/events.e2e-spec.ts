import { Client } from 'pg';
import { DomainEvent } from '../src/events/domain-event';
import { EventDispatcher } from '../src/events/event-dispatcher';
import { EventsService } from '../src/events/events.service';
import { UnitOfWork } from '../src/database/unit-of-work';
import { requestContext } from '../src/common/context/request-context';
import { uuidv7 } from '../src/common/ids';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

describe('domain events (outbox)', () => {
  let test: TestApp;
  let writer: { authorization: string };
  let db: Client;
  const seen: DomainEvent[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    test = await startTestApp();
    // A real handler on the real dispatcher: it sees what every module's handlers see.
    test.app.get(EventDispatcher).subscribe({
      name: 'test-recorder',
      types: ['agent.*', 'test.*'],
      handle: async (_tx, events) => {
        if (events.some((event) => event.type === 'test.flaky') && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('flaky handler');
        }
        seen.push(...events);
      },
    });
    writer = {
      authorization: (await createKey(test, { scopes: ['agents:write', 'agents:read'] }))
        .authorization,
    };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('writes the event with the change, with the request correlation id, and dispatches it once', async () => {
    const response = await test.http
      .post('/api/v1/agents')
      .set(writer)
      .set('x-request-id', 'events-corr-1')
      .send({ id: 'ev-agent', name: 'Ev', skills: [{ name: 'x' }] });
    expect(response.status).toBe(201);
    const { rows } = await db.query(
      `SELECT type, tenant_id, subject_type, subject_id, correlation_id, data FROM events
        WHERE subject_id = 'ev-agent'`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'agent.registered',
        tenant_id: 'default',
        subject_type: 'agent',
        correlation_id: 'events-corr-1',
        data: expect.objectContaining({ agentId: 'ev-agent' }),
      }),
    ]);
    // The handler runs inside the dispatching transaction: wait for its commit.
    await waitFor(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM events e WHERE e.subject_id = 'ev-agent'
                AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)`,
          )
        ).rows[0],
      5_000,
      'dispatch',
    );
    expect(seen.filter((event) => event.subject.id === 'ev-agent')).toHaveLength(1);
  });

  it('a status change by heartbeat is an event; a beat that changes nothing is not', async () => {
    await test.http
      .post('/api/v1/agents')
      .set(writer)
      .send({ id: 'beater', name: 'B', skills: [{ name: 'x' }] });
    for (const status of ['healthy', 'healthy', 'draining', 'draining', 'healthy']) {
      const beat = await test.http
        .post('/api/v1/agents/beater/heartbeat')
        .set(writer)
        .send({ status });
      expect(beat.status).toBe(200);
    }
    const { rows } = await db.query(
      `SELECT type, data FROM events WHERE subject_id = 'beater' ORDER BY position`,
    );
    expect(rows.map((row) => [row.type, row.data.after?.status ?? null])).toEqual([
      ['agent.registered', 'online'],
      ['agent.status_changed', 'draining'],
      ['agent.online', 'online'],
    ]);
    const missing = await test.http
      .post('/api/v1/agents/nobody/heartbeat')
      .set(writer)
      .send({ status: 'degraded' });
    expect(missing.status).toBe(404);
  });

  it('a rolled-back change leaves no event', async () => {
    const events = test.app.get(EventsService);
    await expect(
      requestContext.run({ correlationId: 'rollback-1', tenantId: 'default' }, () =>
        test.app.get(UnitOfWork).run(async (tx) => {
          await events.emit(tx, {
            type: 'test.rolled_back',
            subject: { type: 'test', id: 'rb' },
            data: {},
          });
          throw new Error('abort');
        }),
      ),
    ).rejects.toThrow('abort');
    const { rows } = await db.query(`SELECT 1 FROM events WHERE type = 'test.rolled_back'`);
    expect(rows).toHaveLength(0);
  });

  it('a failing handler is retried with backoff without blocking the events behind it', async () => {
    // Fails in its batch, then alone: then it is backed off and the next event goes first.
    failuresLeft = 2;
    const events = test.app.get(EventsService);
    await requestContext.run({ correlationId: 'flaky-1', tenantId: 'default' }, () =>
      test.app.get(UnitOfWork).run(async (tx) => {
        await events.emit(tx, { type: 'test.flaky', subject: { type: 'test', id: 'f' }, data: {} });
      }),
    );
    await requestContext.run({ correlationId: 'after-1', tenantId: 'default' }, () =>
      test.app.get(UnitOfWork).run(async (tx) => {
        await events.emit(tx, { type: 'test.after', subject: { type: 'test', id: 'a' }, data: {} });
      }),
    );
    await waitFor(
      async () => seen.some((event) => event.type === 'test.after') || undefined,
      5_000,
      'dispatch',
    );
    const { rows } = await db.query(
      `SELECT dispatch_attempts, dispatch_error FROM events WHERE type = 'test.flaky'`,
    );
    expect(rows[0]).toMatchObject({ dispatch_attempts: 1 });
    expect(rows[0].dispatch_error).toContain('flaky handler');
    // Backoff of 1 s, then it goes through.
    await waitFor(
      async () => seen.some((event) => event.type === 'test.flaky') || undefined,
      10_000,
      'dispatch',
    );
  });

  it('an event whose handler hits a statement timeout is backed off, not retried first forever', async () => {
    let stuck = true;
    let stuckRuns = 0;
    const handled: string[] = [];
    test.app.get(EventDispatcher).subscribe({
      name: 'test-stuck',
      types: ['stuck.*'],
      handle: async (tx, events) => {
        if (stuck && events.some((event) => event.type === 'stuck.slow')) {
          stuckRuns += 1;
          // A real statement timeout (57014), as a handler's heavy query would hit.
          await tx.manager.query(`SET LOCAL statement_timeout = '10ms'`);
          await tx.manager.query('SELECT pg_sleep(1)');
        }
        handled.push(...events.map((event) => event.type));
      },
    });
    const events = test.app.get(EventsService);
    const emit = (type: string) =>
      requestContext.run({ correlationId: `stuck-${type}`, tenantId: 'default' }, () =>
        test.app.get(UnitOfWork).run(async (tx) => {
          await events.emit(tx, { type, subject: { type: 'test', id: type }, data: {} });
        }),
      );
    await emit('stuck.slow');
    for (let i = 0; i < 3; i += 1) await emit('stuck.behind');
    await waitFor(
      async () => handled.filter((type) => type === 'stuck.behind').length === 3 || undefined,
      8_000,
      'the events behind the stuck one',
    );
    // Backed off and tried again, never set aside: a timeout is not the event's fault.
    await waitFor(async () => stuckRuns >= 3 || undefined, 15_000, 'the stuck event again');
    // Deferred to a later time (a backoff), its attempts untouched.
    const deferred = await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT e.dispatch_attempts, e.dispatch_error FROM events e
             JOIN event_outbox o ON o.event_id = e.id
            WHERE e.type = 'stuck.slow' AND o.next_dispatch_at > now()`,
        );
        return rows[0] as Record<string, unknown> | undefined;
      },
      5_000,
      'the stuck event to be deferred',
    );
    expect(deferred).toMatchObject({ dispatch_attempts: 0 });
    expect(deferred.dispatch_error).toMatch(/statement timeout/);
    stuck = false;
    await waitFor(
      async () => handled.includes('stuck.slow') || undefined,
      20_000,
      'the stuck event once the database answers in time',
    );
    // The handler runs inside the dispatching transaction: wait for its commit.
    const after = await waitFor(
      async () =>
        (
          await db.query(
            `SELECT e.dispatch_attempts FROM events e
              WHERE e.type = 'stuck.slow'
                AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)`,
          )
        ).rows[0] as Record<string, unknown> | undefined,
      5_000,
      'the stuck event to be marked dispatched',
    );
    expect(after.dispatch_attempts).toBe(0);
  });

  it('an event whose handler fails its last attempt is set aside: out of the outbox, its attempts and error kept', async () => {
    const handled: string[] = [];
    test.app.get(EventDispatcher).subscribe({
      name: 'test-doomed',
      types: ['doomed.*'],
      handle: async (_tx, events) => {
        if (events.some((event) => event.type === 'doomed.always')) throw new Error('never works');
        handled.push(...events.map((event) => event.type));
      },
    });
    // Nine failures already behind it (the tenth is its last attempt), and one event after it.
    const [doomed, behind] = [uuidv7(), uuidv7()];
    await db.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, dispatch_attempts)
       VALUES ($1, 'default', 'doomed.always', 'test', 'd', '{}', 9),
              ($2, 'default', 'doomed.behind', 'test', 'd', '{}', 0)`,
      [doomed, behind],
    );
    await waitFor(async () => handled.includes('doomed.behind') || undefined, 8_000, 'behind');
    const row = await waitFor(
      async () =>
        (
          await db.query<{ dispatch_attempts: number; dispatch_error: string; waiting: boolean }>(
            `SELECT e.dispatch_attempts, e.dispatch_error,
                    EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id) AS waiting
               FROM events e WHERE e.id = $1 AND e.dispatch_attempts = 10`,
            [doomed],
          )
        ).rows[0],
      8_000,
      'the doomed event set aside',
    );
    expect(row).toMatchObject({ dispatch_attempts: 10, waiting: false });
    expect(row.dispatch_error).toContain('never works');
    expect(handled).not.toContain('doomed.always');
  });

  it('an outbox entry whose event was deleted by hand is taken out, not kept waiting', async () => {
    await db.query(`INSERT INTO event_outbox (position, event_id) VALUES (-42, $1)`, [uuidv7()]);
    await waitFor(
      async () =>
        (await db.query(`SELECT 1 FROM event_outbox WHERE position = -42`)).rowCount === 0 ||
        undefined,
      5_000,
      'the orphan entry taken out',
    );
  });
});
