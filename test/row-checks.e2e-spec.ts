import { Client } from 'pg';
import { startTestApp, TestApp } from './utils/test-app';

/**
 * The check constraints of runs and tasks (migration CompiledRowChecks: functions, not lists of
 * constants PostgreSQL reads back from text for every statement) refuse what they refused and
 * let through what they let through, each under its own name.
 */
describe('the row checks of runs and tasks', () => {
  let test: TestApp;
  let db: Client;
  const run = '0190a8a8-0000-7000-8000-0000000000aa';

  beforeAll(async () => {
    test = await startTestApp();
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    await db.query(
      `INSERT INTO workflow_runs (id, tenant_id, type, status, steps)
       VALUES ($1, 'default', 'checked', 'running', '[]')`,
      [run],
    );
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
  });

  /** The error a task row with these columns meets, or undefined; nothing is kept. */
  const taskRow = (columns: Record<string, unknown>) =>
    attempt(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, kind,
                                   element_index, element_count, max_attempts, timeout_seconds,
                                   retry_backoff, input)
       VALUES (gen_random_uuid(), 'default', $1, 's', 'k', $2, $3, $4, $5, 3, 60, '{}', '{}')`,
      [
        run,
        columns.status ?? 'queued',
        columns.kind ?? 'task',
        columns.elementIndex ?? null,
        columns.elementCount ?? null,
      ],
    );

  /** The error a run row with these columns meets, or undefined; nothing is kept. */
  const runRow = (status: string, concurrencyState: string | null) =>
    attempt(
      `INSERT INTO workflow_runs (id, tenant_id, type, status, steps, concurrency_key,
                                  concurrency_limit, concurrency_state)
       VALUES (gen_random_uuid(), 'default', 'checked', $1, '[]', $2, $3, $4)`,
      [
        status,
        concurrencyState === null ? null : 'key',
        concurrencyState === null ? null : 1,
        concurrencyState,
      ],
    );

  async function attempt(sql: string, params: unknown[]): Promise<string | undefined> {
    await db.query('BEGIN');
    try {
      await db.query(sql, params);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      await db.query('ROLLBACK');
    }
  }

  it.each([
    ['an unknown status', { status: 'done' }, 'workflow_tasks_status_check'],
    ['an unknown kind', { kind: 'job' }, 'workflow_tasks_kind_check'],
    ['a wait that is queued', { kind: 'wait', status: 'queued' }, 'workflow_tasks_kind_check'],
    ['a wait that is claimed', { kind: 'wait', status: 'claimed' }, 'workflow_tasks_kind_check'],
    ['a task that is waiting', { status: 'waiting' }, 'workflow_tasks_kind_check'],
    [
      'an element of a wait',
      { kind: 'wait', status: 'waiting', elementIndex: 0 },
      'workflow_tasks_element_check',
    ],
    ['an element past 999', { elementIndex: 1000 }, 'workflow_tasks_element_check'],
    ['a negative element', { elementIndex: -1 }, 'workflow_tasks_element_check'],
    ['an element count on a task', { elementCount: 3 }, 'workflow_tasks_element_check'],
    [
      'an element count past 1000',
      { kind: 'fanout', status: 'waiting', elementCount: 1001 },
      'workflow_tasks_element_check',
    ],
  ])('a task row with %s is refused', async (_name, columns, constraint) => {
    expect(await taskRow(columns)).toMatch(new RegExp(`"${constraint}"`));
  });

  it.each([
    ['queued task', {}],
    ['timed-out task', { status: 'timed_out' }],
    ['held task', { status: 'held' }],
    ['waiting approval', { kind: 'approval', status: 'waiting' }],
    ['succeeded sleep', { kind: 'sleep', status: 'succeeded' }],
    ['waiting GitHub step', { kind: 'github', status: 'waiting' }],
    ['last element', { elementIndex: 999 }],
    ['fan-out of 1,000', { kind: 'fanout', status: 'waiting', elementCount: 1000 }],
    ['fan-out of none', { kind: 'fanout', status: 'succeeded', elementCount: 0 }],
  ])('a %s is let through', async (_name, columns) => {
    expect(await taskRow(columns)).toBeUndefined();
  });

  it('a run row is checked for its status and its concurrency state', async () => {
    expect(await runRow('finished', null)).toMatch(/workflow_runs_status_check/);
    expect(await runRow('running', 'queued')).toMatch(/workflow_runs_concurrency_state_check/);
    for (const status of ['scheduled', 'pending', 'running', 'budget_exceeded', 'succeeded']) {
      expect(await runRow(status, null)).toBeUndefined();
    }
    for (const status of ['failed', 'cancelled']) {
      expect(await runRow(status, null)).toBeUndefined();
    }
    expect(await runRow('pending', 'waiting')).toBeUndefined();
    expect(await runRow('running', 'holding')).toBeUndefined();
  });

  it('an update is checked as an insert is', async () => {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, kind,
                                   max_attempts, timeout_seconds, retry_backoff, input)
       VALUES (gen_random_uuid(), 'default', $1, 'u', 'k', 'queued', 'task', 3, 60, '{}', '{}')
       RETURNING id`,
      [run],
    );
    const update = (set: string) =>
      attempt(`UPDATE workflow_tasks SET ${set} WHERE id = $1`, [rows[0].id]);
    expect(await update(`status = 'waiting'`)).toMatch(/workflow_tasks_kind_check/);
    expect(await update(`status = 'paused'`)).toMatch(/workflow_tasks_status_check/);
    expect(await update(`element_count = 2`)).toMatch(/workflow_tasks_element_check/);
    expect(await update(`status = 'claimed'`)).toBeUndefined();
    expect(await attempt(`UPDATE workflow_runs SET status = 'lost' WHERE id = $1`, [run])).toMatch(
      /workflow_runs_status_check/,
    );
  });

  it('no check of a run or a task is a list of constants read back for every statement', async () => {
    const { rows } = await db.query<{ name: string; definition: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint
        WHERE conrelid IN ('workflow_tasks'::regclass, 'workflow_runs'::regclass)
          AND contype = 'c'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(rows.filter((row) => /ARRAY\[|'[a-z_]+'::/.test(row.definition))).toEqual([]);
  });
});
