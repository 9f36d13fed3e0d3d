import { Client } from 'pg';
import { ADMIN_KEY, startTestApp, TestApp } from './utils/test-app';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';

/**
 * The application closes its pool only after the requests it is still working on are done,
 * also those whose client is gone: the HTTP server's close waits for connections, not for
 * handlers, so a request abandoned by its client still runs its transaction.
 */
describe('shutdown with a request still in its transaction', () => {
  let db: TestDatabase;
  let test: TestApp;
  let sql: Client;
  let closing: Promise<void> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    test = await startTestApp({}, { db });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    // The test closes the application; one that failed before that leaves it to here (the
    // table's lock let go first: the close waits for the request that waits for it).
    await sql.query('ROLLBACK').catch(() => undefined);
    await (closing ?? test.app.close()).catch(() => undefined);
    await sql.end();
    await db.drop();
  });

  it('lets a run start whose client went away commit, then closes the pool', async () => {
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    // The run start waits for the runs table (no socket: a request nobody waits for).
    await sql.query('BEGIN');
    await sql.query('LOCK TABLE workflow_runs IN SHARE ROW EXCLUSIVE MODE');
    const started = test.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers,
      payload: { type: 'in-flight', steps: [{ key: 'a', skill: 'later' }] },
    });
    // An answer before the table is let go means the start never waited: say what it was.
    let answeredEarly: string | undefined;
    void started.then((response) => {
      if (!closing) answeredEarly = `${response.statusCode} ${response.body.slice(0, 500)}`;
    });
    await waitFor(
      async () => {
        if (answeredEarly !== undefined) return true;
        // `sql` is in its transaction, which keeps the first look at pg_stat_activity: a start
        // that reached the lock after that look was never seen waiting.
        await sql.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND pid <> pg_backend_pid()`,
        );
        return rows[0].n > 0 ? true : undefined;
      },
      30_000,
      'the run start to wait for the table',
    );
    expect(answeredEarly).toBeUndefined();
    let closed = false;
    closing = test.app.close().then(() => {
      closed = true;
    });
    await new Promise((done) => setTimeout(done, 500));
    // The pool is still open for the request that is in its transaction.
    expect(closed).toBe(false);
    await sql.query('COMMIT');
    const response = await started;
    await closing;
    expect(response.statusCode).toBe(201);
    const { rows } = await sql.query<{ tasks: number }>(
      `SELECT (SELECT count(*)::int FROM workflow_tasks t WHERE t.run_id = r.id) AS tasks
         FROM workflow_runs r WHERE r.type = 'in-flight'`,
    );
    expect(rows).toEqual([{ tasks: 1 }]);
  });
});
