import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Response, Test } from 'supertest';
import { DomainEvent } from '../src/events/domain-event';
import { EventDispatcher } from '../src/events/event-dispatcher';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';
import { githubSignature, standardSignature } from './utils/signatures';
import { createKey, startTestApp, TestApp } from './utils/test-app';

/** GitHub's documented example secret; the second one plays the rotated-in secret. */
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_SECRET_NEW = 'the-new-github-secret';
/** An address in GitHub's published hook ranges, and one outside them. */
const GITHUB_IP = '140.82.115.1';
const OTHER_IP = '198.51.100.7';
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const now = () => Math.floor(Date.now() / 1000);

/** Sends the bytes as they are (superagent would serialise a Buffer as JSON otherwise). */
function sendRaw(request: Test, body: Buffer): Test {
  return request.serialize(() => body as unknown as string).send(body);
}

function expectProblem(response: Response, status: number, type?: string): void {
  expect({ status: response.status, body: response.body as unknown }).toMatchObject({
    status,
    body: { status, ...(type ? { type: `urn:agentmesh:problem:${type}` } : {}) },
  });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('inbound webhooks', () => {
  let db: TestDatabase;
  let test: TestApp;
  let pg: Client;
  let admin: { authorization: string };
  /** What a subscriber to `inbound.*` (the workflow triggers) is handed by the dispatcher. */
  const handed: DomainEvent[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    test = await startTestApp(
      {
        GITHUB_WEBHOOK_SECRETS: `${GITHUB_SECRET},${GITHUB_SECRET_NEW}`,
        TRUST_PROXY: '127.0.0.0/8,::1',
        BODY_LIMIT_BYTES: '2048',
        INBOUND_BODY_LIMIT_BYTES: '65536',
      },
      { db },
    );
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    admin = await createKey(test, { scopes: ['webhooks:admin'] });
    test.app.get(EventDispatcher).subscribe({
      name: 'test-inbound-recorder',
      types: ['inbound.*'],
      handle: (_tx, events) => {
        handed.push(...events);
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await pg.end();
    await test.close();
    await db.drop();
  });

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const { rows } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) q`, params);
    return Number(rows[0].n);
  }

  const stored = () => count('SELECT 1 FROM inbound_webhooks');
  const inboundEvents = () => count(`SELECT 1 FROM events WHERE type LIKE 'inbound.%'`);

  function github(
    body: Buffer,
    headers: Record<string, string | undefined> = {},
    from: string | undefined = GITHUB_IP,
  ) {
    const all: Record<string, string | undefined> = {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': githubSignature(GITHUB_SECRET, body),
      'x-forwarded-for': from,
      ...headers,
    };
    const request = test.http.post('/api/v1/hooks/github');
    for (const [name, value] of Object.entries(all))
      if (value !== undefined) request.set(name, value);
    return sendRaw(request, body);
  }

  describe('GitHub', () => {
    it("verifies GitHub's documented vector (the body is not JSON: kept as rejected, 400)", async () => {
      const body = Buffer.from('Hello, World!');
      const signature = githubSignature(GITHUB_SECRET, body);
      expect(signature).toBe(
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      );
      const delivery = randomUUID();
      const response = await github(body, { 'x-github-delivery': delivery });
      expectProblem(response, 400, 'malformed-webhook-payload');
      const { rows } = await pg.query(
        `SELECT status, reason, body FROM inbound_webhooks WHERE delivery_id = $1`,
        [delivery],
      );
      expect(rows).toEqual([
        { status: 'rejected', reason: 'the body is not valid JSON', body: body },
      ]);
      expect(await count(`SELECT 1 FROM events WHERE data->>'deliveryId' = $1`, [delivery])).toBe(
        0,
      );
      // The same delivery again: refused again, nothing more stored. Sent again with a body
      // that is JSON, it is still the refused delivery, and is told so (not "not valid JSON"
      // of a body that is).
      expectProblem(await github(body, { 'x-github-delivery': delivery }), 400);
      const fixed = Buffer.from('{"action":"opened"}');
      const repeat = await github(fixed, { 'x-github-delivery': delivery });
      expectProblem(repeat, 400, 'malformed-webhook-payload');
      expect(repeat.body.detail).toBe(
        `Delivery ${delivery} was refused when first received (the body is not valid JSON); a refused delivery stays refused: send it under a new delivery id.`,
      );
      expect(await count('SELECT 1 FROM inbound_webhooks WHERE delivery_id = $1', [delivery])).toBe(
        1,
      );
    });

    it('accepts a signed delivery once: stored unchanged, one event, a redelivery records nothing', async () => {
      const body = Buffer.from('{"action":"opened","issue":{"number":7}}');
      const delivery = randomUUID();
      const first = await github(body, {
        'x-github-delivery': delivery,
        'x-github-hook-id': '42',
      });
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ data: { id: expect.any(String), duplicate: false } });
      const id = (first.body as { data: { id: string } }).data.id;

      const again = await github(body, { 'x-github-delivery': delivery });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ data: { id, duplicate: true } });

      const { rows } = await pg.query(
        `SELECT tenant_id, source, event, status, body, headers, source_ip FROM inbound_webhooks
          WHERE delivery_id = $1`,
        [delivery],
      );
      expect(rows).toEqual([
        {
          tenant_id: 'default',
          source: 'github',
          event: 'issues',
          status: 'accepted',
          body,
          headers: expect.objectContaining({
            'x-github-delivery': delivery,
            'x-github-event': 'issues',
            'x-github-hook-id': '42',
            'x-hub-signature-256': githubSignature(GITHUB_SECRET, body),
          }),
          source_ip: GITHUB_IP,
        },
      ]);
      const events = await pg.query(
        `SELECT type, tenant_id, subject_type, subject_id, data FROM events
          WHERE data->>'deliveryId' = $1`,
        [delivery],
      );
      expect(events.rows).toEqual([
        {
          type: 'inbound.github.issues',
          tenant_id: 'default',
          subject_type: 'inbound_webhook',
          subject_id: id,
          data: {
            source: 'github',
            event: 'issues',
            deliveryId: delivery,
            inboundEventId: id,
            payload: { action: 'opened', issue: { number: 7 } },
          },
        },
      ]);

      const listed = await test.http
        .get('/api/v1/webhooks/inbound')
        .query({ source: 'github', deliveryId: delivery })
        .set(admin);
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({
        data: {
          events: [
            expect.objectContaining({
              id,
              source: 'github',
              deliveryId: delivery,
              event: 'issues',
              eventType: 'inbound.github.issues',
              status: 'accepted',
              reason: null,
              sourceIp: GITHUB_IP,
              bodyBytes: body.length,
            }),
          ],
        },
        meta: { nextCursor: null },
      });
      const one = await test.http.get(`/api/v1/webhooks/inbound/${id}`).set(admin);
      expect(one.status).toBe(200);
      expect(Buffer.from(one.body.data.bodyBase64 as string, 'base64')).toEqual(body);
      expect(one.body.data.payload).toEqual({ action: 'opened', issue: { number: 7 } });
    });

    it('hands a subscriber of inbound.* one event per delivery, however often it is delivered', async () => {
      const body = Buffer.from('{"ref":"refs/heads/main"}');
      const delivery = randomUUID();
      const statuses = await Promise.all(
        Array.from({ length: 5 }, () =>
          github(body, { 'x-github-delivery': delivery, 'x-github-event': 'push' }),
        ),
      ).then((responses) => responses.map((response) => response.status).sort());
      expect(statuses).toEqual([200, 200, 200, 200, 202]);
      expect(await count('SELECT 1 FROM inbound_webhooks WHERE delivery_id = $1', [delivery])).toBe(
        1,
      );
      await waitFor(
        async () =>
          (
            await pg.query(
              `SELECT 1 FROM events e WHERE e.data->>'deliveryId' = $1
                  AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)`,
              [delivery],
            )
          ).rows[0],
        5_000,
        'dispatch of the inbound event',
      );
      const mine = handed.filter((event) => event.data.deliveryId === delivery);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        type: 'inbound.github.push',
        tenantId: 'default',
        data: { source: 'github', event: 'push', payload: { ref: 'refs/heads/main' } },
      });
    });

    it('verifies the raw bytes: unicode and unusual whitespace, never re-serialised', async () => {
      const body = Buffer.from(
        '{\r\n\t"title" :  "naïve\u00a0café ✓ — 日本語 🚀", \t "n": 1.50,\n  "esc": "\\u00e9\\/" }\n\n',
        'utf8',
      );
      const delivery = randomUUID();
      const response = await github(body, {
        'x-github-delivery': delivery,
        'content-type': 'application/json; charset=utf-8',
      });
      expect(response.status).toBe(202);
      const { rows } = await pg.query(`SELECT body FROM inbound_webhooks WHERE delivery_id = $1`, [
        delivery,
      ]);
      expect(Buffer.compare(rows[0].body as Buffer, body)).toBe(0);
      // A signature over the parsed-and-serialised form does not verify the bytes sent.
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
      const forged = await github(body, {
        'x-hub-signature-256': githubSignature(GITHUB_SECRET, reserialised),
      });
      expectProblem(forged, 401, 'webhook-signature-invalid');
    });

    it('accepts any configured secret (rotation)', async () => {
      const body = Buffer.from('{"zen":"Keep it logically awesome."}');
      const response = await github(body, {
        'x-github-event': 'ping',
        'x-hub-signature-256': githubSignature(GITHUB_SECRET_NEW, body),
      });
      expect(response.status).toBe(202);
    });

    it('refuses a wrong, missing or malformed signature with 401 and stores nothing', async () => {
      const body = Buffer.from('{"action":"deleted"}');
      const before = [await stored(), await inboundEvents()];
      for (const signature of [
        githubSignature('not-the-secret', body),
        undefined,
        'sha256=',
        githubSignature(GITHUB_SECRET, body).replace('sha256=', 'sha1='),
        githubSignature(GITHUB_SECRET, Buffer.from('{"action":"created"}')),
      ]) {
        expectProblem(await github(body, { 'x-hub-signature-256': signature }), 401);
      }
      expect([await stored(), await inboundEvents()]).toEqual(before);
    });

    it('refuses a signed delivery without a delivery id or event (400), storing nothing', async () => {
      const before = await stored();
      const body = Buffer.from('{}');
      expectProblem(await github(body, { 'x-github-delivery': undefined }), 400);
      expectProblem(await github(body, { 'x-github-event': undefined }), 400);
      expectProblem(await github(body, { 'x-github-event': 'no spaces allowed' }), 400);
      expect(await stored()).toBe(before);
    });

    it('allows GitHub ranges only: IPv4, IPv6, IPv4-mapped; a spoofed X-Forwarded-For is not believed', async () => {
      const body = Buffer.from('{"ok":true}');
      expect((await github(body, {}, '2606:50c0:8000::154')).status).toBe(202);
      expect((await github(body, {}, '::ffff:140.82.112.9')).status).toBe(202);
      const before = await stored();
      expectProblem(await github(body, {}, OTHER_IP), 403, 'ip-not-allowed');
      expectProblem(await github(body, {}, '2001:db8::1'), 403);
      expectProblem(await github(body, {}, '::ffff:198.51.100.7'), 403);
      // Only trusted hops are walked: the loopback proxy saw OTHER_IP, which is the client; the
      // GitHub address written before it by that client proves nothing.
      expectProblem(await github(body, {}, `${GITHUB_IP}, ${OTHER_IP}`), 403);
      expect(await stored()).toBe(before);
    });

    it('refuses bodies over INBOUND_BODY_LIMIT_BYTES with 413; allows more than BODY_LIMIT_BYTES', async () => {
      const big = Buffer.from(JSON.stringify({ pad: 'x'.repeat(10_000) }));
      expect((await github(big)).status).toBe(202);
      const before = await stored();
      const huge = Buffer.from(JSON.stringify({ pad: 'x'.repeat(70_000) }));
      const refused = await github(huge);
      expectProblem(refused, 413);
      expect(refused.body.detail).toMatch(/this route takes \(INBOUND_BODY_LIMIT_BYTES\)\.$/);
      expect(await stored()).toBe(before);
      // Other routes keep BODY_LIMIT_BYTES and their JSON parsing.
      const tenants = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .send({ id: 'big', name: 'x'.repeat(4096) });
      expectProblem(tenants, 413);
      const malformed = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .set('content-type', 'application/json')
        .send('{"id": "x",');
      expectProblem(malformed, 400, 'malformed-body');
    });

    it('refuses other content types with 415', async () => {
      const body = 'payload=%7B%7D';
      const response = await test.http
        .post('/api/v1/hooks/github')
        .set('content-type', 'text/plain')
        .set('x-forwarded-for', GITHUB_IP)
        .set('x-github-event', 'push')
        .set('x-github-delivery', randomUUID())
        .set('x-hub-signature-256', githubSignature(GITHUB_SECRET, Buffer.from(body)))
        .send(body);
      expectProblem(response, 415);
      // The sender is checked first: a foreign address is a 403 whatever it sends.
      const foreign = await test.http
        .post('/api/v1/hooks/github')
        .set('content-type', 'text/plain')
        .set('x-forwarded-for', OTHER_IP)
        .send(body);
      expectProblem(foreign, 403);
    });
  });

  describe('Standard Webhooks senders', () => {
    let sourceKey: string;

    beforeAll(async () => {
      sourceKey = 'billing';
      const created = await test.http
        .post('/api/v1/webhooks/sources')
        .set(admin)
        .send({ key: sourceKey, secret: SPEC_SECRET, description: 'Billing system' });
      expect(created.status).toBe(201);
    });

    function deliver(
      key: string,
      body: Buffer,
      options: {
        secret?: string;
        id?: string;
        timestamp?: number;
        signature?: string | null;
        from?: string;
      } = {},
    ) {
      const id = options.id ?? `msg_${randomUUID()}`;
      const timestamp = options.timestamp ?? now();
      const signature =
        options.signature === undefined
          ? standardSignature(options.secret ?? SPEC_SECRET, id, timestamp, body)
          : options.signature;
      const request = test.http
        .post(`/api/v1/hooks/${key}`)
        .set('content-type', 'application/json')
        .set('webhook-id', id)
        .set('webhook-timestamp', String(timestamp));
      if (signature !== null) request.set('webhook-signature', signature);
      if (options.from) request.set('x-forwarded-for', options.from);
      return sendRaw(request, body);
    }

    it('registers a source (audited, secret shown once) and refuses bad ones', async () => {
      const created = await test.http
        .post('/api/v1/webhooks/sources')
        .set(admin)
        .send({ key: 'crm', allowedCidrs: ['203.0.113.0/24'], toleranceSeconds: 60 });
      expect(created.status).toBe(201);
      expect(created.body.data).toMatchObject({
        key: 'crm',
        hookPath: '/api/v1/hooks/crm',
        allowedCidrs: ['203.0.113.0/24'],
        toleranceSeconds: 60,
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      });
      const read = await test.http.get('/api/v1/webhooks/sources/crm').set(admin);
      expect(read.status).toBe(200);
      expect(read.body.data.secret).toBeUndefined();
      const list = await test.http.get('/api/v1/webhooks/sources').set(admin);
      expect(list.body.data.sources.map((s: { key: string }) => s.key)).toEqual(['billing', 'crm']);
      expect(JSON.stringify(list.body)).not.toContain('whsec_');

      const audit = await pg.query(
        `SELECT action, resource_id, after::text AS after FROM audit_entries
          WHERE resource_type = 'webhook_source' AND resource_id = 'crm'`,
      );
      expect(audit.rows).toEqual([
        { action: 'webhook_source.create', resource_id: 'crm', after: expect.any(String) },
      ]);
      expect(audit.rows[0].after).not.toContain('whsec_');
      expect(
        await count(
          `SELECT 1 FROM events WHERE type = 'webhook_source.created' AND subject_id = 'crm'`,
        ),
      ).toBe(1);

      for (const [body, field] of [
        [{ key: 'github' }, 'key'],
        // A schedule's ticks are named `schedule:<id>:<tick>`, as a source's deliveries are
        // `<source>:<delivery id>`: a source of that name could start a tick's run.
        [{ key: 'schedule' }, 'key'],
        [{ key: 'Not A Slug' }, 'key'],
        [{ key: 'x1', secret: 'hunter2' }, 'secret'],
        [{ key: 'x2', secret: 'whsec_c2hvcnQ=' }, 'secret'],
        [{ key: 'x3', allowedCidrs: ['10.0.0.0/99'] }, 'allowedCidrs[0]'],
        [{ key: 'x4', toleranceSeconds: 0 }, 'toleranceSeconds'],
        [{ key: 'x5', extra: true }, 'extra'],
      ] as const) {
        const response = await test.http.post('/api/v1/webhooks/sources').set(admin).send(body);
        expectProblem(response, 400);
        expect((response.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(
          field,
        );
      }
      expectProblem(
        await test.http.post('/api/v1/webhooks/sources').set(admin).send({ key: 'crm' }),
        409,
        'webhook-source-exists',
      );
    });

    it('accepts a fresh signature with the spec secret: one event typed from the body, redelivery 200', async () => {
      const body = Buffer.from(
        '{"type":"invoice.paid","timestamp":"2026-01-01T00:00:00Z","data":{"amount":42}}',
      );
      const id = `msg_${randomUUID()}`;
      const first = await deliver(sourceKey, body, { id });
      expect(first.status).toBe(202);
      const inboundId = (first.body as { data: { id: string } }).data.id;
      const again = await deliver(sourceKey, body, { id });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ data: { id: inboundId, duplicate: true } });

      const events = await pg.query(
        `SELECT type, tenant_id, subject_id, data FROM events WHERE data->>'deliveryId' = $1`,
        [id],
      );
      expect(events.rows).toEqual([
        {
          type: 'inbound.billing.invoice.paid',
          tenant_id: 'default',
          subject_id: inboundId,
          data: {
            source: 'billing',
            event: 'invoice.paid',
            deliveryId: id,
            inboundEventId: inboundId,
            payload: JSON.parse(body.toString()),
          },
        },
      ]);
      const { rows } = await pg.query(
        `SELECT body, headers FROM inbound_webhooks WHERE delivery_id = $1`,
        [id],
      );
      expect(rows[0].body).toEqual(body);
      expect(rows[0].headers).toMatchObject({
        'webhook-id': id,
        'webhook-signature': expect.any(String),
      });
    });

    it('names the event "received" when the body has no usable type', async () => {
      const id = `msg_${randomUUID()}`;
      expect((await deliver(sourceKey, Buffer.from('[1, 2]'), { id })).status).toBe(202);
      expect(
        await count(
          `SELECT 1 FROM events WHERE type = 'inbound.billing.received' AND data->>'deliveryId' = $1`,
          [id],
        ),
      ).toBe(1);
    });

    it('refuses stale and future timestamps, wrong and missing signatures (401), storing nothing', async () => {
      const body = Buffer.from('{"type":"x"}');
      const before = [await stored(), await inboundEvents()];
      expectProblem(
        await deliver(sourceKey, body, { timestamp: now() - 400 }),
        401,
        'webhook-timestamp-stale',
      );
      expectProblem(
        await deliver(sourceKey, body, { timestamp: now() + 400 }),
        401,
        'webhook-timestamp-stale',
      );
      expectProblem(
        await deliver(sourceKey, body, {
          secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64'),
        }),
        401,
        'webhook-signature-invalid',
      );
      expectProblem(await deliver(sourceKey, body, { signature: null }), 401);
      expectProblem(await deliver(sourceKey, body, { signature: 'v1,' }), 401);
      const missingId = await sendRaw(
        test.http
          .post(`/api/v1/hooks/${sourceKey}`)
          .set('content-type', 'application/json')
          .set('webhook-timestamp', String(now()))
          .set('webhook-signature', standardSignature(SPEC_SECRET, 'x', now(), body)),
        body,
      );
      expectProblem(missingId, 401);
      expect([await stored(), await inboundEvents()]).toEqual(before);
    });

    it('unknown source: 404; an unusable signed webhook-id: 400; nothing stored', async () => {
      const before = await stored();
      expectProblem(await deliver('nobody', Buffer.from('{}')), 404, 'webhook-source-not-found');
      expectProblem(await deliver('x'.repeat(90), Buffer.from('{}')), 404);
      expectProblem(await deliver('Upper%20Case', Buffer.from('{}')), 404);
      expectProblem(await deliver(sourceKey, Buffer.from('{}'), { id: 'm'.repeat(201) }), 400);
      expect(await stored()).toBe(before);
    });

    it('stores a signed malformed body as rejected with its reason, 400, no event', async () => {
      const id = `msg_${randomUUID()}`;
      const body = Buffer.from('{"type": "invoice.paid", ');
      const response = await deliver(sourceKey, body, { id });
      expectProblem(response, 400, 'malformed-webhook-payload');
      const { rows } = await pg.query(
        `SELECT status, reason, event, body FROM inbound_webhooks WHERE delivery_id = $1`,
        [id],
      );
      expect(rows).toEqual([
        { status: 'rejected', reason: 'the body is not valid JSON', event: 'received', body },
      ]);
      expect(await count(`SELECT 1 FROM events WHERE data->>'deliveryId' = $1`, [id])).toBe(0);
      const nul = await deliver(sourceKey, Buffer.from('{"a":"\\u0000"}'));
      expectProblem(nul, 400, 'malformed-webhook-payload');
      const listed = await test.http
        .get('/api/v1/webhooks/inbound')
        .query({ source: sourceKey, status: 'rejected' })
        .set(admin);
      expect(listed.body.data.events).toHaveLength(2);
      expect(listed.body.data.events[1]).toMatchObject({ deliveryId: id, eventType: null });
    });

    it('rotates the secret: the old one verifies during the overlap, not after', async () => {
      const rotated = await test.http
        .post(`/api/v1/webhooks/sources/${sourceKey}/rotate-secret`)
        .set(admin)
        .send({});
      expect(rotated.status).toBe(200);
      const newSecret = rotated.body.data.secret as string;
      expect(newSecret).not.toBe(SPEC_SECRET);
      expect(rotated.body.data.previousSecretExpiresAt).toEqual(expect.any(String));
      const body = Buffer.from('{"type":"rotation.check"}');
      expect((await deliver(sourceKey, body, { secret: newSecret })).status).toBe(202);
      expect((await deliver(sourceKey, body, { secret: SPEC_SECRET })).status).toBe(202);

      // A second rotation within the overlap: the first old secret keeps its own time.
      const twice = await test.http
        .post(`/api/v1/webhooks/sources/${sourceKey}/rotate-secret`)
        .set(admin)
        .send({});
      expect(twice.status).toBe(200);
      const third = twice.body.data.secret as string;
      expect(twice.body.data.olderSecretsExpireAt).toEqual([expect.any(String)]);
      for (const secret of [third, newSecret, SPEC_SECRET]) {
        expect((await deliver(sourceKey, body, { secret })).status).toBe(202);
      }

      const again = await test.http
        .post(`/api/v1/webhooks/sources/${sourceKey}/rotate-secret`)
        .set(admin)
        .send({ secret: SPEC_SECRET, overlapSeconds: 0 });
      expect(again.status).toBe(200);
      expect(again.body.data.previousSecretExpiresAt).toBeNull();
      expect(again.body.data.olderSecretsExpireAt).toEqual([]);
      // No overlap: every older secret stops verifying too (what a leaked secret calls for).
      expectProblem(await deliver(sourceKey, body, { secret: newSecret }), 401);
      expectProblem(await deliver(sourceKey, body, { secret: third }), 401);
      expect((await deliver(sourceKey, body, { secret: SPEC_SECRET })).status).toBe(202);
      // Ten secrets verify at most: a rotation past that is refused, one without overlap is not.
      const rotate = (input: Record<string, unknown>) =>
        test.http
          .post(`/api/v1/webhooks/sources/${sourceKey}/rotate-secret`)
          .set(admin)
          .send(input);
      for (let i = 1; i < 10; i += 1) expect((await rotate({})).status).toBe(200);
      const refused = await rotate({});
      expectProblem(refused, 409, 'too-many-secrets');
      expect(refused.body.detail).toMatch(/10 secrets/);
      expect((await rotate({ secret: SPEC_SECRET, overlapSeconds: 0 })).status).toBe(200);
      const audit = await count(
        `SELECT 1 FROM audit_entries WHERE action = 'webhook_source.rotate_secret' AND resource_id = $1`,
        [sourceKey],
      );
      expect(audit).toBe(13);
    });

    it('answers that carry a secret are never cached: create, rotate and their replays', async () => {
      const create = () =>
        test.http
          .post('/api/v1/webhooks/sources')
          .set(admin)
          .set('idempotency-key', 'no-store-source')
          .send({ key: 'no-store' });
      const created = await create();
      expect(created.status).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const replayed = await create();
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.body.data.secret).toBe(created.body.data.secret);
      expect(replayed.headers['cache-control']).toBe('no-store');
      const rotated = await test.http
        .post('/api/v1/webhooks/sources/no-store/rotate-secret')
        .set(admin)
        .send({});
      expect(rotated.status).toBe(200);
      expect(rotated.headers['cache-control']).toBe('no-store');
      await test.http.delete('/api/v1/webhooks/sources/no-store').set(admin).expect(204);
    });

    it("checks the source's allowed addresses", async () => {
      const body = Buffer.from('{}');
      const created = await test.http
        .post('/api/v1/webhooks/sources')
        .set(admin)
        .send({
          key: 'fenced',
          secret: SPEC_SECRET,
          allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'],
        });
      expect(created.status).toBe(201);
      expectProblem(await deliver('fenced', body), 403, 'ip-not-allowed');
      expectProblem(await deliver('fenced', body, { from: OTHER_IP }), 403);
      expect((await deliver('fenced', body, { from: '203.0.113.9' })).status).toBe(202);
      expect((await deliver('fenced', body, { from: '2001:db8::9' })).status).toBe(202);
      expect((await deliver('fenced', body, { from: '::ffff:203.0.113.10' })).status).toBe(202);
    });

    it('deleting a source keeps its deliveries and refuses further ones (404)', async () => {
      await test.http
        .post('/api/v1/webhooks/sources')
        .set(admin)
        .send({ key: 'gone', secret: SPEC_SECRET });
      expect((await deliver('gone', Buffer.from('{}'))).status).toBe(202);
      expect((await test.http.delete('/api/v1/webhooks/sources/gone').set(admin)).status).toBe(204);
      expectProblem(await deliver('gone', Buffer.from('{}')), 404);
      expectProblem(await test.http.get('/api/v1/webhooks/sources/gone').set(admin), 404);
      const listed = await test.http
        .get('/api/v1/webhooks/inbound')
        .query({ source: 'gone' })
        .set(admin);
      expect(listed.body.data.events).toHaveLength(1);
      expect(
        await count(
          `SELECT 1 FROM audit_entries WHERE action = 'webhook_source.delete' AND resource_id = 'gone'`,
        ),
      ).toBe(1);
    });
  });

  describe('tenants', () => {
    it('isolates sources and received deliveries; keys are unique across tenants', async () => {
      expect(
        (await test.http.post('/api/v1/tenants').set(test.admin).send({ id: 'acme', name: 'Acme' }))
          .status,
      ).toBe(201);
      const acme = await createKey(test, { scopes: ['webhooks:admin'], tenantId: 'acme' });
      expectProblem(
        await test.http.post('/api/v1/webhooks/sources').set(acme).send({ key: 'billing' }),
        409,
        'webhook-source-exists',
      );
      const created = await test.http
        .post('/api/v1/webhooks/sources')
        .set(acme)
        .send({ key: 'acme-shop', secret: SPEC_SECRET });
      expect(created.status).toBe(201);
      const body = Buffer.from('{"type":"order.created"}');
      const id = `msg_${randomUUID()}`;
      const timestamp = now();
      const delivered = await sendRaw(
        test.http
          .post('/api/v1/hooks/acme-shop')
          .set('content-type', 'application/json')
          .set('webhook-id', id)
          .set('webhook-timestamp', String(timestamp))
          .set('webhook-signature', standardSignature(SPEC_SECRET, id, timestamp, body)),
        body,
      );
      expect(delivered.status).toBe(202);
      const inboundId = delivered.body.data.id as string;
      expect(
        await count(
          `SELECT 1 FROM events WHERE tenant_id = 'acme' AND type = 'inbound.acme-shop.order.created'`,
        ),
      ).toBe(1);

      const mine = await test.http.get('/api/v1/webhooks/inbound').set(acme);
      expect(mine.body.data.events.map((e: { id: string }) => e.id)).toEqual([inboundId]);
      const theirs = await test.http.get('/api/v1/webhooks/inbound').set(admin);
      expect(theirs.body.data.events.map((e: { id: string }) => e.id)).not.toContain(inboundId);
      expect(theirs.body.data.events.length).toBeGreaterThan(0);
      expect(
        (await test.http.get('/api/v1/webhooks/inbound').query({ source: 'github' }).set(acme)).body
          .data.events,
      ).toEqual([]);
      expectProblem(await test.http.get(`/api/v1/webhooks/inbound/${inboundId}`).set(admin), 404);
      expectProblem(await test.http.get('/api/v1/webhooks/sources/acme-shop').set(admin), 404);
      expectProblem(await test.http.delete('/api/v1/webhooks/sources/acme-shop').set(admin), 404);
      expectProblem(
        await test.http.post('/api/v1/webhooks/sources/billing/rotate-secret').set(acme).send({}),
        404,
      );
    });
  });

  describe('the stored stream', () => {
    it('pages newest first with a cursor; a bad cursor or filter is 400', async () => {
      const first = await test.http.get('/api/v1/webhooks/inbound').query({ limit: 2 }).set(admin);
      expect(first.status).toBe(200);
      expect(first.body.data.events).toHaveLength(2);
      const second = await test.http
        .get('/api/v1/webhooks/inbound')
        .query({ limit: 2, cursor: first.body.meta.nextCursor as string })
        .set(admin);
      const ids = [...first.body.data.events, ...second.body.data.events].map(
        (e: { id: string }) => e.id,
      );
      expect(new Set(ids).size).toBe(4);
      expect([...ids].sort().reverse()).toEqual(ids);
      expectProblem(
        await test.http.get('/api/v1/webhooks/inbound').query({ cursor: 'nope' }).set(admin),
        400,
      );
      expectProblem(
        await test.http.get('/api/v1/webhooks/inbound').query({ source: 'Bad Source' }).set(admin),
        400,
      );
      expectProblem(await test.http.get('/api/v1/webhooks/inbound/not-a-uuid').set(admin), 404);
    });

    it('is append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
      await expect(pg.query(`UPDATE inbound_webhooks SET event = 'x'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(pg.query(`DELETE FROM inbound_webhooks`)).rejects.toThrow(/append-only/);
      await expect(pg.query(`TRUNCATE inbound_webhooks`)).rejects.toThrow(/append-only/);
    });
  });
});

describe('inbound webhooks: configuration', () => {
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

  function signedGithub(test: TestApp, secret: string, forwardedFor?: string) {
    const body = Buffer.from('{"zen":"ok"}');
    const request = test.http
      .post('/api/v1/hooks/github')
      .set('content-type', 'application/json')
      .set('x-github-event', 'ping')
      .set('x-github-delivery', randomUUID())
      .set('x-hub-signature-256', githubSignature(secret, body));
    if (forwardedFor) request.set('x-forwarded-for', forwardedFor);
    return sendRaw(request, body);
  }

  it('no GITHUB_WEBHOOK_SECRETS: /hooks/github answers 404', async () => {
    const test = await app({ GITHUB_HOOK_CIDRS: '127.0.0.0/8' });
    expectProblem(await signedGithub(test, 'anything'), 404);
  });

  it('without TRUST_PROXY a spoofed X-Forwarded-For is ignored: the peer address counts', async () => {
    const test = await app({ GITHUB_WEBHOOK_SECRETS: 's3cret' });
    expectProblem(await signedGithub(test, 's3cret', GITHUB_IP), 403, 'ip-not-allowed');
    const loopback = await app({
      GITHUB_WEBHOOK_SECRETS: 's3cret',
      GITHUB_HOOK_CIDRS: '127.0.0.0/8',
    });
    // IPv4-mapped loopback peers (::ffff:127.0.0.1) match the IPv4 range.
    expect((await signedGithub(loopback, 's3cret', OTHER_IP)).status).toBe(202);
  });

  it('through a trusted proxy, only the address it saw counts', async () => {
    const test = await app({ GITHUB_WEBHOOK_SECRETS: 's3cret', TRUST_PROXY: '127.0.0.1' });
    expectProblem(await signedGithub(test, 's3cret', `${GITHUB_IP}, ${OTHER_IP}`), 403);
    expect((await signedGithub(test, 's3cret', `${OTHER_IP}, ${GITHUB_IP}`)).status).toBe(202);
  });

  it('limits verified deliveries per source (429 with Retry-After); forged ones do not count', async () => {
    const test = await app({
      GITHUB_WEBHOOK_SECRETS: 's3cret',
      GITHUB_HOOK_CIDRS: '127.0.0.0/8',
      INBOUND_RATE_LIMIT_PER_MINUTE: '3',
    });
    for (let i = 0; i < 5; i += 1) expect((await signedGithub(test, 'forged')).status).toBe(401);
    for (let i = 0; i < 3; i += 1) expect((await signedGithub(test, 's3cret')).status).toBe(202);
    const limited = await signedGithub(test, 's3cret');
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
