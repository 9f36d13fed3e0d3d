import { Client } from 'pg';
import { collectPlans } from './utils/plans';
import { startTestApp, TestApp } from './utils/test-app';

/**
 * The finish of a completion batch's runs whose every step succeeded
 * (`workflow_finish_succeeded_runs`): one UPDATE, its plan kept per connection.
 */
describe('the finish of succeeded runs', () => {
  let test: TestApp;
  let db: Client;

  beforeAll(async () => {
    test = await startTestApp();
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('finishes exactly the given runs with their outputs, by primary key, also when planned while the table was empty', async () => {
    expect((await db.query('SELECT 1 FROM workflow_runs LIMIT 1')).rowCount).toBe(0);
    await db.query('ANALYZE workflow_runs');
    const connection = new Client({ connectionString: test.db.url });
    await connection.connect();
    const finish = (ids: string[], outputs: unknown[]) =>
      connection.query<{ id: string; status: string; output: unknown; error: unknown }>(
        `SELECT id, status, output, error, finished_at AS "finishedAt"
           FROM workflow_finish_succeeded_runs($1::uuid[], $2::jsonb[])`,
        [ids, outputs.map((output) => JSON.stringify(output))],
      );
    try {
      // The plan is made now, while the statistics say the table is empty.
      expect((await finish(['0190a8a8-0000-7000-8000-000000000000'], [{}])).rows).toEqual([]);
      // The table fills without new statistics.
      await db.query(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, steps)
         SELECT gen_random_uuid(), 'default', 'finished', 'running', '[]'
           FROM generate_series(1, 5000)`,
      );
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM workflow_runs ORDER BY id LIMIT 3`,
      );
      const ids = rows.map((row) => row.id);
      const plans = await collectPlans(connection);
      const finished = await finish(ids, [{ n: 1 }, [2], 'three']);
      expect(
        finished.rows.map(({ id, status, output, error }) => ({ id, status, output, error })),
      ).toEqual(
        expect.arrayContaining([
          { id: ids[0], status: 'succeeded', output: { n: 1 }, error: null },
          { id: ids[1], status: 'succeeded', output: [2], error: null },
          { id: ids[2], status: 'succeeded', output: 'three', error: null },
        ]),
      );
      expect(finished.rows).toHaveLength(3);
      const { rows: after } = await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM workflow_runs
          WHERE finished_at IS NOT NULL OR status <> 'running' GROUP BY status`,
      );
      expect(after).toEqual([{ status: 'succeeded', n: 3 }]);

      // The update's kept plan reads each run by its primary key.
      const updates = plans.filter((plan) => plan.includes('"ModifyTable"'));
      expect(updates).toHaveLength(1);
      expect(updates[0]).toContain('"workflow_runs_pkey"');
      for (const plan of plans) expect(plan).not.toContain('Seq Scan');
    } finally {
      await connection.end();
    }
  });
});
