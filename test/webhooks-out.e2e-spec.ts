import { Client } from 'pg';
import { requestContext } from '../src/common/context/request-context';
import { uuidv7 } from '../src/common/ids';
import { UnitOfWork } from '../src/database/unit-of-work';
import { EventsService } from '../src/events/events.service';
import { WebhookRetention } from '../src/webhooks/outbound/webhook-retention';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';
import { WebhookReceiver } from './webhooks-out-receiver';

// Attempts at 0, 0.5 s, 1 s, 1 s: four attempts, then dead.
const SCHEDULE = '0,500ms,1s,1s';

describe('outbound webhooks', () => {
  let test: TestApp;
  let receiver: WebhookReceiver;
  let db: Client;
  let admin: { authorization: string };
  let agents: { authorization: string };
  let agentSeq = 0;
  let allEndpointId = '';

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    test = await startTestApp({
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE,
      WEBHOOK_BREAKER_THRESHOLD: '100',
      WEBHOOK_RETENTION: '1s',
    });
    admin = await createKey(test, { scopes: ['webhooks:admin'] });
    agents = await createKey(test, { scopes: ['agents:write'] });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
    await receiver.stop();
  });

  async function endpoint(path: string, extra: Record<string, unknown> = {}) {
    const response = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .send({ url: `${receiver.url}${path}`, eventTypes: ['agent.*'], ...extra });
    expect(response.status).toBe(201);
    const data = response.body.data as { id: string; secret: string };
    receiver.trust(path, data.secret);
    return data;
  }

  /** Registers an agent: one `agent.registered` event, in the request's transaction. */
  async function registerAgent(requestId?: string): Promise<string> {
    const id = `wh-agent-${++agentSeq}`;
    const request = test.http.post('/api/v1/agents').set(agents);
    if (requestId) request.set('x-request-id', requestId);
    const response = await request.send({ id, name: id, skills: [{ name: 'x' }] });
    expect(response.status).toBe(201);
    return id;
  }

  async function eventIdOf(agentId: string): Promise<string> {
    const { rows } = await db.query(
      `SELECT id FROM events WHERE subject_id = $1 AND type = 'agent.registered'`,
      [agentId],
    );
    return rows[0].id as string;
  }

  async function delivery(endpointId: string, eventId: string) {
    const list = await test.http
      .get(`/api/v1/webhooks/deliveries?endpointId=${endpointId}`)
      .set(admin);
    expect(list.status).toBe(200);
    const found = (list.body.data.deliveries as Array<{ id: string; eventId: string }>).find(
      (d) => d.eventId === eventId,
    );
    if (!found) return undefined;
    const detail = await test.http.get(`/api/v1/webhooks/deliveries/${found.id}`).set(admin);
    expect(detail.status).toBe(200);
    return detail.body.data as {
      id: string;
      status: string;
      attemptCount: number;
      attempts: Array<{
        statusCode: number | null;
        responseBody: string | null;
        error: string | null;
        durationMs: number;
      }>;
      payload: { type: string; timestamp: string; data: Record<string, unknown> };
    };
  }

  async function settled(endpointId: string, eventId: string, status: string, ms = 15_000) {
    return waitFor(
      async () => {
        const found = await delivery(endpointId, eventId);
        return found?.status === status ? found : undefined;
      },
      ms,
      `delivery ${status}`,
    );
  }

  it('manages endpoints: secret shown on create only, validated input, audited', async () => {
    const created = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .send({
        url: `${receiver.url}/crud`,
        eventTypes: ['workflow.*', 'agent.offline'],
        description: 'd',
      });
    expect(created.status).toBe(201);
    const { id, secret } = created.body.data;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const bytes = Buffer.from(secret.slice(6), 'base64').length;
    expect(bytes).toBeGreaterThanOrEqual(24);
    expect(bytes).toBeLessThanOrEqual(64);
    expect(created.body.data).toMatchObject({
      enabled: true,
      eventTypes: ['workflow.*', 'agent.offline'],
      breaker: { state: 'closed', consecutiveFailures: 0 },
    });

    const read = await test.http.get(`/api/v1/webhooks/endpoints/${id}`).set(admin);
    expect(read.status).toBe(200);
    expect(read.body.data.secret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(secret.slice(6));
    const listed = await test.http.get('/api/v1/webhooks/endpoints?limit=200').set(admin);
    expect(listed.body.data.endpoints.map((e: { id: string }) => e.id)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));

    const patched = await test.http
      .patch(`/api/v1/webhooks/endpoints/${id}`)
      .set(admin)
      .send({ eventTypes: ['*'], description: null, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      eventTypes: ['*'],
      description: null,
      enabled: false,
      disabledReason: 'manual',
    });

    const given = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const chosen = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .send({ url: `${receiver.url}/chosen`, eventTypes: ['*'], secret: given });
    expect(chosen.status).toBe(201);
    expect(chosen.body.data.secret).toBe(given);

    const bad: Array<[Record<string, unknown>, string]> = [
      [{ url: 'ftp://example.com/x', eventTypes: ['*'] }, 'url'],
      [{ url: 'not a url', eventTypes: ['*'] }, 'url'],
      [{ url: `${receiver.url}/x`, eventTypes: [] }, 'eventTypes'],
      [{ url: `${receiver.url}/x`, eventTypes: ['Agent.*'] }, 'eventTypes'],
      [{ url: `${receiver.url}/x`, eventTypes: ['agent.*.x'] }, 'eventTypes'],
      [{ url: `${receiver.url}/x`, eventTypes: ['*'], secret: 'whsec_short' }, 'secret'],
      [{ url: `${receiver.url}/x`, eventTypes: ['*'], secret: 'nope' }, 'secret'],
      [{ url: `${receiver.url}/x`, eventTypes: ['*'], extra: 1 }, 'extra'],
      [{ eventTypes: ['*'] }, 'url'],
    ];
    for (const [body, field] of bad) {
      const response = await test.http.post('/api/v1/webhooks/endpoints').set(admin).send(body);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expect(JSON.stringify(response.body.errors)).toContain(field);
    }
    expect(
      (
        await test.http
          .patch(`/api/v1/webhooks/endpoints/${id}`)
          .set(admin)
          .send({ enabled: 'yes' })
      ).status,
    ).toBe(400);
    expect((await test.http.get('/api/v1/webhooks/endpoints/nope').set(admin)).status).toBe(404);
    expect(
      (
        await test.http
          .get('/api/v1/webhooks/endpoints/018f0000-0000-7000-8000-000000000000')
          .set(admin)
      ).status,
    ).toBe(404);
    expect((await test.http.get('/api/v1/webhooks/deliveries?status=lost').set(admin)).status).toBe(
      400,
    );
    expect(
      (await test.http.get('/api/v1/webhooks/deliveries?endpointId=x').set(admin)).status,
    ).toBe(400);
    expect((await test.http.get('/api/v1/webhooks/deliveries?cursor=zzz').set(admin)).status).toBe(
      400,
    );
    expect((await test.http.get('/api/v1/webhooks/endpoints').set(agents)).status).toBe(403);

    expect((await test.http.delete(`/api/v1/webhooks/endpoints/${id}`).set(admin)).status).toBe(
      204,
    );
    expect((await test.http.get(`/api/v1/webhooks/endpoints/${id}`).set(admin)).status).toBe(404);
    const { rows } = await db.query(
      `SELECT action FROM audit_entries WHERE resource_type = 'webhook_endpoint' AND resource_id = $1
        ORDER BY occurred_at`,
      [id],
    );
    expect(rows.map((row) => row.action)).toEqual([
      'webhook_endpoint.create',
      'webhook_endpoint.update',
      'webhook_endpoint.delete',
    ]);
    const audited = await db.query(
      `SELECT 1 FROM audit_entries WHERE resource_id = $1 AND (before::text LIKE $2 OR after::text LIKE $2)`,
      [id, `%${secret.slice(6, 30)}%`],
    );
    expect(audited.rows).toHaveLength(0);
  });

  it('delivers a signed Standard Webhooks request carrying the event id and correlation id', async () => {
    const { id: endpointId } = await endpoint('/ok');
    const agentId = await registerAgent('wh-corr-1');
    const eventId = await eventIdOf(agentId);
    const request = await waitFor(
      async () => receiver.on('/ok').find((r) => r.headers['webhook-id'] === eventId),
      10_000,
      'the webhook',
    );
    expect(request.verifiedBy).toEqual(['/ok']);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/AgentMesh/);
    expect(request.headers['x-request-id']).toBe('wh-corr-1');
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(30);
    const body = JSON.parse(request.body);
    expect(body).toEqual({
      type: 'agent.registered',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: expect.objectContaining({ agentId }),
    });
    const done = await settled(endpointId, eventId, 'succeeded');
    expect(done.attemptCount).toBe(1);
    expect(done.attempts).toEqual([
      expect.objectContaining({ statusCode: 200, responseBody: 'ok', error: null }),
    ]);
    expect(done.payload).toEqual(body);
  });

  it('retries a failure with the same webhook-id until it succeeds, storing every attempt', async () => {
    receiver.script(
      '/flaky',
      { status: 500, body: 'boom' },
      { status: 503, body: 'busy', headers: { 'retry-after': '1' } },
      { status: 200, body: 'fine' },
    );
    const { id: endpointId } = await endpoint('/flaky');
    const eventId = await eventIdOf(await registerAgent());
    const done = await settled(endpointId, eventId, 'succeeded');
    expect(done.attempts.map((a) => [a.statusCode, a.responseBody])).toEqual([
      [500, 'boom'],
      [503, 'busy'],
      [200, 'fine'],
    ]);
    const requests = receiver.on('/flaky');
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId, eventId]);
    expect(requests.every((r) => r.verifiedBy.includes('/flaky'))).toBe(true);
    // Retry-After: 1 (s) on the 503 is longer than the scheduled 1 s ± 20% at most by jitter.
    expect(requests[2].at - requests[1].at).toBeGreaterThanOrEqual(950);
  });

  it('retries a dead delivery once when asked several times at once: one entry, one event', async () => {
    receiver.script('/down-once', { status: 500, body: 'down' });
    const { id: endpointId } = await endpoint('/down-once');
    const dead = await settled(endpointId, await eventIdOf(await registerAgent()), 'dead');
    // The send the first retry makes is held open: on a busy machine it could otherwise fail
    // and be scheduled again between two of the requests, and a retry of that (pending, not
    // due) delivery rightly makes it due again and says so.
    receiver.script('/down-once', { status: 0 });
    // Asked again while it is due (or being sent): nothing changes, so nothing is recorded.
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        test.http.post(`/api/v1/webhooks/deliveries/${dead.id}/retry`).set(admin),
      ),
    );
    expect(answers.filter((answer) => answer.status === 202).length).toBeGreaterThanOrEqual(1);
    expect(answers.every((answer) => [202, 409].includes(answer.status))).toBe(true);
    const { rows: entries } = await db.query(
      `SELECT before, after FROM audit_entries
        WHERE action = 'webhook_delivery.retry' AND resource_id = $1`,
      [dead.id],
    );
    expect(entries).toEqual([{ before: { status: 'dead' }, after: { status: 'pending' } }]);
    const { rows: events } = await db.query(
      `SELECT 1 FROM events WHERE type = 'webhook.delivery.retried' AND data->>'deliveryId' = $1`,
      [dead.id],
    );
    expect(events).toHaveLength(1);
    receiver.release('/down-once', { status: 200 });
  });

  it('endpoints deleted while an event is fanned out are left out: the event is not failed', async () => {
    // Other transactions hold two endpoints (as a DELETE does) while the dispatcher fans an
    // event out, and delete them one after the other, each once the dispatcher waits for it:
    // its batch, then its event alone, must not insert deliveries for endpoints gone.
    const { id: kept } = await endpoint('/fan-kept');
    const holders = new Map<number, { client: Client; endpointId: string }>();
    for (const path of ['/fan-going-1', '/fan-going-2']) {
      const { id } = await endpoint(path);
      const client = new Client({ connectionString: test.db.url });
      await client.connect();
      await client.query('BEGIN');
      await client.query(`SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, [id]);
      holders.set((client as unknown as { processID: number }).processID, {
        client,
        endpointId: id,
      });
    }
    let eventId: string;
    try {
      eventId = await eventIdOf(await registerAgent());
      while (holders.size > 0) {
        const blocker = await waitFor(
          async () => {
            const { rows } = await db.query<{ blockers: number[] }>(
              `SELECT pg_blocking_pids(pid) AS blockers FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return rows.flatMap((row) => row.blockers).find((pid) => holders.has(pid));
          },
          5_000,
          'the fan-out to wait for an endpoint',
        );
        const { client, endpointId } = holders.get(blocker)!;
        holders.delete(blocker);
        await client.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [endpointId]);
        await client.query('COMMIT');
        await client.end();
      }
    } finally {
      for (const { client } of holders.values()) await client.query('ROLLBACK');
      await Promise.all([...holders.values()].map(({ client }) => client.end()));
    }
    await settled(kept, eventId, 'succeeded');
    const { rows } = await db.query(
      `SELECT dispatch_attempts AS attempts, dispatch_error AS error FROM events WHERE id = $1`,
      [eventId],
    );
    expect(rows).toEqual([{ attempts: 0, error: null }]);
  });

  it('a retry that waited for another to commit sees the delivery due: nothing recorded', async () => {
    // Two retries at once: the one that began first can get the row second. It must judge
    // "due" by the time it got the row, not by when its transaction began, or it takes the
    // other's fresh "due now" for a future schedule and records a change that is none.
    receiver.script('/waited', { status: 500, body: 'down' });
    const { id: endpointId } = await endpoint('/waited');
    const dead = await settled(endpointId, await eventIdOf(await registerAgent()), 'dead');
    receiver.script('/waited', { status: 0 });
    const other = new Client({ connectionString: test.db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM webhook_deliveries WHERE id = $1 FOR UPDATE`, [dead.id]);
      const started = test.http
        .post(`/api/v1/webhooks/deliveries/${dead.id}/retry`)
        .set(admin)
        .then((answer) => answer);
      await waitFor(
        async () => {
          const { rows } = await db.query(
            `SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%FROM webhook_deliveries d JOIN webhook_endpoints%'`,
          );
          return rows.length > 0 ? true : undefined;
        },
        5_000,
        'the retry to wait for the row',
      );
      // What another retry does, committed while this one waits (its clock is now later).
      await other.query(
        `UPDATE webhook_deliveries
            SET status = 'pending', max_attempts = attempts + 1,
                next_attempt_at = clock_timestamp(), updated_at = clock_timestamp()
          WHERE id = $1`,
        [dead.id],
      );
      await other.query('COMMIT');
      const answer = await started;
      expect([202, 409]).toContain(answer.status);
    } finally {
      await other.end();
    }
    const { rows: entries } = await db.query(
      `SELECT before, after FROM audit_entries
        WHERE action = 'webhook_delivery.retry' AND resource_id = $1`,
      [dead.id],
    );
    expect(entries).toEqual([]);
    receiver.release('/waited', { status: 200 });
  });

  it('gives up after the schedule (dead), then a manual retry and recover send it again', async () => {
    receiver.script('/down', { status: 500, body: 'down' });
    const { id: endpointId } = await endpoint('/down');
    const first = await eventIdOf(await registerAgent());
    const second = await eventIdOf(await registerAgent());
    const dead = await settled(endpointId, first, 'dead');
    expect(dead.attemptCount).toBe(4);
    expect(dead.attempts).toHaveLength(4);
    await settled(endpointId, second, 'dead');
    expect(receiver.on('/down').filter((r) => r.headers['webhook-id'] === first)).toHaveLength(4);

    receiver.script('/down', { status: 204 });
    const retried = await test.http.post(`/api/v1/webhooks/deliveries/${dead.id}/retry`).set(admin);
    expect(retried.status).toBe(202);
    expect(retried.body.data.status).toBe('pending');
    const back = await settled(endpointId, first, 'succeeded');
    expect(back.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 500, 204]);

    const since = new Date(Date.now() - 60_000).toISOString();
    const recovered = await test.http
      .post(`/api/v1/webhooks/endpoints/${endpointId}/recover`)
      .set(admin)
      .send({ since });
    expect(recovered.status).toBe(200);
    expect(recovered.body.data).toEqual({ requeued: 1 });
    await settled(endpointId, second, 'succeeded');

    const future = await test.http
      .post(`/api/v1/webhooks/endpoints/${endpointId}/recover`)
      .set(admin)
      .send({ since: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future.status).toBe(400);
    const garbage = await test.http
      .post(`/api/v1/webhooks/endpoints/${endpointId}/recover`)
      .set(admin)
      .send({ since: 'yesterday' });
    expect(garbage.status).toBe(400);
    const { rows } = await db.query(
      `SELECT action FROM audit_entries
        WHERE (action = 'webhook_delivery.retry' AND resource_id = $1)
           OR (action = 'webhook_endpoint.recover' AND resource_id = $2)
        ORDER BY occurred_at`,
      [dead.id, endpointId],
    );
    expect(rows.map((row) => row.action)).toEqual([
      'webhook_delivery.retry',
      'webhook_endpoint.recover',
    ]);
  });

  it('recovers only the deliveries of a from/until window, refusing one the wrong way round', async () => {
    receiver.script('/window', { status: 500, body: 'down' });
    const { id: endpointId } = await endpoint('/window');
    const since = new Date(Date.now() - 1_000).toISOString();
    const early = await eventIdOf(await registerAgent());
    await settled(endpointId, early, 'dead');
    const until = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await eventIdOf(await registerAgent());
    await settled(endpointId, late, 'dead');

    const recover = (body: Record<string, string>) =>
      test.http.post(`/api/v1/webhooks/endpoints/${endpointId}/recover`).set(admin).send(body);
    for (const wrong of [until, new Date(Date.parse(since) - 60_000).toISOString()]) {
      const refused = await recover({ since: until, until: wrong });
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.body.errors).toEqual([{ field: 'until', message: 'must be after since' }]);
    }
    expect((await recover({ since, until: 'tomorrow' })).status).toBe(400);
    expect((await delivery(endpointId, early))?.status).toBe('dead');

    receiver.script('/window', { status: 204 });
    const recovered = await recover({ since, until });
    expect(recovered.status).toBe(200);
    expect(recovered.body.data).toEqual({ requeued: 1 });
    await settled(endpointId, early, 'succeeded');
    expect((await delivery(endpointId, late))?.status).toBe('dead');
  });

  it('keeps the first 16 KiB of an answer, and does not follow redirects', async () => {
    receiver.script('/big', { status: 200, body: 'a\u0000' + 'x'.repeat(40_000) });
    receiver.script('/moved', { status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    const big = await endpoint('/big');
    const moved = await endpoint('/moved');
    const eventId = await eventIdOf(await registerAgent());
    const done = await settled(big.id, eventId, 'succeeded');
    expect(done.attempts[0].responseBody).toHaveLength(16 * 1024 - 1);
    expect(done.attempts[0].responseBody!.startsWith('axxx')).toBe(true);
    const redirected = await waitFor(
      async () => {
        const found = await delivery(moved.id, eventId);
        return found && found.attemptCount > 0 ? found : undefined;
      },
      10_000,
      'the redirected attempt',
    );
    expect(redirected.status).not.toBe('succeeded');
    expect(redirected.attempts[0].statusCode).toBe(302);
    expect(receiver.on('/elsewhere')).toHaveLength(0);
    // No more attempts against it in this suite.
    await test.http
      .patch(`/api/v1/webhooks/endpoints/${moved.id}`)
      .set(admin)
      .send({ enabled: false });
  });

  it('signs with both secrets during the rotation overlap', async () => {
    const { id: endpointId, secret: old } = await endpoint('/rotating');
    const rotated = await test.http
      .post(`/api/v1/webhooks/endpoints/${endpointId}/rotate-secret`)
      .set(admin)
      .send({});
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.data.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    expect(Date.parse(rotated.body.data.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(
      23.9 * 3_600_000,
    );
    receiver.trust('/rotating', fresh);
    receiver.trust('old', old);
    const eventId = await eventIdOf(await registerAgent());
    const request = await waitFor(
      async () => receiver.on('/rotating').find((r) => r.headers['webhook-id'] === eventId),
      10_000,
      'the webhook',
    );
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(request.verifiedBy.sort()).toEqual(['/rotating', 'old'].sort());
    const again = await test.http
      .post(`/api/v1/webhooks/endpoints/${endpointId}/rotate-secret`)
      .set(admin)
      .send({ secret: 'whsec_tooshort' });
    expect(again.status).toBe(400);
  });

  it('a second rotation within the overlap keeps the first old secret signing until its own end', async () => {
    // The first rotation promised the old secret 24 hours of signing; a second rotation an
    // hour later must not cut that short (a receiver may still be switching over).
    const { id, secret: first } = await endpoint('/rotating-twice');
    const rotate = () =>
      test.http.post(`/api/v1/webhooks/endpoints/${id}/rotate-secret`).set(admin).send({});
    const second = (await rotate()).body.data.secret as string;
    const again = await rotate();
    expect(again.status).toBe(200);
    const third = again.body.data.secret as string;
    expect(again.body.data.olderSecretsExpireAt).toEqual([expect.any(String)]);
    expect(Date.parse(again.body.data.olderSecretsExpireAt[0]) - Date.now()).toBeGreaterThan(
      23.9 * 3_600_000,
    );
    receiver.trust('/rotating-twice', third);
    receiver.trust('second of two', second);
    receiver.trust('first of two', first);
    const eventId = await eventIdOf(await registerAgent());
    const request = await waitFor(
      async () => receiver.on('/rotating-twice').find((r) => r.headers['webhook-id'] === eventId),
      10_000,
      'the webhook',
    );
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(3);
    expect(request.verifiedBy.sort()).toEqual(
      ['/rotating-twice', 'first of two', 'second of two'].sort(),
    );
    // Ten secrets sign at most: the current one and nine still in their overlap.
    for (let i = 3; i < 10; i += 1) expect((await rotate()).status).toBe(200);
    const refused = await rotate();
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.body.type).toMatch(/too-many-secrets$/);
    expect(refused.body.detail).toMatch(/10 secrets/);
    const read = await test.http.get(`/api/v1/webhooks/endpoints/${id}`).set(admin);
    expect(read.body.data.olderSecretsExpireAt).toHaveLength(8);
    await test.http.delete(`/api/v1/webhooks/endpoints/${id}`).set(admin).expect(204);
  });

  it('answers that carry a secret are never cached: create, rotate and their replays', async () => {
    const created = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .set('idempotency-key', 'no-store-create')
      .send({ url: `${receiver.url}/no-store`, eventTypes: ['agent.*'] });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const replayed = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .set('idempotency-key', 'no-store-create')
      .send({ url: `${receiver.url}/no-store`, eventTypes: ['agent.*'] });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body.data.secret).toBe(created.body.data.secret);
    expect(replayed.headers['cache-control']).toBe('no-store');
    const id = created.body.data.id as string;
    const rotated = await test.http
      .post(`/api/v1/webhooks/endpoints/${id}/rotate-secret`)
      .set(admin)
      .send({});
    expect(rotated.status).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    await test.http.delete(`/api/v1/webhooks/endpoints/${id}`).set(admin).expect(204);
  });

  it('a 410 disables the endpoint with a webhook.endpoint.disabled event and an audit entry', async () => {
    receiver.script('/gone', { status: 410, body: 'gone' });
    const { id: endpointId } = await endpoint('/gone');
    const eventId = await eventIdOf(await registerAgent());
    const dead = await settled(endpointId, eventId, 'dead');
    expect(dead.attemptCount).toBe(1);
    const read = await test.http.get(`/api/v1/webhooks/endpoints/${endpointId}`).set(admin);
    expect(read.body.data).toMatchObject({ enabled: false, disabledReason: 'gone' });
    const events = await db.query(
      `SELECT data FROM events WHERE type = 'webhook.endpoint.disabled' AND subject_id = $1`,
      [endpointId],
    );
    expect(events.rows).toEqual([{ data: expect.objectContaining({ disabledReason: 'gone' }) }]);
    const audit = await db.query(
      `SELECT actor_type FROM audit_entries WHERE action = 'webhook_endpoint.disable' AND resource_id = $1`,
      [endpointId],
    );
    expect(audit.rows).toEqual([{ actor_type: 'system' }]);
    // Nothing more goes to a disabled endpoint, and a retry says why.
    await registerAgent();
    const retry = await test.http.post(`/api/v1/webhooks/deliveries/${dead.id}/retry`).set(admin);
    expect(retry.status).toBe(409);
    const recover = await test.http
      .post(`/api/v1/webhooks/endpoints/${endpointId}/recover`)
      .set(admin)
      .send({ since: new Date(Date.now() - 60_000).toISOString() });
    expect(recover.status).toBe(409);
    await new Promise((done) => setTimeout(done, 1_000));
    expect(receiver.on('/gone')).toHaveLength(1);
  });

  it.each([
    'http://10.0.0.1/hook',
    'http://167772161/hook',
    'http://0xa.1/hook',
    'http://192.168.0.10/',
    'http://172.16.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://[::ffff:10.0.0.1]/',
    'http://[fe80::1]/',
    'http://[::]/',
    // IPv4-compatible: not the IPv4 loopback WEBHOOK_ALLOWED_CIDRS allows here.
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://[2001:db8::1]/',
    'http://198.18.0.1/',
    'file:///etc/passwd',
    'gopher://example.com/',
  ])('refuses %s with 400 (SSRF)', async (url) => {
    const response = await test.http
      .post('/api/v1/webhooks/endpoints')
      .set(admin)
      .send({ url, eventTypes: ['*'] });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    const ok = await test.http.get('/api/v1/webhooks/endpoints?limit=200').set(admin);
    expect(JSON.stringify(ok.body)).not.toContain(url);
  });

  it('refuses a private URL on PATCH too', async () => {
    const { id } = await endpoint('/patched');
    const response = await test.http
      .patch(`/api/v1/webhooks/endpoints/${id}`)
      .set(admin)
      .send({ url: 'http://169.254.169.254/' });
    expect(response.status).toBe(400);
    const read = await test.http.get(`/api/v1/webhooks/endpoints/${id}`).set(admin);
    expect(read.body.data.url).toBe(`${receiver.url}/patched`);
  });

  it('a rolled-back change sends nothing; events of other tenants and of no tenant match nothing', async () => {
    allEndpointId = (await endpoint('/all', { eventTypes: ['*'] })).id;
    const events = test.app.get(EventsService);
    await expect(
      requestContext.run({ correlationId: 'rb-1', tenantId: 'default' }, () =>
        test.app.get(UnitOfWork).run(async (tx) => {
          await events.emit(tx, {
            type: 'test.rolled_back',
            subject: { type: 't', id: '1' },
            data: {},
          });
          throw new Error('abort');
        }),
      ),
    ).rejects.toThrow('abort');
    await requestContext.run({ correlationId: 'sys-1' }, () =>
      test.app.get(UnitOfWork).run(async (tx) => {
        await events.emit(tx, {
          type: 'test.no_tenant',
          subject: { type: 't', id: '2' },
          data: {},
          tenantId: null,
        });
      }),
    );
    await test.http.post('/api/v1/tenants').set(test.admin).send({ id: 'wh-other', name: 'Other' });
    const other = await createKey(test, {
      scopes: ['agents:write', 'webhooks:admin'],
      tenantId: 'wh-other',
    });
    await test.http
      .post('/api/v1/agents')
      .set({ authorization: other.authorization })
      .send({ id: 'other-agent', name: 'o', skills: [{ name: 'x' }] });
    await requestContext.run({ correlationId: 'after-1', tenantId: 'default' }, () =>
      test.app.get(UnitOfWork).run(async (tx) => {
        await events.emit(tx, { type: 'test.after', subject: { type: 't', id: '3' }, data: {} });
      }),
    );
    await waitFor(
      async () => receiver.on('/all').find((r) => JSON.parse(r.body).type === 'test.after'),
      10_000,
      'the later event',
    );
    const types = receiver.on('/all').map((r) => JSON.parse(r.body).type as string);
    expect(types).not.toContain('test.rolled_back');
    expect(types).not.toContain('test.no_tenant');
    expect(receiver.on('/all').some((r) => r.body.includes('other-agent'))).toBe(false);

    // The other tenant sees none of ours.
    const theirs = { authorization: other.authorization };
    const ours = await test.http.get('/api/v1/webhooks/endpoints?limit=200').set(admin);
    const someId = ours.body.data.endpoints[0].id as string;
    expect((await test.http.get(`/api/v1/webhooks/endpoints/${someId}`).set(theirs)).status).toBe(
      404,
    );
    expect(
      (await test.http.delete(`/api/v1/webhooks/endpoints/${someId}`).set(theirs)).status,
    ).toBe(404);
    const listed = await test.http
      .get(`/api/v1/webhooks/deliveries?endpointId=${someId}`)
      .set(theirs);
    expect(listed.body.data.deliveries).toEqual([]);
    const ourDeliveries = await test.http.get('/api/v1/webhooks/deliveries').set(admin);
    const deliveryId = ourDeliveries.body.data.deliveries[0].id as string;
    expect(
      (await test.http.get(`/api/v1/webhooks/deliveries/${deliveryId}`).set(theirs)).status,
    ).toBe(404);
    expect(
      (await test.http.post(`/api/v1/webhooks/deliveries/${deliveryId}/retry`).set(theirs)).status,
    ).toBe(404);
  });

  it('lists deliveries by status and event type, page by page', async () => {
    const page1 = await test.http
      .get('/api/v1/webhooks/deliveries?status=succeeded&limit=2')
      .set(admin);
    expect(page1.status).toBe(200);
    expect(page1.body.data.deliveries).toHaveLength(2);
    expect(
      page1.body.data.deliveries.every((d: { status: string }) => d.status === 'succeeded'),
    ).toBe(true);
    const page2 = await test.http
      .get(
        `/api/v1/webhooks/deliveries?status=succeeded&limit=2&cursor=${page1.body.meta.nextCursor}`,
      )
      .set(admin);
    expect(page2.body.data.deliveries[0].id < page1.body.data.deliveries[1].id).toBe(true);
    const typed = await test.http
      .get(`/api/v1/webhooks/deliveries?eventType=test.after&endpointId=${allEndpointId}`)
      .set(admin);
    expect(typed.body.data.deliveries.map((d: { eventType: string }) => d.eventType)).toEqual([
      'test.after',
    ]);
  });

  it('exposes delivery metrics', async () => {
    const metrics = await test.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/webhook_deliveries_total\{result="succeeded"\} \d+/);
    expect(metrics.text).toMatch(/webhook_delivery_latency_seconds_count \d+/);
    expect(metrics.text).toMatch(/webhook_queue_depth \d+/);
    expect(metrics.text).toMatch(/webhook_queue_oldest_age_seconds [\d.e+-]+/);
    expect(metrics.text).toMatch(/webhook_deliveries_dead \d+/);
    expect(metrics.text).toMatch(/webhook_endpoints\{state="disabled"\} [1-9]/);
  });

  it('purges finished deliveries, their attempts and dispatched events a partition at a time past the retention', async () => {
    await new Promise((done) => setTimeout(done, 1_100));
    // What this file made is older than the retention (1 s) but its partitions (this month)
    // are not over yet: it stays until they are.
    const count = async () =>
      (
        await db.query<{ d: number; a: number; e: number }>(
          `SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE next_attempt_at IS NULL AND updated_at < now() - interval '1 second') AS d,
                  (SELECT count(*)::int FROM webhook_attempts) AS a,
                  (SELECT count(*)::int FROM events e WHERE e.occurred_at < now() - interval '1 second'
                      AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)) AS e`,
        )
      ).rows[0];
    const recent = await count();
    expect(recent.d).toBeGreaterThan(0);
    expect(recent.a).toBeGreaterThan(0);
    expect(recent.e).toBeGreaterThan(0);
    // The same made last year: a finished delivery with its attempts and its event.
    const lastYear = Date.now() - 365 * 86_400_000;
    const [eventId, deliveryId] = [uuidv7(lastYear), uuidv7(lastYear + 1)];
    // Dispatched: out of the outbox as it commits.
    await db.query('BEGIN');
    await db.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, occurred_at)
       VALUES ($1, 'default', 'agent.offline', 'agent', 'old', '{}', $2)`,
      [eventId, new Date(lastYear)],
    );
    await db.query('DELETE FROM event_outbox WHERE event_id = $1', [eventId]);
    await db.query('COMMIT');
    await db.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, body, occurred_at, created_at)
       VALUES ($1, 'default', 'agent.offline', '{}', $2, $2)`,
      [eventId, new Date(lastYear)],
    );
    await db.query(
      `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, message_id, event_type,
                                       max_attempts, status, updated_at)
       VALUES ($1, 'default', $2, $3, 'agent.offline', 8, 'succeeded', $4)`,
      [deliveryId, allEndpointId, eventId, new Date(lastYear)],
    );
    await db.query(
      `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, duration_ms)
       VALUES ($1, $2, $3, 200, 3), ($4, $2, $3, 200, 3)`,
      [uuidv7(lastYear + 2), deliveryId, new Date(lastYear), uuidv7(lastYear + 3)],
    );

    const purged = await test.app.get(WebhookRetention).purge();
    expect(purged).toMatchObject({ deliveries: 1, messages: 1, events: 1 });
    const gone = await db.query(
      `SELECT (SELECT count(*)::int FROM events WHERE id = $1) AS e,
              (SELECT count(*)::int FROM webhook_messages WHERE id = $1) AS m,
              (SELECT count(*)::int FROM webhook_deliveries WHERE id = $2) AS d,
              (SELECT count(*)::int FROM webhook_attempts WHERE delivery_id = $2) AS a`,
      [eventId, deliveryId],
    );
    expect(gone.rows[0]).toEqual({ e: 0, m: 0, d: 0, a: 0 });
    // Nothing recent went (deliveries still running may have finished since: more, never fewer).
    const after = await count();
    expect(after.d).toBeGreaterThanOrEqual(recent.d);
    expect(after.a).toBeGreaterThanOrEqual(recent.a);
    expect(after.e).toBeGreaterThanOrEqual(recent.e);
  });
});
