import { Client, type Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { preparedConfig } from '../src/database/prepared';
import { claimStatement } from '../src/workflows/claim-statement';
import { WARMUP_RUNS } from '../src/workflows/claim-warmup';
import { createTestDatabase } from './utils/databases';
import { startTestApp, TestApp } from './utils/test-app';

type Prepared = { name: string; generic_plans: string; custom_plans: string };

/**
 * Every connection of the pool is readied for claims before it carries one: the claim
 * statements of one task are prepared on it, with the one plan PostgreSQL keeps for them, so
 * that no agent's claim (a wake-up above all) pays for a connection's first sight of them.
 */
describe('connections readied for claims', () => {
  let test: TestApp;
  let pool: Pool;

  const poolOf = (app: TestApp) =>
    (app.app.get(DataSource).driver as PostgresDriver).master as Pool;

  beforeAll(async () => {
    // No background work: nothing else takes a connection while the test looks at them.
    test = await startTestApp({ DB_POOL_SIZE: '4', DB_POOL_MIN: '2', WORKERS: 'off' });
    pool = poolOf(test);
  });

  afterAll(async () => {
    await test.close();
  });

  const names = (['no limits', 'one sub-bucket'] as const).map(
    (limits) => preparedConfig({ sql: claimStatement(1, limits), params: [] }).name,
  );

  /** The claim statements prepared on this connection, with their plans so far. */
  const claimsPreparedOn = async (client: PoolClient) =>
    (
      await client.query<Prepared>(
        `SELECT name, generic_plans::text, custom_plans::text FROM pg_prepared_statements
          WHERE name = ANY($1) ORDER BY name`,
        [names],
      )
    ).rows;

  const readied = (rows: Prepared[]) => {
    expect(rows.map((row) => row.name)).toEqual([...names].sort());
    for (const row of rows) {
      // Five custom plans, then the generic one, kept for every run after.
      expect(Number(row.custom_plans)).toBe(5);
      expect(Number(row.generic_plans)).toBe(WARMUP_RUNS - 5);
    }
  };

  /** Every connection of the pool, checked out together: those readied for claims. */
  const readiedConnections = async (of: Pool) => {
    const clients = await Promise.all(Array.from({ length: of.totalCount }, () => of.connect()));
    try {
      const found: Prepared[][] = [];
      for (const client of clients) {
        const rows = await claimsPreparedOn(client);
        if (rows.length > 0) found.push(rows);
      }
      return found;
    } finally {
      for (const client of clients) client.release();
    }
  };

  it('opens the connections it keeps (DB_POOL_MIN) before it answers, each readied', async () => {
    // Opened at start, before any request (a pool opens connections as they are asked for).
    expect(pool.totalCount).toBeGreaterThanOrEqual(2);
    const found = await readiedConnections(pool);
    expect(found).toHaveLength(2);
    for (const rows of found) readied(rows);
  });

  it('claims as before on a readied connection: the warm-up wrote nothing', async () => {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM audit_entries WHERE action = 'task.claim')
                 + (SELECT count(*) FROM events WHERE type = 'task.claimed'))::int AS n`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      client.release();
    }
  });

  it('starts within its budget when the claim tables are locked, and readies them after', async () => {
    const db = await createTestDatabase();
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    let other: TestApp | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE workflow_tasks IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      other = await startTestApp(
        // Statements may wait for the lock longer than the warm-up's budget.
        { DB_POOL_SIZE: '4', DB_POOL_MIN: '2', WORKERS: 'off', DB_STATEMENT_TIMEOUT_MS: '30000' },
        { db },
      );
      // Not held up by the lock past the warm-up's budget (5 s).
      expect(Date.now() - started).toBeLessThan(15_000);
      const otherPool = poolOf(other);
      // Both still warming, out of the pool, behind the lock.
      expect(otherPool.totalCount - otherPool.idleCount).toBe(2);
      await locker.query('COMMIT');
      // Once the lock is gone, the warm-up ends and both connections come back, readied.
      for (let tries = 0; otherPool.totalCount > otherPool.idleCount && tries < 100; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(otherPool.totalCount).toBe(otherPool.idleCount);
      const found = await readiedConnections(otherPool);
      expect(found).toHaveLength(2);
      for (const rows of found) readied(rows);
    } finally {
      await locker.end();
      await other?.close();
      await db.drop();
    }
  });
});
