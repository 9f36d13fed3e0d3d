import { Client } from 'pg';
import { startTestApp, TestApp } from './utils/test-app';

/**
 * Every read and delete of a run's steps (`WHERE run_id = ...`, with or without a fan-out's
 * elements) is served by an index, never a scan of every task: a completion reads its run's
 * steps, so a scan would make each one cost as much as the table is large.
 */
describe("a run's steps are found by index", () => {
  let test: TestApp;
  let db: Client;

  beforeAll(async () => {
    test = await startTestApp();
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
  });

  const plan = async (sql: string, params: unknown[]) => {
    await db.query('BEGIN');
    try {
      // With sequential scans priced out, a plan that still scans the table has no index to use.
      await db.query('SET LOCAL enable_seqscan = off');
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await db.query('ROLLBACK');
    }
  };

  const run = '01a23435-3316-755e-9bcc-ce086189f5b6';
  it.each([
    [
      'the progress of one run',
      `SELECT step_key, status FROM workflow_tasks WHERE run_id = $1`,
      [run],
    ],
    [
      'the steps of a batch of runs',
      `SELECT id FROM workflow_tasks WHERE run_id = ANY($1::uuid[]) AND status = 'succeeded'`,
      [[run]],
    ],
    [
      "a run's steps and elements to delete on retry",
      `DELETE FROM workflow_tasks WHERE run_id = $1 AND (status <> 'succeeded' OR step_key = $2)`,
      [run, 'a'],
    ],
  ])('%s', async (_name, sql, params) => {
    expect(await plan(sql, params)).not.toMatch(/Seq Scan on workflow_tasks/);
  });
});
