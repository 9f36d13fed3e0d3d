import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { register } from 'prom-client';
import { AuditSelfVerify } from '../src/audit/audit-self-verify';
import { requestContext } from '../src/common/context/request-context';
import { bindConnectCallbacks, instrumentClient, statementName } from '../src/database/db-metrics';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { startTestApp, TestApp } from './utils/test-app';

/** The value of one sample on /metrics, or undefined when the series is absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

class CollectingLogger extends Logger {
  readonly warnings: unknown[] = [];
  override warn(message: unknown): void {
    this.warnings.push(message);
  }
}

describe('statement names', () => {
  it.each([
    ['SELECT t.id FROM "workflow_tasks" t WHERE t.id = $1', 'select workflow_tasks'],
    ['  -- hot\nINSERT INTO events (id) VALUES ($1)', 'insert events'],
    ['UPDATE webhook_deliveries SET status = $1', 'update webhook_deliveries'],
    ['DELETE FROM idempotency_keys WHERE expires_at < now()', 'delete idempotency_keys'],
    ['WITH claimed AS (UPDATE workflow_tasks SET x = 1) SELECT 1', 'with claimed'],
    ['START TRANSACTION', 'start'],
    ['SELECT 1', 'select'],
    ['SET LOCAL enable_sort = off; SELECT e.id FROM events e; RESET enable_sort', 'select events'],
  ])('%p is %p', (text, name) => {
    expect(statementName(text)).toBe(name);
  });
});

describe('on-call metrics', () => {
  let db: TestDatabase;
  let api: TestApp;
  let worker: TestApp;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp({ WORKERS: 'off' }, { db });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql.end();
    await worker?.close();
    await api.close();
    await db.drop();
  });

  /** A webhook delivery of a message of its own, due `overdue` ago (null: not due). */
  const delivery = async (endpoint: string, status: string, overdue: string | null) => {
    const message = randomUUID();
    await sql.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, body, occurred_at)
       VALUES ($1, 'ops-1', 'test.old', '{}', now())`,
      [message],
    );
    await sql.query(
      `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, message_id, event_type, status,
                                       max_attempts, next_attempt_at)
       VALUES ($1, 'ops-1', $2, $3, 'test.old', $4, 5, now() - $5::interval)`,
      [randomUUID(), endpoint, message, status, overdue],
    );
  };

  const scrape = async (test: TestApp) => {
    const response = await test.http.get('/metrics');
    expect(response.status).toBe(200);
    return response.text;
  };

  it('times statements by name and shows the pool', async () => {
    const tenant = await api.http
      .post('/api/v1/tenants')
      .set(api.admin)
      .send({ id: 'ops-1', name: 'Ops' });
    expect(tenant.status).toBe(201);
    const text = await scrape(api);
    expect(text).toMatch(
      /^db_statement_duration_seconds_count\{statement="insert tenants"\} [1-9]/m,
    );
    expect(text).not.toMatch(/statement="[^"]*\$1/);
    expect(sample(text, 'db_pool_max_connections')).toBe(api.config.dbPoolSize);
    expect(sample(text, 'db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_pool_idle_connections')).toBeGreaterThanOrEqual(0);
    // Waiting callers: none usually, but the scrape itself may queue on a busy machine.
    expect(sample(text, 'db_pool_waiting_clients')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(sample(text, 'agentmesh_workers')).toBe(0);
  });

  it('logs slow statements with their route and correlation id', async () => {
    const pool = new Pool({ connectionString: db.url, max: 1 });
    const log = new CollectingLogger();
    pool.on('acquire', (client) => instrumentClient(client, { slowMs: 30, log, metrics: true }));
    try {
      await requestContext.run({ correlationId: 'corr-slow', route: '/api/v1/x' }, () =>
        pool.query('SELECT pg_sleep(0.06)'),
      );
      await pool.query('SELECT 1');
      expect(log.warnings).toEqual([
        expect.objectContaining({
          msg: 'slow database statement',
          statement: 'select',
          route: '/api/v1/x',
          correlationId: 'corr-slow',
        }),
      ]);
      expect((log.warnings[0] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(50);
    } finally {
      await pool.end();
    }
  });

  it('names the route and correlation id of a slow statement sent with a callback', async () => {
    // pg-pool's query() hands the client a callback, which runs in the connection's context:
    // the request's must be the one the statement was sent in.
    const pool = new Pool({ connectionString: db.url, max: 1 });
    const log = new CollectingLogger();
    pool.on('acquire', (client) => instrumentClient(client, { slowMs: 30, log, metrics: true }));
    try {
      await pool.query('SELECT 1'); // the connection is made outside any request
      await requestContext.run({ correlationId: 'corr-callback', route: '/api/v1/y' }, () =>
        pool.query('SELECT pg_sleep(0.06)'),
      );
      expect(log.warnings).toEqual([
        expect.objectContaining({
          msg: 'slow database statement',
          route: '/api/v1/y',
          correlationId: 'corr-callback',
        }),
      ]);
    } finally {
      await pool.end();
    }
  });

  it('names the right request when its statement waited for a pooled connection', async () => {
    // With every connection busy, pg-pool hands the next one over inside the release of the
    // one before: the waiting statement is sent from the releasing request's context.
    const pool = new Pool({ connectionString: db.url, max: 1 });
    bindConnectCallbacks(pool);
    const log = new CollectingLogger();
    pool.on('acquire', (client) => instrumentClient(client, { slowMs: 30, log, metrics: true }));
    try {
      await Promise.all([
        requestContext.run({ correlationId: 'corr-first', route: '/api/v1/first' }, () =>
          pool.query('SELECT pg_sleep(0.06)'),
        ),
        requestContext.run({ correlationId: 'corr-queued', route: '/api/v1/queued' }, () =>
          pool.query('SELECT pg_sleep(0.06)'),
        ),
      ]);
      expect(
        log.warnings
          .map((line) => line as { route?: string; correlationId?: string })
          .map((line) => [line.route, line.correlationId])
          .sort(),
      ).toEqual([
        ['/api/v1/first', 'corr-first'],
        ['/api/v1/queued', 'corr-queued'],
      ]);
    } finally {
      await pool.end();
    }
  });

  it('shows the outbox lag and each endpoint backlog and dead count', async () => {
    await sql.query(
      `INSERT INTO events (id, tenant_id, type, occurred_at, subject_type, subject_id, data)
       VALUES ($1, 'ops-1', 'test.old', now() - interval '1 hour', 'test', 'x', '{}')`,
      [randomUUID()],
    );
    const endpoint = randomUUID();
    await sql.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, event_types, secret)
       VALUES ($1, 'ops-1', 'https://example.com/hook', '{*}', 'whsec_x')`,
      [endpoint],
    );
    for (const status of ['pending', 'pending', 'dead']) {
      await delivery(endpoint, status, status === 'pending' ? '0 seconds' : null);
    }
    const text = await scrape(api);
    expect(sample(text, 'events_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(3_590);
    expect(sample(text, 'events_outbox_pending')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'webhook_endpoint_backlog', `endpoint="${endpoint}"`)).toBe(2);
    expect(sample(text, 'webhook_endpoint_dead', `endpoint="${endpoint}"`)).toBe(1);
  });

  it('ages the webhook queue by what senders could send: not what an open breaker or a disabled endpoint holds', async () => {
    const due = (endpoint: string, overdue: string) => delivery(endpoint, 'pending', overdue);
    const endpoint = async (breaker: string, enabled = true) => {
      const id = randomUUID();
      await sql.query(
        `INSERT INTO webhook_endpoints (id, tenant_id, url, event_types, secret, enabled,
                                        breaker_open_until)
         VALUES ($1, 'ops-1', 'https://example.com/held', '{*}', 'whsec_x', $2,
                 now() + $3::interval)`,
        [id, enabled, breaker],
      );
      return id;
    };
    // One receiver down for two hours, its breaker open; one disabled; one whose breaker
    // half-opened a minute ago (its probe is due since then, not since its delivery was due).
    await sql.query(`DELETE FROM webhook_deliveries`);
    await due(await endpoint('1 minute'), '2 hours');
    await due(await endpoint('-1 hour', false), '3 hours');
    await due(await endpoint('-1 minute'), '2 hours');
    const age = sample(await scrape(api), 'webhook_queue_oldest_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(55);
    expect(age).toBeLessThan(600);
  });

  it('self-verifies the audit chain on a worker replica and notices tampering', async () => {
    worker = await startTestApp({ WORKERS: 'on' }, { db });
    const verifier = worker.app.get(AuditSelfVerify);
    for (let i = 0; i < 3; i += 1) {
      const created = await worker.http
        .post('/api/v1/tenants')
        .set(worker.admin)
        .send({ id: `ops-v${i}`, name: `V ${i}` });
      expect(created.status).toBe(201);
    }
    let head = 0;
    for (let attempt = 0; attempt < 150 && head < 4; attempt += 1) {
      await new Promise((done) => setTimeout(done, 100));
      const { rows } = await sql.query<{ head: string | null }>(
        'SELECT max(seq)::text AS head FROM audit_chain',
      );
      head = Number(rows[0].head ?? 0);
    }
    expect(head).toBeGreaterThanOrEqual(4);
    // The worker's own first round runs 1 s after start, the next 30 s later: wait it out, so no
    // background round verifies the link this test rewrites below before the test's round does.
    await new Promise((done) => setTimeout(done, 1_500));
    await verifier.verifyOnce();
    expect(verifier.status).toMatchObject({ verifiedSeq: expect.any(Number), valid: true });
    const verified = verifier.status.verifiedSeq;
    expect(verified).toBeGreaterThanOrEqual(4);
    let text = await scrape(worker);
    expect(sample(text, 'audit_chain_valid')).toBe(1);
    expect(sample(text, 'audit_chain_verified_seq')).toBe(verified);
    expect(sample(text, 'agentmesh_workers')).toBe(1);

    // A link verified long ago rewritten: the rounds also sweep the verified part again.
    const old = await sql.query<{ after: unknown }>(
      `SELECT after FROM audit_entries WHERE id = (SELECT entry_id FROM audit_chain WHERE seq = 2)`,
    );
    const rewriteOld = (after: unknown) =>
      sql.query(
        `UPDATE audit_entries SET after = $1::jsonb
          WHERE id = (SELECT entry_id FROM audit_chain WHERE seq = 2)`,
        [JSON.stringify(after)],
      );
    await sql.query('SET session_replication_role = replica');
    await rewriteOld({ name: 'forged long ago' });
    // The sweep goes on from where the last round left it (links sealed since the last sweep
    // come first), then starts over at seq 1: within two rounds on a chain this short.
    let swept = await verifier.verifyOnce();
    if (swept.valid) swept = await verifier.verifyOnce();
    expect(swept).toMatchObject({
      valid: false,
      firstInvalidSeq: 2,
      reason: 'hash_mismatch',
    });
    expect(sample(await scrape(worker), 'audit_chain_valid')).toBe(0);
    await rewriteOld(old.rows[0].after);
    await sql.query('SET session_replication_role = origin');
    expect((await verifier.verifyOnce()).valid).toBe(true);
    expect(sample(await scrape(worker), 'audit_chain_valid')).toBe(1);

    // A later link rewritten: the next incremental round re-hashes it and fails.
    await worker.http.post('/api/v1/tenants').set(worker.admin).send({ id: 'ops-v9', name: 'x' });
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const { rows } = await sql.query<{ head: string }>(
        'SELECT max(seq)::text AS head FROM audit_chain',
      );
      if (Number(rows[0].head) > verified) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    // As a superuser with the append-only triggers off.
    await sql.query('SET session_replication_role = replica');
    await sql.query(
      `UPDATE audit_entries SET after = '{"name":"forged"}'::jsonb
        WHERE id = (SELECT entry_id FROM audit_chain WHERE seq = $1)`,
      [verified + 1],
    );
    await sql.query('SET session_replication_role = origin');
    const result = await verifier.verifyOnce();
    expect(result).toMatchObject({ valid: false, firstInvalidSeq: verified + 1 });
    text = await scrape(worker);
    expect(sample(text, 'audit_chain_valid')).toBe(0);
    expect(register.getSingleMetric('audit_chain_valid')).toBeDefined();
  });
});
