import { Client } from 'pg';
import { requestHash } from '../src/common/idempotency/idempotency.interceptor';
import { IdempotencyPurger } from '../src/common/idempotency/idempotency.module';
import { IdempotencyStore } from '../src/common/idempotency/idempotency.store';
import { createTestDatabase } from './utils/databases';
import { TcpProxy } from './utils/tcp-proxy';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Idempotency-Key', () => {
  let test: TestApp;
  let writer: { authorization: string };
  let writerId: string;
  let db: Client;

  const start = (key: string | undefined, body: Json, headers = writer) => {
    const request = test.http.post('/api/v1/workflows').set(headers);
    if (key !== undefined) void request.set('Idempotency-Key', key);
    return request.send(body);
  };
  const runCount = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM workflow_runs')).rows[0].n;
  const inline = { type: 'idem', steps: [{ key: 'a', skill: 'x' }] };

  beforeAll(async () => {
    test = await startTestApp();
    const created = await createKey(test, { scopes: ['workflows:write', 'workflows:read'] });
    writer = { authorization: created.authorization };
    writerId = created.id;
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('a repeat with the same key and body answers the first response, once', async () => {
    const first = await start('key-1', inline);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const count = await runCount();
    const again = await start('key-1', inline);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await runCount()).toBe(count);
    // Without a key every POST is new.
    expect((await start(undefined, inline)).body.data.id).not.toBe(first.body.data.id);
  });

  it('the same key with another body is 422; a malformed key 400', async () => {
    await start('key-2', inline);
    const other = await start('key-2', { ...inline, priority: 3 });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ status: 422 });
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect((await start('x'.repeat(256), inline)).status).toBe(400);
    expect((await start('', inline)).status).toBe(400);
  });

  it('a replay answers only the key that made the request: another key of the tenant gets 422', async () => {
    const first = await start('key-6', inline);
    expect(first.status).toBe(201);
    const count = await runCount();
    // A key that may make the same request (or one that may only guess the key: a route that
    // checks more in its handler, as approvals do, would be answered without that check).
    const another = {
      authorization: (await createKey(test, { scopes: ['workflows:write'] })).authorization,
    };
    const theirs = await start('key-6', inline, another);
    expect(theirs.status).toBe(422);
    expect(theirs.body.type).toBe('urn:agentmesh:problem:idempotency-key-reused');
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(JSON.stringify(theirs.body)).not.toContain(first.body.data.id);
    expect(await runCount()).toBe(count);
    const mine = await start('key-6', inline);
    expect([mine.status, mine.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(mine.body).toEqual(first.body);
  });

  it('a request still in flight with the key answers 409', async () => {
    // The reservation a first request holds while it runs, made through the real store.
    const store = test.app.get(IdempotencyStore);
    const hash = requestHash('POST', '/api/v1/workflows', inline, writerId);
    expect(await store.reserve('default', 'key-3', hash)).toMatchObject({ kind: 'reserved' });
    const count = await runCount();
    expect((await start('key-3', inline)).status).toBe(409);
    expect(await runCount()).toBe(count);
  });

  it('a release frees only the reservation it was made for', async () => {
    const store = test.app.get(IdempotencyStore);
    const hash = requestHash('POST', '/api/v1/workflows', inline, writerId);
    const first = await store.reserve('default', 'key-3b', hash);
    expect(first).toMatchObject({ kind: 'reserved' });
    const { lockedAt } = first as { lockedAt: string };
    // Another reservation's release (sent again after its answer was lost) leaves this one.
    await store.release('default', 'key-3b', '2000-01-01T00:00:00Z');
    expect(await store.reserve('default', 'key-3b', hash)).toEqual({ kind: 'in_flight' });
    await store.release('default', 'key-3b', lockedAt);
    expect(await store.reserve('default', 'key-3b', hash)).toMatchObject({ kind: 'reserved' });
  });

  it('a failed request keeps nothing: the key can be used again', async () => {
    const bad = await start('key-4', { type: 'idem' });
    expect(bad.status).toBe(400);
    const good = await start('key-4', inline);
    expect(good.status).toBe(201);
  });

  it('a request refused while the database was failing frees its key once the database is back', async () => {
    // The database fails the run's insert (503) and then the key's release as well: the key
    // stayed reserved, and every retry with it answered 409 for IN_FLIGHT_STALE_SECONDS (60).
    await db.query(`
      CREATE TABLE outage_switch (on_now boolean NOT NULL);
      INSERT INTO outage_switch VALUES (true);
      CREATE FUNCTION outage_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT on_now FROM outage_switch) THEN
          RAISE EXCEPTION 'the database is starting up' USING ERRCODE = '57P03';
        END IF;
        RETURN COALESCE(NEW, OLD);
      END $$;
      CREATE TRIGGER outage_runs BEFORE INSERT ON workflow_runs
        FOR EACH ROW EXECUTE FUNCTION outage_refuse();
      CREATE TRIGGER outage_keys BEFORE DELETE ON idempotency_keys
        FOR EACH ROW EXECUTE FUNCTION outage_refuse();`);
    try {
      const count = await runCount();
      const refused = await start('key-outage', inline);
      expect(refused.status).toBe(503);
      await db.query('UPDATE outage_switch SET on_now = false');
      let retried = await start('key-outage', inline);
      for (let i = 0; i < 50 && retried.status === 409; i += 1) {
        await new Promise((done) => setTimeout(done, 200));
        retried = await start('key-outage', inline);
      }
      expect(retried.status).toBe(201);
      expect(await runCount()).toBe(count + 1);
    } finally {
      await db.query(`
        DROP TRIGGER outage_runs ON workflow_runs;
        DROP TRIGGER outage_keys ON idempotency_keys;
        DROP FUNCTION outage_refuse();
        DROP TABLE outage_switch;`);
    }
  });

  it('keys are per tenant', async () => {
    await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'idem-other', name: 'Other' });
    const other = {
      authorization: (
        await createKey(test, { scopes: ['workflows:write'], tenantId: 'idem-other' })
      ).authorization,
    };
    const mine = await start('shared-key', inline);
    const theirs = await start('shared-key', inline, other);
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
  });

  it('keys expire: an expired key runs the request anew, and the purge deletes it', async () => {
    const first = await start('key-5', inline);
    await db.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-5'`,
    );
    const second = await start('key-5', inline);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.data.id).not.toBe(first.body.data.id);
    await db.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-5'`,
    );
    expect(await test.app.get(IdempotencyPurger).purge()).toBeGreaterThanOrEqual(1);
    const { rows } = await db.query(`SELECT 1 FROM idempotency_keys WHERE key = 'key-5'`);
    expect(rows).toEqual([]);
  });

  it('cancel replays too: the second call answers 200 like the first, not 409', async () => {
    const run = await start(undefined, inline);
    const path = `/api/v1/workflows/${run.body.data.id}/cancel`;
    const first = await test.http
      .post(path)
      .set(writer)
      .set('Idempotency-Key', 'cancel-1')
      .send({});
    expect(first.status).toBe(200);
    const again = await test.http
      .post(path)
      .set(writer)
      .set('Idempotency-Key', 'cancel-1')
      .send({});
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await test.http.post(path).set(writer).send({})).status).toBe(409);
  });

  it('an API key is issued once per key, and its secret is never kept to be replayed', async () => {
    const issue = (path: string, body: Json, key: string) =>
      test.http.post(`/api/v1${path}`).set(test.admin).set('Idempotency-Key', key).send(body);
    const named = async (name: string) =>
      (
        await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_keys WHERE name = $1`, [
          name,
        ])
      ).rows[0].n;
    const kept = async (secret: string) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM idempotency_keys WHERE position($1 in row_to_json(idempotency_keys)::text) > 0`,
          [secret],
        )
      ).rows[0].n;
    const body = { name: 'issued-once', scopes: ['agents:read'] };
    const first = await issue('/api-keys', body, 'issue-1');
    expect(first.status).toBe(201);
    const again = await issue('/api-keys', body, 'issue-1');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: 'urn:agentmesh:problem:idempotency-key-committed',
      detail: expect.stringMatching(/shown once/),
    });
    expect(await named('issued-once')).toBe(1);
    expect(await kept(first.body.data.key as string)).toBe(0);
    // Rotation likewise: one successor, and the repeat is told so (not "already rotated").
    const rotate = `/api-keys/${first.body.data.id}/rotate`;
    const rotated = await issue(rotate, {}, 'rotate-1');
    expect(rotated.status).toBe(201);
    const rotatedAgain = await issue(rotate, {}, 'rotate-1');
    expect(rotatedAgain.status).toBe(409);
    expect(rotatedAgain.body.type).toBe('urn:agentmesh:problem:idempotency-key-committed');
    expect(await named('issued-once')).toBe(2);
    expect(await kept(rotated.body.data.key as string)).toBe(0);
  });

  describe('when the database goes away right after the change commits', () => {
    let proxied: TestApp;
    let proxy: TcpProxy;

    beforeAll(async () => {
      const database = await createTestDatabase();
      const target = new URL(database.url);
      proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
      proxied = await startTestApp(
        { DATABASE_URL: proxy.rewrite(database.url), WORKERS: 'off' },
        { db: database },
      );
    });

    afterAll(async () => {
      await proxied.close();
      await proxy.stop();
      await proxied.db.drop();
    });

    it('a retry with the same key never starts a second run', async () => {
      const headers = proxied.admin;
      const body = { type: 'cut', steps: [{ key: 'a', skill: 'x' }] };
      const runs = new Client({ connectionString: proxied.db.url });
      await runs.connect();
      try {
        // A blip: the database is unreachable from just after the COMMIT for 300 ms.
        const blip = proxy
          .cutAfterCommit()
          .then(() => new Promise((done) => setTimeout(done, 300)))
          .then(() => proxy.restore());
        const first = await proxied.http
          .post('/api/v1/workflows')
          .set(headers)
          .set('Idempotency-Key', 'cut-1')
          .send(body);
        await blip;
        const count = async () =>
          (await runs.query<{ n: number }>(`SELECT count(*)::int AS n FROM workflow_runs`)).rows[0]
            .n;
        expect(await count()).toBe(1);
        // The client retries, after the in-flight window has passed.
        await runs.query(
          `UPDATE idempotency_keys SET locked_at = now() - interval '10 minutes' WHERE key = 'cut-1'`,
        );
        const retry = await proxied.http
          .post('/api/v1/workflows')
          .set(headers)
          .set('Idempotency-Key', 'cut-1')
          .send(body);
        expect(await count()).toBe(1);
        // The answer was built before COMMIT, and stored once the blip was over: replayed.
        expect(first.status).toBe(201);
        expect(retry.status).toBe(201);
        expect(retry.headers['idempotent-replayed']).toBe('true');
        expect(retry.body).toEqual(first.body);
      } finally {
        await runs.end();
      }
    });

    it('an answer that could not be stored is never replaced by a second change', async () => {
      const body = { type: 'cut-long', steps: [{ key: 'a', skill: 'x' }] };
      const runs = new Client({ connectionString: proxied.db.url });
      await runs.connect();
      try {
        const cut = proxy.cutAfterCommit();
        // Unreachable from the COMMIT until the answer is out: the response is never stored.
        const first = await proxied.http
          .post('/api/v1/workflows')
          .set(proxied.admin)
          .set('Idempotency-Key', 'cut-2')
          .send(body);
        await cut;
        await proxy.restore();
        expect(first.status).toBe(201);
        await runs.query(
          `UPDATE idempotency_keys SET locked_at = now() - interval '10 minutes' WHERE key = 'cut-2'`,
        );
        const retry = await proxied.http
          .post('/api/v1/workflows')
          .set(proxied.admin)
          .set('Idempotency-Key', 'cut-2')
          .send(body);
        expect(retry.status).toBe(409);
        expect(retry.body.type).toBe('urn:agentmesh:problem:idempotency-key-committed');
        const { rows } = await runs.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM workflow_runs WHERE type = 'cut-long'`,
        );
        expect(rows[0].n).toBe(1);
      } finally {
        await runs.end();
      }
    });
  });
});
