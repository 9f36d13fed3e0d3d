import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { preparedConfig } from '../src/database/prepared';
import { claimStatement } from '../src/workflows/claim-statement';
import { WARMUP_RUNS } from '../src/workflows/claim-warmup';
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

  beforeAll(async () => {
    // No background work: nothing else takes a connection while the test looks at them.
    test = await startTestApp({ DB_POOL_SIZE: '4', DB_POOL_MIN: '2', WORKERS: 'off' });
    pool = (test.app.get(DataSource).driver as PostgresDriver).master as Pool;
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

  it('opens the connections it keeps (DB_POOL_MIN) before it answers, each readied', async () => {
    // Both idle, before any request: the two kept connections, opened at start.
    expect(pool.totalCount).toBe(2);
    expect(pool.idleCount).toBe(2);
    const clients = [await pool.connect(), await pool.connect()];
    try {
      expect(new Set(clients).size).toBe(2);
      for (const client of clients) readied(await claimsPreparedOn(client));
    } finally {
      for (const client of clients) client.release();
    }
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
});
