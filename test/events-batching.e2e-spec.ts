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

  /**
   * `count` events of `type` written straight in SQL, waiting in the outbox; or, `dispatched`,
   * taken out of it in the same transaction (the caller's, when it is in one).
   */
  const insertEvents = async (count: number, type: string, dispatched: boolean) => {
    const ids = Array.from({ length: count }, () => uuidv7());
    if (dispatched) await db.query('BEGIN');
    await db.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data)
       SELECT id, 'default', $2, 'test', $2, '{}' FROM unnest($1::uuid[]) id`,
      [ids, type],
    );
    if (dispatched) {
      await db.query('DELETE FROM event_outbox WHERE event_id = ANY($1::uuid[])', [ids]);
      await db.query('COMMIT');
    }
  };

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

  it('a backlog is taken batch after batch, without the pause that gathers events coming one by one', async () => {
    // When each round handed its events over, and when its transaction committed.
    const rounds: Array<{ size: number; handled: number; committed?: number }> = [];
    test.app.get(EventDispatcher).subscribe({
      name: 'test-backlog',
      types: ['backlog.*'],
      handle: async (tx, events) => {
        const round: (typeof rounds)[number] = { size: events.length, handled: performance.now() };
        rounds.push(round);
        tx.afterCommit(() => {
          round.committed = performance.now();
        });
      },
    });
    // A burst commits 2,000 events at once: ten full batches wait.
    await insertEvents(2_000, 'backlog.wave', false);
    await waitFor(
      async () => rounds.reduce((sum, round) => sum + round.size, 0) >= 2_000 || undefined,
      20_000,
      'the backlog dispatched',
    );
    expect(rounds.map((round) => round.size)).toEqual(Array(10).fill(200));
    // From one full batch's commit to the next batch's handling: the next take, no pause. (The
    // pause, DISPATCH_ROUND_GAP_MS from the start of the round before, capped a replica at one
    // batch per gap, 2,000 events a second, whatever the backlog.)
    const waits = rounds.slice(1).map((round, i) => round.handled - rounds[i].committed!);
    const median = [...waits].sort((a, b) => a - b)[Math.floor(waits.length / 2)];
    expect(median).toBeLessThan(DISPATCH_ROUND_GAP_MS / 2);
  });

  it('the take reads the head of the outbox, and each taken event by its id, however many were dispatched', async () => {
    // Many dispatched events, as a busy outbox leaves them.
    await insertEvents(20_000, 'old.event', true);
    await db.query('ANALYZE events; ANALYZE event_outbox');
    // The plan PostgreSQL keeps for the prepared statement (GENERIC_PLAN is PostgreSQL 16+).
    await db.query(`PREPARE take_events(int) AS ${EventDispatcher.TAKE_SQL}`);
    await db.query(`SET plan_cache_mode = force_generic_plan`);
    const plan = (
      await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE take_events(200)`)
    ).rows[0]['QUERY PLAN'];
    await db.query(`DEALLOCATE take_events; RESET plan_cache_mode`);
    const nodes = planNodes(plan);
    // The outbox by its primary key, in position order (no sort of what waits) ...
    const outbox = nodes.filter((node) => node['Relation Name'] === 'event_outbox');
    expect(outbox).toHaveLength(1);
    expect(outbox[0]['Node Type']).toBe('Index Scan');
    expect(outbox[0]['Index Name']).toBe('event_outbox_pkey');
    expect(nodes.some((node) => node['Node Type'] === 'Sort')).toBe(false);
    // ... and each partition of events holding rows only by its primary key, row by row (a
    // partition made ahead and still empty may be read whole: there is nothing to read).
    const { rows: filled } = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.reltuples > 0`,
    );
    const pkeys = await indexAndPartitions(db, 'events_pkey');
    const events = nodes.filter((node) =>
      filled.some((partition) => partition.name === node['Relation Name']),
    );
    expect(events.length).toBeGreaterThan(0);
    for (const node of events) {
      expect(node['Node Type']).toMatch(/^Index (Only )?Scan$/);
      expect(pkeys).toContain(node['Index Name']);
    }
  });

  it('in a burst, the take reads the head of the backlog, not all of it, whatever the statistics say', async () => {
    // The statistics a busy outbox has: everything dispatched, as when ANALYZE last looked.
    await insertEvents(5_000, 'old.event', true);
    await db.query('ANALYZE events; ANALYZE event_outbox');
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
