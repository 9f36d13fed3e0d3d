import { Client } from 'pg';
import { requestContext } from '../src/common/context/request-context';
import { uuidv7 } from '../src/common/ids';
import { UnitOfWork } from '../src/database/unit-of-work';
import { DISPATCH_ROUND_GAP_MS, EventDispatcher } from '../src/events/event-dispatcher';
import { EventsService } from '../src/events/events.service';
import { indexAndPartitions, planNodes } from './utils/plans';
import { waitFor } from './utils/spawn-app';
import { startTestApp, TestApp } from './utils/test-app';

describe('outbox dispatcher batching', () => {
  let test: TestApp;
  let db: Client;
  /** When each batch reached the handler, and how many events it held. */
  const batches: Array<{ at: number; size: number }> = [];

  beforeAll(async () => {
    test = await startTestApp();
    test.app.get(EventDispatcher).subscribe({
      name: 'test-batches',
      types: ['burst.*'],
      handle: async (_tx, events) => {
        batches.push({ at: performance.now(), size: events.length });
      },
    });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  /** `count` events of `type` written straight in SQL, already dispatched or waiting. */
  const insertEvents = (count: number, type: string, dispatched: boolean) =>
    db.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, dispatched_at)
       SELECT id, 'default', $2, 'test', $2, '{}', CASE WHEN $3 THEN now() END
         FROM unnest($1::uuid[]) id`,
      [Array.from({ length: count }, () => uuidv7()), type, dispatched],
    );

  const emitAlone = (type: string) =>
    requestContext.run(
      { correlationId: `burst-${type}`, tenantId: 'default', actor: { type: 'system', id: 't' } },
      () =>
        test.app.get(UnitOfWork).run(async (tx) => {
          await test.app.get(EventsService).emit(tx, {
            type,
            subject: { type: 'test', id: type },
            data: {},
          });
        }),
    );

  it('events committed one transaction at a time, a few ms apart, are taken in batches, not a round per commit', async () => {
    // Requests committing one after another, as agents' claims and completions do: the
    // dispatcher used to go round after almost every commit.
    const total = 80;
    for (let i = 0; i < total; i += 1) {
      await emitAlone('burst.paced');
      await new Promise((resolve) => setTimeout(resolve, 8));
    }
    await waitFor(
      async () => batches.reduce((sum, batch) => sum + batch.size, 0) >= total || undefined,
      10_000,
      'every event dispatched',
    );
    expect(batches.reduce((sum, batch) => sum + batch.size, 0)).toBe(total);
    // While events keep coming, rounds start at least DISPATCH_ROUND_GAP_MS apart: however
    // slow or fast the machine, never more rounds than the span of the commits allows.
    const span = batches[batches.length - 1].at - batches[0].at;
    expect(batches.length).toBeLessThanOrEqual(Math.floor(span / DISPATCH_ROUND_GAP_MS) + 2);
  });

  it('the take reads only the index of undispatched events, however many were dispatched', async () => {
    // Many dispatched events and a few pending ones, as a busy outbox holds them.
    await insertEvents(20_000, 'old.event', true);
    await db.query('ANALYZE events');
    // The plan PostgreSQL keeps for the prepared statement (GENERIC_PLAN is PostgreSQL 16+).
    await db.query(`PREPARE take_events(int) AS ${EventDispatcher.TAKE_SQL}`);
    await db.query(`SET plan_cache_mode = force_generic_plan`);
    const plan = (
      await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE take_events(200)`)
    ).rows[0]['QUERY PLAN'];
    await db.query(`DEALLOCATE take_events; RESET plan_cache_mode`);
    // events is partitioned: the take scans events_undispatched in each partition holding rows.
    // A partition made ahead and still empty may be read whole (nothing to read), and the few
    // undispatched rows the indexes return may be sorted: neither grows with dispatched ones.
    const { rows: filled } = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.reltuples > 0`,
    );
    const scanned = planNodes(plan).filter((node) =>
      filled.some((partition) => partition.name === node['Relation Name']),
    );
    expect(scanned.length).toBeGreaterThan(0);
    const undispatched = await indexAndPartitions(db, 'events_undispatched');
    for (const node of scanned) {
      expect(node['Node Type']).toMatch(/^Index (Only )?Scan$/);
      expect(undispatched).toContain(node['Index Name']);
    }
  });

  it('in a burst, the take reads the head of the backlog, not all of it, whatever the statistics say', async () => {
    // The statistics a busy outbox has: everything dispatched, as when ANALYZE last looked.
    await insertEvents(5_000, 'old.event', true);
    await db.query('ANALYZE events');
    await db.query('BEGIN');
    try {
      // Then a burst: 20,000 events wait (PostgreSQL still estimates a handful).
      await insertEvents(20_000, 'burst.wave', false);
      await db.query(EventDispatcher.TAKE_PLANNER_SETTING);
      const plan = (
        await db.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${EventDispatcher.TAKE_SQL.replace('$1', '200')}`,
        )
      ).rows[0]['QUERY PLAN'];
      const scans = planNodes(plan).filter((node) => node['Relation Name']);
      const read = scans.reduce((sum, node) => sum + Number(node['Actual Rows']), 0);
      // 200 taken, and none of the 19,800 behind them read (a sort of the whole backlog was).
      expect(read).toBeGreaterThanOrEqual(200);
      expect(read).toBeLessThan(400);
    } finally {
      await db.query('ROLLBACK');
    }
  });
});
