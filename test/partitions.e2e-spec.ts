import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { uuidv7 } from '../src/common/ids';
import { dataSourceOptions } from '../src/database/data-source-options';
import { HistoryPartitions, HistoryTable } from '../src/database/partitions/history-partitions';
import { WebhookRetention } from '../src/webhooks/outbound/webhook-retention';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { indexAndPartitions, planNodes } from './utils/plans';
import { startTestApp, TestApp } from './utils/test-app';

const DAY = 86_400_000;
const HISTORY = ['events', 'webhook_attempts'];

/** Where the partitioning migration sits in the list: the tests run it, and none after it. */
const PARTITIONING = MIGRATIONS.findIndex((m) => m.name === 'PartitionHistory1763800070000');

function open(url: string, migrations = MIGRATIONS): Promise<DataSource> {
  return new DataSource({
    ...dataSourceOptions({ url, poolSize: 2, statementTimeoutMs: 60_000, connectTimeoutMs: 5_000 }),
    migrations,
  }).initialize();
}

/** Every row of a table, summarised: equal before and after a conversion means unchanged. */
async function digest(db: Client, table: string): Promise<{ n: number; md5: string }> {
  const { rows } = await db.query<{ n: number; md5: string }>(
    `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t.id)) AS md5 FROM "${table}" t`,
  );
  return rows[0];
}

async function shape(db: Client, table: string) {
  const { rows } = await db.query<{ kind: string; indexes: string[]; constraints: string[] }>(
    `SELECT c.relkind AS kind,
            (SELECT array_agg(indexname::text ORDER BY indexname) FROM pg_indexes
              WHERE tablename = $1) AS indexes,
            (SELECT array_agg(conname::text || ' ' || pg_get_constraintdef(oid) ORDER BY conname)
               FROM pg_constraint WHERE conrelid = c.oid) AS constraints
       FROM pg_class c WHERE c.relname = $1`,
    [table],
  );
  return rows[0];
}

async function partitionsOf(db: Client, table: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [table],
  );
  return rows.map((row) => row.name);
}

async function plan(db: Client, sql: string, params: unknown[] = []) {
  const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
    params,
  );
  return planNodes(rows[0]['QUERY PLAN']);
}

describe('partitioned history: the migration on a filled database', () => {
  /**
   * The plan reads each partition holding rows through one of `indexes` (plainly or with a
   * bitmap); a partition of a few pages (made ahead and still empty, the default one here, a
   * month just begun) is cheaper read whole, and that costs next to nothing.
   */
  async function expectOnIndex(
    nodes: Array<Record<string, unknown>>,
    indexes: string[],
    table: string,
  ) {
    const { rows: filled } = await pg.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = $1::regclass AND c.relpages >= 10`,
      [table],
    );
    const reads = nodes.filter((node) =>
      filled.some((partition) => partition.name === node['Relation Name']),
    );
    expect(reads.length).toBeGreaterThan(0);
    for (const node of reads) {
      const index =
        node['Index Name'] ??
        (node.Plans as Array<Record<string, unknown>> | undefined)?.[0]?.['Index Name'];
      expect(indexes).toContain(index);
    }
  }

  let db: TestDatabase;
  let pg: Client;
  const now = Date.now();
  // Events over the last four months, a few with ids that are not UUIDv7 or far in the past.
  const eventIds = Array.from({ length: 3_000 }, (_, i) => uuidv7(now - (i % 120) * DAY - i));
  const deliveryId = uuidv7(now - 40 * DAY);
  const attemptIds = Array.from({ length: 5_000 }, (_, i) => uuidv7(now - (i % 60) * DAY - i));
  const loneDeliveryId = uuidv7(now - 20 * DAY);

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    const before = await open(db.url, MIGRATIONS.slice(0, PARTITIONING));
    await before.runMigrations({ transaction: 'each' });
    await before.destroy();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, dispatched_at,
                           trace_context)
       SELECT id, 'default', 'agent.offline',
              CASE WHEN n % 3 = 0 THEN 'workflow' ELSE 'agent' END, 'a' || n,
              jsonb_build_object('n', n), CASE WHEN n % 5 = 0 THEN NULL ELSE now() END,
              CASE WHEN n % 7 = 0 THEN '00-trace' END
         FROM unnest($1::uuid[]) WITH ORDINALITY AS e(id, n)`,
      [eventIds],
    );
    await pg.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, dispatched_at)
       VALUES (gen_random_uuid(), 'default', 'agent.offline', 'agent', 'v4', '{}', now()),
              ($1, 'default', 'agent.offline', 'agent', 'ancient', '{}', now())`,
      [uuidv7(now - 5 * 365 * DAY)],
    );
    const endpoint = uuidv7();
    await pg.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, event_types, secret)
       VALUES ($1, 'default', 'https://example.com/hook', '{agent.offline}', 'whsec_x')`,
      [endpoint],
    );
    await pg.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, body, occurred_at)
       VALUES ($1, 'default', 'agent.offline', '{}', now())`,
      [eventIds[0]],
    );
    await pg.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, body, occurred_at)
       VALUES ($1, 'default', 'agent.offline', '{}', now())`,
      [eventIds[1]],
    );
    await pg.query(
      `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, message_id, event_type, max_attempts)
       VALUES ($1, 'default', $2, $3, 'agent.offline', 8), ($4, 'default', $2, $5, 'agent.offline', 8)`,
      [deliveryId, endpoint, eventIds[0], loneDeliveryId, eventIds[1]],
    );
    await pg.query(
      `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, duration_ms)
       VALUES ($1, $3, now(), 500, 10), ($2, $3, now(), 200, 12)`,
      [uuidv7(now - 20 * DAY), uuidv7(now - 19 * DAY), loneDeliveryId],
    );
    await pg.query(
      `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, duration_ms, response_body)
       SELECT id, $2, now() - n * interval '1 minute', 500, n, repeat('x', (n % 100)::int)
         FROM unnest($1::uuid[]) WITH ORDINALITY AS a(id, n)`,
      [attemptIds, deliveryId],
    );
  });

  afterAll(async () => {
    await pg.end();
    await db.drop();
  });

  it('converts events and attempts to partitions, then back, keeping every row, key and index', async () => {
    expect(PARTITIONING).toBeGreaterThan(0);
    const rows = {
      events: await digest(pg, 'events'),
      attempts: await digest(pg, 'webhook_attempts'),
    };
    expect(rows.events.n).toBe(3_002);
    expect(rows.attempts.n).toBe(5_002);
    const plain = {
      events: await shape(pg, 'events'),
      attempts: await shape(pg, 'webhook_attempts'),
    };
    expect(plain.events.kind).toBe('r');
    const { rows: last } = await pg.query<{ max: string }>(
      `SELECT max(position)::text AS max FROM events`,
    );

    const app = await open(db.url, MIGRATIONS.slice(0, PARTITIONING + 1));
    try {
      expect((await app.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([
        'PartitionHistory1763800070000',
      ]);
      // Partitioned: same rows, same indexes and constraints, months covering the rows.
      expect(await digest(pg, 'events')).toEqual(rows.events);
      expect(await digest(pg, 'webhook_attempts')).toEqual(rows.attempts);
      for (const [table, before] of [
        ['events', plain.events],
        ['webhook_attempts', plain.attempts],
      ] as const) {
        const after = await shape(pg, table);
        expect(after).toEqual({ ...before, kind: 'p' });
      }
      const months = await partitionsOf(pg, 'events');
      // The months of the last 120 days, two ahead, and the default; not one per month back to
      // the five-year-old row (it went to the default partition).
      expect(months.length).toBeGreaterThanOrEqual(7);
      expect(months.length).toBeLessThanOrEqual(8);
      expect(months).toContain('events_default');
      const monthOf = (ms: number) => {
        const d = new Date(ms);
        return `events_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}01`;
      };
      expect(months).toContain(monthOf(now));
      expect(months).toContain(monthOf(now - 119 * DAY));
      const { rows: ancient } = await pg.query(
        `SELECT subject_id FROM events_default WHERE subject_id = 'ancient'`,
      );
      expect(ancient).toHaveLength(1);
      expect(await partitionsOf(pg, 'webhook_attempts')).toContain('webhook_attempts_default');

      // Positions go on from the last one copied.
      const { rows: fresh } = await pg.query<{ position: string }>(
        `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data)
         VALUES ($1, 'default', 'agent.offline', 'agent', 'new', '{}') RETURNING position::text`,
        [uuidv7()],
      );
      expect(BigInt(fresh[0].position)).toBeGreaterThan(BigInt(last[0].max));
      await pg.query(`DELETE FROM events WHERE subject_id = 'new'`);
      rows.events = await digest(pg, 'events');

      // Back: plain tables again, the same rows, indexes and constraints, no partition left.
      await app.undoLastMigration({ transaction: 'each' });
      expect(await digest(pg, 'events')).toEqual(rows.events);
      expect(await digest(pg, 'webhook_attempts')).toEqual(rows.attempts);
      expect(await shape(pg, 'events')).toEqual(plain.events);
      expect(await shape(pg, 'webhook_attempts')).toEqual(plain.attempts);
      const { rows: left } = await pg.query(
        `SELECT relname FROM pg_class WHERE relname ~ '^(events|webhook_attempts)_(p[0-9]|default)'`,
      );
      expect(left).toEqual([]);
      const { rows: again } = await pg.query<{ position: string }>(
        `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data)
         VALUES ($1, 'default', 'agent.offline', 'agent', 'new', '{}') RETURNING position::text`,
        [uuidv7()],
      );
      expect(BigInt(again[0].position)).toBeGreaterThan(BigInt(fresh[0].position));

      // And up again, for the plans below.
      await app.runMigrations({ transaction: 'each' });
      for (const table of HISTORY) expect((await shape(pg, table)).kind).toBe('p');
    } finally {
      await app.destroy();
    }
  });

  it('keeps the hot queries on their indexes, a lookup by id on one partition', async () => {
    // A busy month: enough rows that reading a partition whole would cost more than its index.
    await pg.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, dispatched_at)
       SELECT id, 'default', 'agent.offline', 'agent', 'busy', '{}', now()
         FROM unnest($1::uuid[]) id`,
      [Array.from({ length: 30_000 }, (_, i) => uuidv7(now - i))],
    );
    await pg.query('ANALYZE events; ANALYZE webhook_attempts');
    const months = (await partitionsOf(pg, 'events')).length;

    // By id (a failed dispatch, a delivery's attempts by id): one partition, by its key.
    const byId = await plan(
      pg,
      `UPDATE events SET dispatch_attempts = dispatch_attempts + 1 WHERE id = $1`,
      [eventIds[10]],
    );
    const read = byId.filter((node) => node['Relation Name']);
    expect(read).toHaveLength(2); // the UPDATE's target and the one partition it scans
    const pkeys = await indexAndPartitions(pg, 'events_pkey');
    expect(pkeys).toContain(read[1]['Index Name']);

    // A batch by id (the outbox take's reads): only the partitions holding those ids.
    const batch = await plan(pg, `SELECT id FROM events WHERE id = ANY($1::uuid[])`, [
      [eventIds[0], eventIds[1]],
    ]);
    const scannedBatch = batch.filter((node) => node['Relation Name']);
    expect(scannedBatch.length).toBeLessThan(months);
    for (const node of scannedBatch) expect(node['Node Type']).not.toBe('Seq Scan');

    // A run's history: the subject index in each partition.
    const history = await plan(
      pg,
      `SELECT id FROM events e WHERE e.tenant_id = 'default' AND e.subject_type = 'workflow'
          AND e.subject_id = 'a3' ORDER BY e.position LIMIT 51`,
    );
    await expectOnIndex(history, await indexAndPartitions(pg, 'events_subject'), 'events');

    // A delivery's attempts: the delivery index of each partition.
    const attempts = await plan(
      pg,
      `SELECT id FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempted_at, id`,
      [loneDeliveryId],
    );
    const delivery = await indexAndPartitions(pg, 'webhook_attempts_delivery');
    await expectOnIndex(attempts, delivery, 'webhook_attempts');
  });
});

describe('partitioned history: retention', () => {
  let test: TestApp;
  let pg: Client;
  let partitions: HistoryPartitions;
  let retention: WebhookRetention;
  const now = Date.now();
  let endpoint = '';

  beforeAll(async () => {
    test = await startTestApp({ WORKERS: 'off', WEBHOOK_RETENTION: '30d' });
    pg = new Client({ connectionString: test.db.url });
    await pg.connect();
    partitions = test.app.get(HistoryPartitions);
    retention = test.app.get(WebhookRetention);
    endpoint = uuidv7();
    await pg.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, event_types, secret)
       VALUES ($1, 'default', 'https://example.com/hook', '{agent.offline}', 'whsec_x')`,
      [endpoint],
    );
  });

  afterAll(async () => {
    await pg.end();
    await test.close();
  });

  /** The partition of `table` holding the ids made at `ms`. */
  async function partitionAt(table: HistoryTable, ms: number): Promise<string> {
    const found = (await partitions.list(table)).find(
      (p) => p.period && p.period.from <= ms && ms < p.period.to,
    );
    if (!found) throw new Error(`no partition of ${table} at ${new Date(ms).toISOString()}`);
    return found.name;
  }

  /** An event made at `ms`; dispatched (out of the outbox) unless `dispatched` is false. */
  async function event(ms: number, subject: string, dispatched: boolean, type = 'agent.offline') {
    const id = uuidv7(ms);
    await pg.query('BEGIN');
    await pg.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, occurred_at)
       VALUES ($1, 'default', $2, $3, $4, '{}', $5)`,
      [id, type, type.startsWith('workflow.') ? 'workflow' : 'agent', subject, new Date(ms)],
    );
    if (dispatched) await pg.query('DELETE FROM event_outbox WHERE event_id = $1', [id]);
    await pg.query('COMMIT');
  }

  async function delivery(ms: number, pending: boolean, attempts: number): Promise<string> {
    const message = uuidv7(ms);
    const id = uuidv7(ms + 1);
    await pg.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, body, occurred_at, created_at)
       VALUES ($1, 'default', 'agent.offline', '{}', $2, $2)`,
      [message, new Date(ms)],
    );
    await pg.query(
      `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, message_id, event_type,
                                       max_attempts, status, next_attempt_at, updated_at)
       VALUES ($1, 'default', $2, $3, 'agent.offline', 8, $4, $5, $6)`,
      [
        id,
        endpoint,
        message,
        pending ? 'pending' : 'succeeded',
        pending ? new Date() : null,
        new Date(ms + 60_000),
      ],
    );
    for (let i = 0; i < attempts; i += 1) {
      await pg.query(
        `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, duration_ms)
         VALUES ($1, $2, $3, 200, 5)`,
        [uuidv7(ms + 1_000 * (i + 1)), id, new Date(ms + 1_000 * (i + 1))],
      );
    }
    return id;
  }

  const count = async (sql: string, params: unknown[] = []) =>
    (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n;

  it('creates partitions ahead once, however many replicas ask at the same time', async () => {
    // The template was migrated this month: the current month and two ahead are there.
    expect(await retention.ensurePartitions()).toEqual([]);
    await expect(partitionAt('events', now)).resolves.toMatch(/^events_p\d{8}$/);
    await expect(partitionAt('webhook_attempts', now + 40 * DAY)).resolves.toMatch(
      /^webhook_attempts_p\d{8}$/,
    );
    const before = (await partitions.list('events')).length;
    const past = now - 200 * DAY;
    const [first, second] = await Promise.all([
      partitions.ensureAhead('events', past),
      partitions.ensureAhead('events', past),
    ]);
    expect([...first, ...second].sort()).toEqual([...new Set([...first, ...second])].sort());
    expect(first.length + second.length).toBe(3);
    expect((await partitions.list('events')).length).toBe(before + 3);
    expect(await partitions.ensureAhead('events', past)).toEqual([]);
    await partitions.ensureAhead('webhook_attempts', past);
  });

  it('leaves time whose rows already went to the default partition to it', async () => {
    const stray = now - 300 * DAY;
    await event(stray, 'stray', true);
    const created = await partitions.ensureAhead('events', stray);
    expect(created.length).toBeLessThan(3);
    await expect(partitionAt('events', stray)).rejects.toThrow(/no partition/);
    expect(await count(`events_default WHERE subject_id = 'stray'`)).toBe(1);
  });

  it('drops whole the partitions past the retention that hold nothing kept, and deletes the rest one by one', async () => {
    const [t1, t2, t3] = [200, 170, 140].map((days) => now - days * DAY);
    const p = {
      e1: await partitionAt('events', t1),
      e2: await partitionAt('events', t2),
      e3: await partitionAt('events', t3),
      a1: await partitionAt('webhook_attempts', t1),
      a2: await partitionAt('webhook_attempts', t2),
    };
    expect(new Set(Object.values(p)).size).toBe(5);
    // e1: only dispatched events. e2: a run's history too. e3: one not dispatched yet.
    for (let i = 0; i < 3; i += 1) await event(t1 + i, 'e1', true);
    await event(t2, 'e2', true);
    await event(t2 + 1, 'e2-run', true, 'workflow.started');
    await event(t3, 'e3', true);
    await event(t3 + 1, 'e3-pending', false);
    // Dispatched but made within the month: its partition is not past the retention.
    await event(now - DAY, 'recent', true);
    // a1: attempts of a finished delivery. a2: attempts of one still pending.
    const finished = await delivery(t1, false, 3);
    const pending = await delivery(t2, true, 2);

    const purged = await retention.purge();

    expect(purged.partitions.sort()).toEqual(expect.arrayContaining([p.e1, p.a1]));
    expect(purged.partitions).not.toContain(p.e2);
    expect(purged.partitions).not.toContain(p.e3);
    expect(purged.partitions).not.toContain(p.a2);
    const left = (await partitions.list('events')).map((x) => x.name);
    expect(left).not.toContain(p.e1);
    expect(left).toEqual(expect.arrayContaining([p.e2, p.e3]));
    // Kept partitions lose their purgeable rows one by one; the run's history and the
    // undispatched event stay, and so does everything of partitions not yet past the retention.
    const subjects = async (like: string) =>
      (
        await pg.query<{ subject_id: string }>(
          `SELECT subject_id FROM events WHERE subject_id LIKE $1 ORDER BY 1`,
          [like],
        )
      ).rows.map((row) => row.subject_id);
    expect(await subjects('e%')).toEqual(['e2-run', 'e3-pending']);
    expect(await subjects('recent')).toEqual(['recent']);
    expect(await subjects('stray')).toEqual([]); // in the default partition, below them all
    expect(purged.events).toBe(3);
    // The finished delivery went with its attempts' partition; the pending one and its
    // attempts stay.
    expect(await count(`webhook_deliveries WHERE id = $1`, [finished])).toBe(0);
    expect(await count(`webhook_deliveries WHERE id = $1`, [pending])).toBe(1);
    expect(await count(`webhook_attempts WHERE delivery_id = $1`, [pending])).toBe(2);
    expect(purged.deliveries).toBe(1);

    // A second pass finds nothing more to do.
    const again = await retention.purge();
    expect(again).toEqual({ partitions: [], deliveries: 0, messages: 0, events: 0 });
  });

  it('keeps an event set aside after its handlers failed (abandoned), and its partition', async () => {
    const [t1, t2] = [260, 230].map((days) => now - days * DAY);
    await partitions.ensureAhead('events', t1);
    const p1 = await partitionAt('events', t1);
    const p2 = await partitionAt('events', t2);
    expect(p1).not.toBe(p2);
    // p1: only an abandoned event (out of the outbox, its attempts and error on its row, as
    // the dispatcher leaves it after the tenth failure). p2: an abandoned one and a dispatched one.
    await event(t1, 'abandoned-1', true);
    await event(t2, 'abandoned-2', true);
    await event(t2 + 1, 'dispatched-2', true);
    await pg.query(
      `UPDATE events SET dispatch_attempts = 10, dispatch_error = 'the handler failed'
        WHERE subject_id LIKE 'abandoned-%'`,
    );
    const purged = await retention.purge();
    expect(purged.partitions).not.toContain(p1);
    expect(purged.partitions).not.toContain(p2);
    const { rows } = await pg.query<{ subject_id: string; dispatch_error: string }>(
      `SELECT subject_id, dispatch_error FROM events
        WHERE subject_id LIKE 'abandoned-%' OR subject_id = 'dispatched-2' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { subject_id: 'abandoned-1', dispatch_error: 'the handler failed' },
      { subject_id: 'abandoned-2', dispatch_error: 'the handler failed' },
    ]);
    // Dispatched again by the runbook's statement: back in the outbox (kept), then, once the
    // dispatcher has taken it out again, gone with the next pass.
    for (const subject of ['abandoned-1', 'abandoned-2']) {
      const [{ id }] = (
        await pg.query<{ id: string }>(`SELECT id FROM events WHERE subject_id = $1`, [subject])
      ).rows;
      await pg.query(
        `WITH again AS (UPDATE events SET dispatch_attempts = 0 WHERE id = '${id}' RETURNING position, id)
         INSERT INTO event_outbox (position, event_id) SELECT position, id FROM again`,
      );
    }
    expect((await retention.purge()).partitions).toEqual([]);
    await pg.query(
      `DELETE FROM event_outbox o USING events e
        WHERE o.event_id = e.id AND e.subject_id LIKE 'abandoned-%'`,
    );
    expect((await retention.purge()).partitions).toEqual(expect.arrayContaining([p1, p2]));
  });
});
