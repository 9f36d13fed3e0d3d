import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The timer's batch wake with several replicas sweeping at once: sleeps of many runs due in
 * the same second, three services with workers on one database. Each sleep ends once, each run
 * moves on once, and every change has its one audit entry and event, in a chain that verifies.
 */
describe('sleeps woken by several replicas', () => {
  let db: TestDatabase;
  let test: TestApp;
  let base: string;
  let writer: { authorization: string };
  let reader: { authorization: string };
  let pg: Client;
  const env = {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
  };

  const call = async (method: string, path: string, headers: Json, body?: unknown) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const post = (path: string, headers: Json, body: unknown = {}) =>
    call('POST', path, headers, body);
  const get = (path: string) => call('GET', path, reader);
  const stepOf = async (id: string, key: string) =>
    ((await get(`/workflows/${id}`)).body.data.steps as Json[]).find((step) => step.key === key)!;
  const eventsOf = async (id: string): Promise<Json[]> =>
    (await get(`/workflows/${id}/events?limit=200`)).body.data.events as Json[];

  /** The chain holds: every entry sealed (within `timeoutMs`), and verified. */
  const expectChainSealedAndValid = async (timeoutMs: number) => {
    await waitFor(
      async () => {
        const { rows } = await pg.query<{ unsealed: number }>(
          `SELECT count(*)::int AS unsealed FROM audit_entries e
            WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)`,
        );
        return rows[0].unsealed === 0 ? true : undefined;
      },
      timeoutMs,
      'every audit entry to be sealed',
    );
    const verified = await fetch(`${base}/api/v1/audit/verify`, { headers: test.admin });
    expect(verified.status).toBe(200);
    expect(((await verified.json()) as Json).data).toMatchObject({ valid: true });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    test = await startTestApp(env, { db });
    base = await listenOnLoopback(test);
    writer = await createKey(test, { scopes: ['workflows:write', 'workflows:read'] });
    reader = await createKey(test, { scopes: ['workflows:read'] });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg.end();
    await test.close();
    await db.drop();
  });

  it('sleeps due in the same second, three replicas waking them: each resumes once, audited', async () => {
    const replicas = [await startTestApp(env, { db }), await startTestApp(env, { db })];
    try {
      const until = new Date(Date.now() + 10_000).toISOString();
      const runs: string[] = [];
      const steps = [
        { key: 'nap', kind: 'sleep', until: '$.input.until' },
        { key: 'after', skill: 'z-notes', dependsOn: ['nap'] },
      ];
      for (let chunk = 0; chunk < 16; chunk += 1) {
        const created = await Promise.all(
          Array.from({ length: 5 }, () =>
            post('/workflows', writer, { type: 'waits', steps, input: { until } }),
          ),
        );
        for (const response of created) {
          expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
          runs.push(response.body.data.id as string);
        }
      }
      const counted = async () => {
        const { rows } = await pg.query<{ slept: number; queued: number }>(
          `SELECT count(*) FILTER (WHERE step_key = 'nap' AND status = 'succeeded')::int AS slept,
                    count(*) FILTER (WHERE step_key = 'after' AND status = 'queued')::int AS queued
               FROM workflow_tasks WHERE run_id = ANY($1::uuid[])`,
          [runs],
        );
        return rows[0].slept === runs.length && rows[0].queued === runs.length ? true : undefined;
      };
      await waitFor(counted, 30_000, 'every sleep to end and its next task to be queued');
      // One step event and one task event per run, one audit entry per change: never twice.
      const { rows: events } = await pg.query<{ type: string; runs: number; max: number }>(
        `SELECT type, count(DISTINCT subject_id)::int AS runs,
                  max(n)::int AS max
             FROM (SELECT type, subject_id, count(*) OVER (PARTITION BY type, subject_id) AS n
                     FROM events WHERE subject_id = ANY($1::varchar[])
                      AND type IN ('workflow.step.succeeded', 'task.queued')) e
            GROUP BY type ORDER BY type`,
        [runs],
      );
      expect(events).toEqual([
        { type: 'task.queued', runs: runs.length, max: 1 },
        { type: 'workflow.step.succeeded', runs: runs.length, max: 1 },
      ]);
      const { rows: audited } = await pg.query<{ action: string; tasks: number; max: number }>(
        `SELECT a.action, count(DISTINCT a.resource_id)::int AS tasks, max(a.n)::int AS max
             FROM (SELECT e.action, e.resource_id,
                          count(*) OVER (PARTITION BY e.action, e.resource_id) AS n
                     FROM audit_entries e JOIN workflow_tasks t ON t.id::text = e.resource_id
                    WHERE t.run_id = ANY($1::uuid[]) AND e.action IN ('step.succeed', 'task.queue')) a
            GROUP BY a.action ORDER BY a.action`,
        [runs],
      );
      expect(audited).toEqual([
        { action: 'step.succeed', tasks: runs.length, max: 1 },
        { action: 'task.queue', tasks: runs.length, max: 1 },
      ]);
      // What a woken sleep says of itself, in its run, its event and its audit entry.
      const nap = await stepOf(runs[0], 'nap');
      expect(nap).toMatchObject({ status: 'succeeded', task: { output: { sleptUntil: until } } });
      const napEvent = (await eventsOf(runs[0])).find(
        (event) => event.type === 'workflow.step.succeeded',
      )!;
      expect(napEvent.data).toEqual({
        taskId: nap.task.id,
        workflowId: runs[0],
        stepKey: 'nap',
        kind: 'sleep',
        status: 'succeeded',
      });
      const { rows: entries } = await pg.query(
        `SELECT actor_type, actor_id, before, after FROM audit_entries
            WHERE resource_type = 'task' AND resource_id = $1 AND action = 'step.succeed'`,
        [nap.task.id],
      );
      expect(entries).toEqual([
        {
          actor_type: 'system',
          actor_id: 'agentmesh',
          before: { status: 'waiting' },
          after: { status: 'succeeded', kind: 'sleep' },
        },
      ]);
      // And of the task it queued: what the engine writes for any task it queues.
      const after = await stepOf(runs[0], 'after');
      const queuedEvents = (await eventsOf(runs[0])).filter(
        (event) => event.type === 'task.queued',
      );
      expect(queuedEvents.map((event) => event.data)).toEqual([
        {
          taskId: after.task.id,
          workflowId: runs[0],
          stepKey: 'after',
          skill: 'z-notes',
          agentId: null,
          attempt: 1,
          durationMs: null,
        },
      ]);
      const { rows: queuedEntries } = await pg.query(
        `SELECT actor_type, actor_id, before, after FROM audit_entries
            WHERE resource_type = 'task' AND resource_id = $1 AND action = 'task.queue'`,
        [after.task.id],
      );
      expect(queuedEntries).toEqual([
        {
          actor_type: 'system',
          actor_id: 'agentmesh',
          before: null,
          after: { status: 'queued', attempt: 1, agentId: null },
        },
      ]);
      // The chain holds: every entry sealed, and verified.
      await expectChainSealedAndValid(20_000);
    } finally {
      for (const replica of replicas) await replica.close();
    }
  });
  it('more due runs than the lanes take at once, three replicas sweeping: each resumes once, audited', async () => {
    // Seeded as the engine writes them (a running run per sleeper, its sleep step waiting
    // until the same instant), more than WAKE_LANES batches of WAKE_BATCH runs: each sweep
    // reads the due runs several times while its lanes' batches are in flight.
    const count = 1_300;
    const steps = JSON.stringify([
      {
        key: 'nap',
        kind: 'sleep',
        skill: '',
        seconds: 60,
        dependsOn: [],
        timeoutSeconds: null,
        maxAttempts: 1,
        retryBackoff: { initialSeconds: 1, factor: 2, maxSeconds: 300 },
      },
      {
        key: 'after',
        skill: 'z-many',
        dependsOn: ['nap'],
        timeoutSeconds: null,
        maxAttempts: 3,
        retryBackoff: { initialSeconds: 1, factor: 2, maxSeconds: 300 },
      },
    ]);
    const replicas = [await startTestApp(env, { db }), await startTestApp(env, { db })];
    try {
      await pg.query('BEGIN');
      const { rows: seeded } = await pg.query<{ id: string }>(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, priority, input, steps, started_at)
         SELECT gen_random_uuid(), 'default', 'many-sleepers', 'running', 0, '{}'::jsonb,
                $1::jsonb, now()
           FROM generate_series(1, $2)
         RETURNING id`,
        [steps, count],
      );
      const runs = seeded.map((row) => row.id);
      const { rows: due } = await pg.query<{ at: Date }>(
        `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, kind, skill, status, input,
           max_attempts, retry_backoff, wait_for, wake_at)
         SELECT gen_random_uuid(), 'default', r.id, 'nap', 'sleep', '', 'waiting',
                '{"input": {}, "dependencies": {}}'::jsonb, 1,
                '{"initialSeconds": 1, "factor": 2, "maxSeconds": 300}'::jsonb,
                '{"sleep": {"seconds": 60}}'::jsonb, now() + interval '3 seconds'
           FROM unnest($1::uuid[]) AS r(id)
         RETURNING wake_at AS at`,
        [runs],
      );
      await pg.query('COMMIT');
      const counted = async () => {
        const { rows } = await pg.query<{ slept: number; queued: number }>(
          `SELECT count(*) FILTER (WHERE step_key = 'nap' AND status = 'succeeded')::int AS slept,
                  count(*) FILTER (WHERE step_key = 'after' AND status = 'queued')::int AS queued
             FROM workflow_tasks WHERE run_id = ANY($1::uuid[])`,
          [runs],
        );
        return rows[0].slept === count && rows[0].queued === count ? true : undefined;
      };
      await waitFor(counted, 60_000, 'every sleep to end and its next task to be queued');
      // Each sleep ended as its time said, each run's next task queued once.
      const { rows: naps } = await pg.query<{ runs: number; tasks: number; outputs: Json[] }>(
        `SELECT count(DISTINCT run_id)::int AS runs, count(*)::int AS tasks,
                array_agg(DISTINCT output) AS outputs
           FROM workflow_tasks WHERE run_id = ANY($1::uuid[]) AND step_key = 'nap'`,
        [runs],
      );
      expect(naps).toEqual([
        { runs: count, tasks: count, outputs: [{ sleptUntil: due[0].at.toISOString() }] },
      ]);
      const { rows: afters } = await pg.query<{ runs: number; tasks: number }>(
        `SELECT count(DISTINCT run_id)::int AS runs, count(*)::int AS tasks
           FROM workflow_tasks WHERE run_id = ANY($1::uuid[]) AND step_key = 'after'`,
        [runs],
      );
      expect(afters).toEqual([{ runs: count, tasks: count }]);
      // One step event and one task event per run, one audit entry per change: never twice.
      const { rows: events } = await pg.query<{ type: string; runs: number; max: number }>(
        `SELECT type, count(DISTINCT subject_id)::int AS runs, max(n)::int AS max
           FROM (SELECT type, subject_id, count(*) OVER (PARTITION BY type, subject_id) AS n
                   FROM events WHERE subject_id = ANY($1::varchar[])) e
          GROUP BY type ORDER BY type`,
        [runs],
      );
      expect(events).toEqual([
        { type: 'task.queued', runs: count, max: 1 },
        { type: 'workflow.step.succeeded', runs: count, max: 1 },
      ]);
      const { rows: audited } = await pg.query<{ action: string; tasks: number; max: number }>(
        `SELECT a.action, count(DISTINCT a.resource_id)::int AS tasks, max(a.n)::int AS max
           FROM (SELECT e.action, e.resource_id,
                        count(*) OVER (PARTITION BY e.action, e.resource_id) AS n
                   FROM audit_entries e JOIN workflow_tasks t ON t.id::text = e.resource_id
                  WHERE t.run_id = ANY($1::uuid[])) a
          GROUP BY a.action ORDER BY a.action`,
        [runs],
      );
      expect(audited).toEqual([
        { action: 'step.succeed', tasks: count, max: 1 },
        { action: 'task.queue', tasks: count, max: 1 },
      ]);
      await expectChainSealedAndValid(30_000);
    } finally {
      for (const replica of replicas) await replica.close();
    }
  });
});
