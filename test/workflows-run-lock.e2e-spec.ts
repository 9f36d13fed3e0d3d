import { Client } from 'pg';
import { collectPlans } from './utils/plans';
import { startTestApp, TestApp } from './utils/test-app';

/**
 * The lock every completion, failure and heartbeat batch takes first: the runs of its tasks
 * (`workflow_lock_runs_of_tasks`), its read of the tasks and its lock of each run by primary key
 * planned once per connection.
 */
describe('the run lock of a batch of tasks', () => {
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

  it('locks the runs of the given tasks of their tenants, in id order, by primary keys, also when planned while the tables were empty', async () => {
    // Statistics that say both tables are empty, and the connection's plan made while they are.
    expect((await db.query('SELECT 1 FROM workflow_runs LIMIT 1')).rowCount).toBe(0);
    await db.query('ANALYZE workflow_runs, workflow_tasks');
    const connection = new Client({ connectionString: test.db.url });
    await connection.connect();
    const lock = (tenants: string[], tasks: string[]) =>
      connection.query<{ id: string }>(
        `SELECT id FROM workflow_lock_runs_of_tasks($1::varchar[], $2::uuid[])`,
        [tenants, tasks],
      );
    const insertRuns = async (count: number) => {
      await db.query(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, steps)
         SELECT gen_random_uuid(), 'default', 'locked', 'running', '[]'
           FROM generate_series(1, $1::int)`,
        [count],
      );
      // Two tasks each, for the runs without.
      await db.query(
        `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
           max_attempts, retry_backoff)
         SELECT gen_random_uuid(), 'default', r.id, s, 'locked', 'claimed', '{}', 1, '{}'
           FROM workflow_runs r CROSS JOIN (VALUES ('a'), ('b')) AS s(s)
          WHERE r.type = 'locked'
            AND NOT EXISTS (SELECT 1 FROM workflow_tasks t WHERE t.run_id = r.id)`,
      );
    };
    try {
      // A completion naming a task that does not exist: the plan is made now.
      await connection.query('BEGIN');
      expect((await lock(['default'], ['0190a8a8-0000-7000-8000-000000000000'])).rows).toEqual([]);
      await connection.query('COMMIT');
      // The tables fill without new statistics: 5,000 runs of two tasks each.
      await insertRuns(5_000);
      const { rows: picked } = await db.query<{ task: string; run: string }>(
        `SELECT t.id AS task, t.run_id AS run FROM workflow_tasks t
          WHERE t.run_id IN (SELECT id FROM workflow_runs WHERE type = 'locked'
                              ORDER BY id DESC LIMIT 3)
          ORDER BY t.run_id DESC, t.step_key`,
      );
      const runs = [...new Set(picked.map((row) => row.run))].sort();
      expect(runs).toHaveLength(3);
      const { rows: other } = await db.query<{ task: string; run: string }>(
        `SELECT t.id AS task, t.run_id AS run FROM workflow_tasks t
          WHERE t.run_id <> ALL($1::uuid[]) LIMIT 1`,
        [runs],
      );

      const plans = await collectPlans(connection);
      await connection.query('BEGIN');
      // Six tasks of three runs, highest run id first; one task of a fourth run named with
      // another tenant: not its tenant's, so its run is neither answered nor locked.
      const locked = await lock(
        [...picked.map(() => 'default'), 'elsewhere'],
        [...picked.map((row) => row.task), other[0].task],
      );
      expect(locked.rows.map((row) => row.id)).toEqual(runs);
      // Held until the transaction ends.
      await expect(
        db.query('SELECT id FROM workflow_runs WHERE id = $1 FOR UPDATE NOWAIT', [runs[1]]),
      ).rejects.toMatchObject({ code: '55P03' });
      await db.query('BEGIN');
      await db.query('SELECT id FROM workflow_runs WHERE id = $1 FOR UPDATE NOWAIT', [
        other[0].run,
      ]);
      await db.query('ROLLBACK');
      await connection.query('COMMIT');
      await db.query('SELECT id FROM workflow_runs WHERE id = $1 FOR UPDATE NOWAIT', [runs[1]]);

      // The tasks' read and each run's lock, with the plans kept since the tables were empty.
      const tasksRead = plans.filter((plan) => plan.includes('"workflow_tasks"'));
      const runsLocked = plans.filter((plan) => plan.includes('"workflow_runs"'));
      expect(tasksRead).toHaveLength(1);
      expect(runsLocked).toHaveLength(runs.length);
      expect(tasksRead[0]).toContain('"workflow_tasks_pkey"');
      for (const plan of runsLocked) expect(plan).toContain('"workflow_runs_pkey"');
      for (const plan of plans) expect(plan).not.toContain('Seq Scan');
    } finally {
      await connection.end();
    }
  });

  it('marks the tasks of a completion batch succeeded by primary key under their leases, also when planned while the tables were empty', async () => {
    await db.query('DELETE FROM workflow_tasks');
    await db.query('DELETE FROM workflow_runs');
    await db.query('ANALYZE workflow_runs, workflow_tasks');
    const connection = new Client({ connectionString: test.db.url });
    await connection.connect();
    const succeed = (runs: string[], tasks: string[], tokens: string[]) =>
      connection.query<{ id: string; holder: number; status: string; others: unknown }>(
        `SELECT (d.task).id, (d.task).status, d.holder, d.others
           FROM workflow_succeed_tasks_needed($1::uuid[], $2::varchar[], $3::uuid[], $4::varchar[],
                                       $5::jsonb[], $6::varchar[], $7::varchar[]) d`,
        [
          runs,
          tasks.map(() => 'default'),
          tasks,
          tokens,
          tasks.map((_, i) => JSON.stringify({ n: i })),
          tasks.map(() => 'hash'),
          tasks.map(() => null),
        ],
      );
    try {
      // The plans are made now, while the statistics say the tables are empty.
      const none = ['0190a8a8-0000-7000-8000-000000000000'];
      expect((await succeed(none, none, ['x'])).rows).toEqual([]);
      // The tables fill without new statistics: 5,000 runs of two claimed tasks each.
      await db.query(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, steps)
         SELECT gen_random_uuid(), 'default', 'succeeding', 'running', '[]'
           FROM generate_series(1, 5000)`,
      );
      await db.query(
        `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
           max_attempts, retry_backoff, lease_token, lease_expires_at, claimed_at, agent_id)
         SELECT gen_random_uuid(), 'default', r.id, s, 'succeeding', 'claimed', '{}', 1, '{}',
                'token-' || s, now() + interval '1 hour', now(), 'agent'
           FROM workflow_runs r CROSS JOIN (VALUES ('a'), ('b')) AS s(s)`,
      );
      const { rows: picked } = await db.query<{ task: string; run: string }>(
        `SELECT t.id AS task, t.run_id AS run FROM workflow_tasks t
          WHERE t.run_id = (SELECT id FROM workflow_runs ORDER BY id LIMIT 1)
          ORDER BY t.step_key`,
      );
      const { rows: elsewhere } = await db.query<{ task: string }>(
        `SELECT id AS task FROM workflow_tasks WHERE run_id <> $1 AND step_key = 'a' LIMIT 1`,
        [picked[0].run],
      );
      const plans = await collectPlans(connection);
      // a under its lease; b under a lease it does not hold; a task of a run not named.
      const done = await succeed(
        [picked[0].run],
        [...picked.map((row) => row.task), elsewhere[0].task],
        ['token-a', 'token-other', 'token-a'],
      );
      expect(done.rows).toEqual([
        {
          id: picked[0].task,
          status: 'succeeded',
          holder: 0,
          others: [
            {
              stepKey: 'b',
              status: 'claimed',
              kind: 'task',
              elementIndex: null,
              elementCount: null,
              output: null,
              withheld: false,
            },
          ],
        },
      ]);
      const { rows: after } = await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM workflow_tasks GROUP BY status ORDER BY status`,
      );
      expect(after).toEqual([
        { status: 'claimed', n: 9_999 },
        { status: 'succeeded', n: 1 },
      ]);
      // Each task found by its key (no whole index read), the other steps by their run.
      const updates = plans.filter((plan) => plan.includes('"ModifyTable"'));
      expect(updates).toHaveLength(3);
      for (const plan of updates) {
        expect(plan).toContain('"Index Name": "workflow_tasks_pkey"');
        // (id = task_ids[k]), the function's arguments as parameters of a generic plan.
        expect(plan).toMatch(/"Index Cond": "\(id = \(\$\d+\)\[\$\d+\]\)"/);
      }
      const reads = plans.filter((plan) => plan.includes('"Alias": "s"'));
      expect(reads).toHaveLength(1);
      expect(reads[0]).toContain('"Index Name": "workflow_tasks_run"');
      for (const plan of plans) expect(plan).not.toContain('Seq Scan');
      // Nor compiled: the generic plan's estimate passes jit_above_cost, and JIT took 13 ms a
      // completion (four times the database CPU of a task) where the statement runs in 0.1.
      for (const plan of plans) expect(plan).not.toContain('"JIT"');
    } finally {
      await connection.end();
    }
  });
});
