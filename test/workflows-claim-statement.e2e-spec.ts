import { Client } from 'pg';
import { claimParameters, claimStatement } from '../src/workflows/claim-statement';
import { ddlBesideWriters } from './utils/ddl';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The claim is one statement: its plan is kept, and the change, audit and events are one. */
describe('the one-statement claim', () => {
  let test: TestApp;
  let db: Client;
  let worker: { authorization: string };

  const post = async (path: string, headers: Record<string, string>, body: unknown) => {
    const response = await test.http
      .post(`/api/v1${path}`)
      .set(headers)
      .send(body as object);
    return { status: response.status, body: response.body as Json };
  };
  const queue = async (skill: string, count: number) => {
    for (let i = 0; i < count; i += 1) {
      const response = await post('/workflows', test.admin, {
        type: 'statement',
        steps: [{ key: 'a', skill }],
      });
      expect(response.status).toBe(201);
    }
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    const agent = await post('/agents', test.admin, {
      id: 'stmt-agent',
      name: 'stmt',
      skills: [
        { id: 'stmt', name: 'stmt' },
        { id: 'other', name: 'other' },
      ],
    });
    expect(agent.status).toBe(201);
    await queue('stmt', 30);
    await queue('other', 5);
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    // A history of finished tasks, as a live table holds: a plan that scans the table shows.
    await db.query(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
         max_attempts, retry_backoff, finished_at)
       SELECT gen_random_uuid(), 'default', (SELECT id FROM workflow_runs LIMIT 1), 'done-' || g,
              'stmt', 'succeeded', '{}', 1, '{"initialSeconds":0,"factor":1,"maxSeconds":0}', now()
         FROM generate_series(1, 20000) g`,
    );
    // And a deep queue: the bench had 3,000 tasks queued when PostgreSQL kept
    // planning the claim again on every call.
    await db.query(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
         max_attempts, retry_backoff)
       SELECT gen_random_uuid(), 'default', (SELECT id FROM workflow_runs LIMIT 1), 'deep-' || g,
              'stmt', 'queued', '{}', 1, '{"initialSeconds":0,"factor":1,"maxSeconds":0}'
         FROM generate_series(1, 3000) g`,
    );
    await db.query('ANALYZE workflow_tasks; ANALYZE workflow_runs; ANALYZE agents');
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  /** `named`: as a named claim (a claimId, or a claimNext) sends them, looking at what it holds. */
  const values = (max: number, named = false) =>
    claimParameters(
      'default',
      'stmt-agent',
      max,
      30,
      undefined,
      named ? '01938d52-3c8e-7e37-9b2c-0f8f3c1f0d44' : null,
    );
  /** The values as SQL literals, for EXECUTE (which takes no bind parameters). */
  const literals = (max: number, named = false) =>
    values(max, named)
      .map((value) =>
        value === null
          ? 'NULL'
          : db.escapeLiteral(
              Array.isArray(value) ? `{${value.join(',')}}` : String(value as string | number),
            ),
      )
      .join(', ');

  it('PostgreSQL keeps one generic plan for it instead of planning every call', async () => {
    for (const [max, limits] of [
      [1, 'limits'],
      [5, 'limits'],
      [1, 'no limits'],
      [5, 'no limits'],
      [1, 'one sub-bucket'],
      [5, 'one sub-bucket'],
    ] as const) {
      // Prepared as the service prepares it (a named statement of the extended protocol).
      const name = `claim_plans_${max}_${limits.replace(/\W/g, '_')}`;
      // In a transaction rolled back at the end: the claims take real rows, then give them back.
      await db.query('BEGIN');
      try {
        for (let i = 0; i < 10; i += 1) {
          await db.query({ name, text: claimStatement(max, limits), values: values(max) });
        }
        const { rows } = await db.query<{ generic: string; custom: string }>(
          `SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements
            WHERE name = $1`,
          [name],
        );
        // PostgreSQL tries five custom plans, then keeps the generic one when it is as good.
        expect({
          max,
          limits,
          generic: Number(rows[0].generic),
          custom: Number(rows[0].custom),
        }).toEqual({
          max,
          limits,
          generic: 5,
          custom: 5,
        });
      } finally {
        await db.query('ROLLBACK');
      }
    }
  });

  it.each(['limits', 'no limits', 'one sub-bucket'] as const)(
    'its generic plan reads the queue index, not the table (statement with %s)',
    async (limits) => {
      await db.query(`PREPARE claim_generic AS ${claimStatement(1, limits)}`);
      await db.query('SET plan_cache_mode = force_generic_plan');
      try {
        const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (FORMAT JSON) EXECUTE claim_generic(${literals(1)})`,
        );
        const nodes = planNodes(rows[0]['QUERY PLAN']);
        const onTasks = nodes.filter((node) => node['Relation Name'] === 'workflow_tasks');
        expect(onTasks.map((node) => node['Node Type'])).not.toContain('Seq Scan');
        expect(onTasks.map((node) => node['Index Name'])).toContain('workflow_tasks_queue');
        // The statement for a tenant without limits has none of the limits' part.
        const onShards = nodes.filter((node) => node['Relation Name'] === 'rate_limit_shards');
        expect(onShards.length > 0).toBe(limits !== 'no limits');
        // The common case's reads one sub-bucket by its key, not all of the limit's.
        const scans = onShards
          .filter((node) => node['Node Type'] !== 'ModifyTable')
          .map((node) => node['Node Type'] as string);
        expect(limits === 'one sub-bucket' && scans.includes('Seq Scan')).toBe(false);
        // A named claim reads what the agent holds under the name by the agent's index.
        const named = planNodes(
          (
            await db.query<{ 'QUERY PLAN': unknown }>(
              `EXPLAIN (FORMAT JSON) EXECUTE claim_generic(${literals(1, true)})`,
            )
          ).rows[0]['QUERY PLAN'],
        ).filter((node) => node['Relation Name'] === 'workflow_tasks');
        expect(named.map((node) => node['Node Type'])).not.toContain('Seq Scan');
        expect(named.map((node) => node['Index Name'])).toContain('workflow_tasks_agent');
      } finally {
        await db.query('RESET plan_cache_mode');
        await db.query('DEALLOCATE claim_generic');
      }
    },
  );

  it.each(['limits', 'no limits', 'one sub-bucket'] as const)(
    "its generic plan starts the claimed task's run by its primary key, also before the runs have statistics (statement with %s)",
    async (limits) => {
      // Many runs waiting to start, and no statistics on the table, as on a new database before
      // its first ANALYZE: PostgreSQL then read every pending run to find the claimed one's.
      await db.query(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, steps)
       SELECT gen_random_uuid(), 'default', 'not-started', 'pending', '[]'
         FROM generate_series(1, 3000)`,
      );
      await db.query(`DELETE FROM pg_statistic WHERE starelid = 'workflow_runs'::regclass`);
      await db.query(`UPDATE pg_class SET reltuples = -1 WHERE oid = 'workflow_runs'::regclass`);
      await db.query(`PREPARE claim_unanalysed AS ${claimStatement(1, limits)}`);
      await db.query('SET plan_cache_mode = force_generic_plan');
      try {
        const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (FORMAT JSON) EXECUTE claim_unanalysed(${literals(1)})`,
        );
        const onRuns = planNodes(rows[0]['QUERY PLAN']).filter(
          (node) =>
            node['Relation Name'] === 'workflow_runs' && node['Node Type'] !== 'ModifyTable',
        );
        expect(onRuns.length).toBeGreaterThan(0);
        expect(onRuns.map((node) => [node['Node Type'], node['Index Name']])).toEqual(
          onRuns.map(() => ['Index Scan', 'workflow_runs_pkey']),
        );
      } finally {
        await db.query('RESET plan_cache_mode');
        await db.query('DEALLOCATE claim_unanalysed');
        await db.query(`DELETE FROM workflow_runs WHERE type = 'not-started'`);
        await db.query('ANALYZE workflow_runs');
      }
    },
  );

  it('the task, the run start, their audit entries and events commit together, in one transaction', async () => {
    const response = await post('/agents/stmt-agent/tasks/claim', worker, { max: 1 });
    expect(response.status).toBe(200);
    const [task] = response.body.data.tasks as Array<{ id: string; workflowId: string }>;
    const audit = await db.query<{ action: string; txid: string }>(
      `SELECT action, txid::text AS txid FROM audit_entries
        WHERE resource_id IN ($1, $2) AND action IN ('task.claim', 'workflow.start')
        ORDER BY id`,
      [task.id, task.workflowId],
    );
    expect(audit.rows.map((row) => row.action)).toEqual(['workflow.start', 'task.claim']);
    expect(new Set(audit.rows.map((row) => row.txid)).size).toBe(1);
    const events = await db.query<{ type: string }>(
      `SELECT type FROM events WHERE subject_type = 'workflow' AND subject_id = $1
          AND type IN ('workflow.started', 'task.claimed')
        ORDER BY position`,
      [task.workflowId],
    );
    expect(events.rows.map((row) => row.type)).toEqual(['workflow.started', 'task.claimed']);
    const run = await db.query(`SELECT status FROM workflow_runs WHERE id = $1`, [task.workflowId]);
    expect(run.rows[0].status).toBe('running');
  });

  it('when its event cannot be written, nothing of the claim is: no task leased, no audit entry', async () => {
    await db.query(`CREATE FUNCTION refuse_claimed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.type = 'task.claimed' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`);
    await ddlBesideWriters(
      db,
      `CREATE TRIGGER refuse_claimed BEFORE INSERT ON events
        FOR EACH ROW EXECUTE FUNCTION refuse_claimed()`,
    );
    const before = await db.query<{ claimed: number; audited: number }>(
      `SELECT (SELECT count(*)::int FROM workflow_tasks WHERE status = 'claimed') AS claimed,
              (SELECT count(*)::int FROM audit_entries WHERE action = 'task.claim') AS audited`,
    );
    try {
      const response = await post('/agents/stmt-agent/tasks/claim', worker, { max: 2 });
      expect(response.status).toBeGreaterThanOrEqual(500);
    } finally {
      // events is partitioned: the drop locks each partition while the service writes to them.
      await ddlBesideWriters(db, 'DROP TRIGGER refuse_claimed ON events');
      await db.query('DROP FUNCTION refuse_claimed()');
    }
    const after = await db.query(
      `SELECT (SELECT count(*)::int FROM workflow_tasks WHERE status = 'claimed') AS claimed,
              (SELECT count(*)::int FROM audit_entries WHERE action = 'task.claim') AS audited`,
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
  });
});

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function planNodes(explained: unknown): Json[] {
  const nodes: Json[] = [];
  const walk = (node: Json) => {
    nodes.push(node);
    for (const child of (node.Plans as Json[] | undefined) ?? []) walk(child);
  };
  for (const entry of explained as Json[]) walk(entry.Plan as Json);
  return nodes;
}
