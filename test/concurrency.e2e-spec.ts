import { Client } from 'pg';
import { collectPlans } from './utils/plans';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

/** Concurrency keys on definitions: queue, cancel-newest, cancel-in-progress. */
describe('concurrency keys', () => {
  let test: TestApp;
  let db: Client;
  let writer: Headers;
  let worker: Headers;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = test.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };
  const define = async (key: string, concurrency: Json | undefined, skill = key) => {
    const response = await call('POST', '/workflow-definitions', writer, {
      key,
      steps: [{ key: 'work', skill, maxAttempts: 1 }],
      ...(concurrency ? { concurrency } : {}),
    });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const start = async (definitionKey: string, input: Json) => {
    const response = await call('POST', '/workflows', writer, { definitionKey, input });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const get = async (id: string) =>
    (await call('GET', `/workflows/${id}`, writer)).body.data as Json;
  /** Claims what the agent of `skill` can, and answers the claimed runs' ids. */
  const claim = async (skill: string, max = 10) => {
    const response = await call('POST', `/agents/${skill}-agent/tasks/claim`, worker, { max });
    expect(response.status).toBe(200);
    return response.body.data.tasks as Json[];
  };
  const complete = async (task: Json) => {
    const response = await call('POST', `/tasks/${task.id}/complete`, worker, {
      leaseToken: task.leaseToken,
      output: { done: true },
    });
    return response.status;
  };
  const register = async (skill: string) => {
    const response = await call('POST', '/agents', writer, {
      id: `${skill}-agent`,
      name: skill,
      skills: [{ id: skill, name: skill }],
      heartbeatIntervalSeconds: 3600,
    });
    expect(response.status).toBe(201);
  };
  const history = async (id: string) =>
    (
      await db.query<{ type: string; data: Json }>(
        `SELECT type, data FROM events WHERE subject_type = 'workflow' AND subject_id = $1
          ORDER BY position`,
        [id],
      )
    ).rows;
  const auditActions = async (id: string) =>
    (
      await db.query<{ action: string }>(
        `SELECT action FROM audit_entries WHERE resource_id = $1 AND action LIKE 'workflow.%'
          ORDER BY occurred_at, id`,
        [id],
      )
    ).rows.map((row) => row.action);
  /** Until the promotion that follows a commit (or the sweep) has started what it may. */
  const eventually = async (check: () => Promise<boolean>, what: string) => {
    const until = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  const hasTask = async (id: string) => (await get(id)).steps[0].task !== null;
  const waitingMetric = async () => {
    const text = (await test.http.get('/metrics')).text;
    return Number(/^workflow_runs_waiting\{reason="concurrency"\} (\d+)$/m.exec(text)?.[1]);
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    writer = {
      authorization: (
        await createKey(test, {
          scopes: ['workflows:write', 'workflows:read', 'agents:write', 'agents:read'],
        })
      ).authorization,
    };
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('validates the concurrency of a definition: 400 naming the field, nothing stored', async () => {
    for (const [concurrency, field] of [
      [{ key: 'input.repo', limit: 1 }, 'concurrency.key'],
      [{ key: '$.steps.plan.output', limit: 1 }, 'concurrency.key'],
      [{ key: '$.input.repo', limit: 0 }, 'concurrency.limit'],
      [{ key: '$.input.repo', limit: 1.5 }, 'concurrency.limit'],
      [{ key: '$.input.repo', limit: 100_000 }, 'concurrency.limit'],
      [{ key: '$.input.repo', limit: 1, strategy: 'round-robin' }, 'concurrency.strategy'],
      [{ limit: 1 }, 'concurrency.key'],
      ['one', 'concurrency'],
    ] as const) {
      const response = await call('POST', '/workflow-definitions', writer, {
        key: 'invalid',
        steps: [{ key: 'a', skill: 'a' }],
        concurrency,
      });
      expect(response.status).toBe(400);
      expect(response.body.type).toBeDefined();
      expect(JSON.stringify(response.body.errors)).toContain(field);
    }
    expect((await call('GET', '/workflow-definitions/invalid', writer)).status).toBe(404);

    const stored = await define('shown', { key: '$.input.repo', limit: 2 });
    expect(stored.concurrency).toEqual({ key: '$.input.repo', limit: 2, strategy: 'queue' });
    // The same content again is the same version; another limit is a new one.
    const again = await call('POST', '/workflow-definitions', writer, {
      key: 'shown',
      steps: [{ key: 'work', skill: 'shown', maxAttempts: 1 }],
      concurrency: { key: '$.input.repo', limit: 2 },
    });
    expect(again.status).toBe(200);
    expect((await define('shown', { key: '$.input.repo', limit: 3 })).version).toBe(2);
  });

  it('the after-commit look-up of promotions due answers the groups whose first waiting run fits, by the concurrency index, also with statistics of an empty table', async () => {
    // Keyed runs as the engine writes them: group k1 has a holder and a run waiting (limit 2:
    // a slot is free), k2 a holder and a run waiting at its limit (1), k3 10,000 waiting.
    const keyed = (key: string, limit: number, state: string, count: number, offset = 0) =>
      db.query(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, steps, concurrency_key,
           concurrency_limit, concurrency_strategy, concurrency_state, concurrency_since)
         SELECT gen_random_uuid(), 'default', 'promo', 'pending', '[]', $1, $2, 'queue', $3,
                now() + (g + $5) * interval '1 millisecond'
           FROM generate_series(1, $4::int) g`,
        [key, limit, state, count, offset],
      );
    // Statistics that say the table is empty, and a plan made while it is.
    expect((await db.query('SELECT 1 FROM workflow_runs LIMIT 1')).rowCount).toBe(0);
    await db.query('ANALYZE workflow_runs');
    const connection = new Client({ connectionString: test.db.url });
    await connection.connect();
    try {
      const due = async () =>
        (
          await connection.query<{ key: string }>(
            `SELECT key FROM workflow_promotions_due($1::text[], $2::text[], $3::text[])`,
            [
              ['default', 'default', 'default'],
              ['promo', 'promo', 'promo'],
              ['k1', 'k2', 'k3'],
            ],
          )
        ).rows.map((row) => row.key);
      expect(await due()).toEqual([]);
      // The table fills without new statistics: the connection's plan still reads the index.
      await keyed('k1', 2, 'holding', 1);
      await keyed('k1', 2, 'waiting', 1, 1);
      await keyed('k2', 1, 'holding', 1);
      await keyed('k2', 1, 'waiting', 1, 1);
      await keyed('k3', 1, 'holding', 1);
      await keyed('k3', 1, 'waiting', 10_000, 1);
      const plans = await collectPlans(connection);
      expect(await due()).toEqual(['k1']);
      const nested = plans.filter((plan) => plan.includes('workflow_runs'));
      expect(nested.length).toBeGreaterThan(0);
      for (const plan of nested) {
        expect(plan).toContain('workflow_runs_concurrency');
        expect(plan).not.toContain('Seq Scan');
      }
    } finally {
      await connection.end();
      await db.query(`DELETE FROM workflow_runs WHERE type = 'promo'`);
    }
  });

  it('queue: one run per key value at a time, the others wait pending in order; other values run in parallel', async () => {
    await register('edit');
    await define('edit', { key: '$.input.repo', limit: 1, strategy: 'queue' });
    const a1 = await start('edit', { repo: 'a' });
    const a2 = await start('edit', { repo: 'a' });
    const a3 = await start('edit', { repo: 'a' });
    const b1 = await start('edit', { repo: 'b' });
    expect(a1.waiting).toBeNull();
    expect(a1.steps[0].status).toBe('queued');
    expect(b1.waiting).toBeNull();
    expect(a2).toMatchObject({ status: 'pending', waiting: { reason: 'concurrency', key: 'a' } });
    expect(a2.steps[0]).toMatchObject({ status: 'pending', task: null });
    expect((await get(a2.id)).waiting).toMatchObject({
      reason: 'concurrency',
      key: 'a',
      limit: 1,
      ahead: 0,
    });
    expect((await get(a3.id)).waiting).toMatchObject({ reason: 'concurrency', key: 'a', ahead: 1 });
    expect(Date.parse((await get(a3.id)).waiting.since)).not.toBeNaN();
    expect(await waitingMetric()).toBe(2);

    // Only a1 and b1 have tasks: a claim takes those two and nothing of the waiting runs.
    const first = await claim('edit');
    expect(first.map((task) => task.workflowId).sort()).toEqual([a1.id, b1.id].sort());
    expect(await claim('edit')).toEqual([]);

    // a1 finishes: a2 starts, a3 still waits (now first in line).
    expect(await complete(first.find((task) => task.workflowId === a1.id)!)).toBe(200);
    await eventually(() => hasTask(a2.id), 'a2 to start');
    expect((await get(a2.id)).waiting).toBeNull();
    expect((await get(a3.id)).waiting).toMatchObject({ reason: 'concurrency', ahead: 0 });
    expect(await waitingMetric()).toBe(1);
    const second = await claim('edit');
    expect(second.map((task) => task.workflowId)).toEqual([a2.id]);

    // a2 fails for good: a failure frees the slot too.
    const failed = await call('POST', `/tasks/${second[0].id}/fail`, worker, {
      leaseToken: second[0].leaseToken,
      error: { message: 'conflict' },
    });
    expect(failed.status).toBe(200);
    await eventually(() => hasTask(a3.id), 'a3 to start');
    const third = await claim('edit');
    expect(third.map((task) => task.workflowId)).toEqual([a3.id]);
    expect(await complete(third[0])).toBe(200);
    expect(await complete(first.find((task) => task.workflowId === b1.id)!)).toBe(200);
    expect((await get(a3.id)).status).toBe('succeeded');
    expect(await waitingMetric()).toBe(0);

    // History and audit trail of a run that waited.
    expect((await history(a3.id)).map((event) => event.type)).toEqual([
      'workflow.created',
      'workflow.concurrency.queued',
      'workflow.concurrency.started',
      'task.queued',
      'workflow.started',
      'task.claimed',
      'task.succeeded',
      'workflow.succeeded',
    ]);
    const queued = (await history(a3.id)).find((e) => e.type === 'workflow.concurrency.queued')!;
    expect(queued.data).toMatchObject({ key: 'a', limit: 1, strategy: 'queue', ahead: 1 });
    expect(await auditActions(a3.id)).toEqual(
      expect.arrayContaining(['workflow.concurrency_queue', 'workflow.concurrency_start']),
    );
    // A run that did not wait has no concurrency events.
    expect((await history(b1.id)).map((event) => event.type)).not.toContain(
      'workflow.concurrency.queued',
    );
  });

  it('a queued run can be cancelled: it never starts and the queue moves past it', async () => {
    await register('lane');
    await define('lane', { key: '$.input.lane', limit: 1 });
    const r1 = await start('lane', { lane: 1 });
    const r2 = await start('lane', { lane: 1 });
    const r3 = await start('lane', { lane: 1 });
    const cancelled = await call('POST', `/workflows/${r2.id}/cancel`, writer);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', waiting: null });
    expect((await get(r3.id)).waiting).toMatchObject({ reason: 'concurrency', key: 1, ahead: 0 });
    const [task] = await claim('lane');
    expect(task.workflowId).toBe(r1.id);
    expect(await complete(task)).toBe(200);
    await eventually(() => hasTask(r3.id), 'r3 to start');
    expect((await get(r2.id)).steps[0].task).toBeNull();
    const [next] = await claim('lane');
    expect(next.workflowId).toBe(r3.id);
    expect(await complete(next)).toBe(200);

    // Cancelling the run holding the slot starts the next one too.
    const h1 = await start('lane', { lane: 2 });
    const h2 = await start('lane', { lane: 2 });
    expect((await call('POST', `/workflows/${h1.id}/cancel`, writer)).status).toBe(200);
    await eventually(() => hasTask(h2.id), 'h2 to start after the holder was cancelled');
    // And a bulk cancel releases the slots of every run it cancels.
    const h3 = await start('lane', { lane: 2 });
    expect((await get(h3.id)).waiting).toMatchObject({ reason: 'concurrency' });
    const bulk = await call('POST', '/workflows/cancel', writer, {
      definitionKey: 'lane',
      status: 'pending',
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.data.cancelled).toBe(2);
    expect((await get(h3.id)).status).toBe('cancelled');
  });

  it('one transaction that frees the slots of several key values starts the next run of each', async () => {
    await register('many');
    await define('many', { key: '$.input.k', limit: 1 });
    const holders = [];
    const waiters = [];
    for (const k of ['x', 'y', 'z']) holders.push(await start('many', { k }));
    for (const k of ['x', 'y', 'z']) waiters.push(await start('many', { k }));
    for (const waiter of waiters) expect(waiter.waiting).toMatchObject({ reason: 'concurrency' });
    expect((await claim('many')).map((task) => task.workflowId).sort()).toEqual(
      holders.map((run) => run.id).sort(),
    );
    // The three holders are running, their waiters pending: one bulk cancel, one transaction.
    const bulk = await call('POST', '/workflows/cancel', writer, {
      definitionKey: 'many',
      status: 'running',
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.data.cancelled).toBe(3);
    // The cancel answers once its commit's promotions ran: no waiting for the 2 s sweep.
    for (const waiter of waiters) expect(await hasTask(waiter.id)).toBe(true);
    expect((await claim('many')).map((task) => task.workflowId).sort()).toEqual(
      waiters.map((run) => run.id).sort(),
    );
  });

  it('limit 2: two runs of a key value at once, the third waits for either', async () => {
    await register('pair');
    await define('pair', { key: '$.input.k', limit: 2 });
    const runs: Json[] = [];
    for (let i = 0; i < 4; i += 1) runs.push(await start('pair', { k: 'same' }));
    expect(runs.map((run) => run.waiting?.reason ?? null)).toEqual([
      null,
      null,
      'concurrency',
      'concurrency',
    ]);
    const held = await claim('pair');
    expect(held.map((task) => task.workflowId).sort()).toEqual([runs[0].id, runs[1].id].sort());
    expect(await complete(held.find((task) => task.workflowId === runs[1].id)!)).toBe(200);
    await eventually(() => hasTask(runs[2].id), 'the third run to start');
    expect((await get(runs[3].id)).waiting).toMatchObject({ ahead: 0, limit: 2 });
    const more = await claim('pair');
    expect(more.map((task) => task.workflowId)).toEqual([runs[2].id]);
    for (const task of [held.find((t) => t.workflowId === runs[0].id)!, more[0]])
      expect(await complete(task)).toBe(200);
    await eventually(() => hasTask(runs[3].id), 'the fourth run to start');
  });

  it('cancel-newest: a run arriving while its key value is full is cancelled, with the reason', async () => {
    await register('deploy');
    await define('deploy', { key: '$.input.env', limit: 1, strategy: 'cancel-newest' });
    const first = await start('deploy', { env: 'prod' });
    const newest = await start('deploy', { env: 'prod' });
    const other = await start('deploy', { env: 'staging' });
    expect(first.status).toBe('pending');
    expect(first.steps[0].status).toBe('queued');
    expect(other.steps[0].status).toBe('queued');
    expect(newest).toMatchObject({
      status: 'cancelled',
      waiting: null,
      error: { reason: 'concurrency', key: 'prod', strategy: 'cancel-newest' },
    });
    expect(newest.error.message).toMatch(/cancel-newest/);
    expect(newest.steps[0]).toMatchObject({ status: 'cancelled', task: null });
    expect((await history(newest.id)).map((event) => event.type)).toEqual([
      'workflow.created',
      'workflow.concurrency.cancelled',
      'workflow.cancelled',
    ]);
    expect(await auditActions(newest.id)).toContain('workflow.concurrency_cancel');
    // The first one is untouched and runs.
    const claimed = await claim('deploy');
    expect(claimed.map((task) => task.workflowId).sort()).toEqual([first.id, other.id].sort());
    for (const task of claimed) expect(await complete(task)).toBe(200);
    // Once it finished, a new run of the key starts.
    expect((await start('deploy', { env: 'prod' })).steps[0].status).toBe('queued');
  });

  it('cancel-in-progress: the arriving run cancels the running one (its lease is void) and starts', async () => {
    await register('preview');
    await define('preview', { key: '$.input.pr', limit: 1, strategy: 'cancel-in-progress' });
    const old = await start('preview', { pr: 42 });
    const [held] = await claim('preview');
    expect(held.workflowId).toBe(old.id);
    const fresh = await start('preview', { pr: 42 });
    expect(fresh.status).toBe('pending');
    expect(fresh.steps[0].status).toBe('queued');
    const cancelled = await get(old.id);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      error: {
        reason: 'concurrency',
        key: 42,
        strategy: 'cancel-in-progress',
        cancelledBy: fresh.id,
      },
    });
    expect(cancelled.steps[0].status).toBe('cancelled');
    // The old task's lease no longer completes anything.
    expect(await complete(held)).toBe(409);
    expect((await history(old.id)).map((event) => event.type)).toEqual([
      'workflow.created',
      'task.queued',
      'workflow.started',
      'task.claimed',
      'workflow.concurrency.cancelled',
      'task.cancelled',
      'workflow.cancelled',
    ]);
    const [next] = await claim('preview');
    expect(next.workflowId).toBe(fresh.id);
    expect(await complete(next)).toBe(200);
    expect((await get(fresh.id)).status).toBe('succeeded');
  });

  it('cancel-in-progress: a retried run evicts the run holding the slot, never itself', async () => {
    await register('evict-retry');
    await define('evict-retry', { key: '$.input.pr', limit: 1, strategy: 'cancel-in-progress' });
    const failing = await start('evict-retry', { pr: 7 });
    const [task] = await claim('evict-retry');
    const failed = await call('POST', `/tasks/${task.id}/fail`, worker, {
      leaseToken: task.leaseToken,
      error: { message: 'broken' },
    });
    expect(failed.status).toBe(200);
    expect((await get(failing.id)).status).toBe('failed');
    const holder = await start('evict-retry', { pr: 7 });
    const [held] = await claim('evict-retry');
    expect(held.workflowId).toBe(holder.id);
    const retried = await call('POST', `/workflows/${failing.id}/retry`, writer);
    expect(retried.status).toBe(200);
    expect(retried.body.data.status).toBe('running');
    expect(await get(holder.id)).toMatchObject({
      status: 'cancelled',
      error: { reason: 'concurrency', cancelledBy: failing.id },
    });
    expect(await complete(held)).toBe(409);
    const [again] = await claim('evict-retry');
    expect(again.workflowId).toBe(failing.id);
    expect(await complete(again)).toBe(200);
    expect((await get(failing.id)).status).toBe('succeeded');
    expect(
      (await history(failing.id))
        .map((event) => event.type)
        .filter((type) => type.startsWith('workflow.')),
    ).toEqual([
      'workflow.created',
      'workflow.started',
      'workflow.failed',
      'workflow.retried',
      'workflow.succeeded',
    ]);
  });

  it('runs whose input lacks the key value share the null key value', async () => {
    await register('nokey');
    await define('nokey', { key: '$.input.repo', limit: 1 });
    const r1 = await start('nokey', {});
    const r2 = await start('nokey', { repo: null });
    const r3 = await start('nokey', { repo: 'null' });
    expect(r1.waiting).toBeNull();
    expect(r2.waiting).toMatchObject({ reason: 'concurrency', key: null });
    expect(r3.waiting).toBeNull();
    for (const task of await claim('nokey')) expect(await complete(task)).toBe(200);
    await eventually(() => hasTask(r2.id), 'the second null-key run to start');
  });

  it('a run whose promotion was lost (a crash after the holder finished) is started by the sweep', async () => {
    await register('lost');
    await define('lost', { key: '$.input.repo', limit: 1 });
    const holder = await start('lost', { repo: 'x' });
    const waiting = await start('lost', { repo: 'x' });
    // The holder ends behind the engine's back: no promotion follows its commit.
    await db.query(
      `UPDATE workflow_runs SET status = 'cancelled', finished_at = now() WHERE id = $1`,
      [holder.id],
    );
    await db.query(
      `UPDATE workflow_tasks SET status = 'cancelled', finished_at = now() WHERE run_id = $1`,
      [holder.id],
    );
    expect((await get(waiting.id)).waiting).toMatchObject({ reason: 'concurrency' });
    await eventually(() => hasTask(waiting.id), 'the sweep to start the waiting run');
    const [task] = await claim('lost');
    expect(task.workflowId).toBe(waiting.id);
    expect(await complete(task)).toBe(200);
  });

  it('a delayed start arrives at its start time: it waits for a slot then', async () => {
    await register('later');
    await define('later', { key: '$.input.repo', limit: 1 });
    const holder = await start('later', { repo: 'y' });
    const response = await call('POST', '/workflows', writer, {
      definitionKey: 'later',
      input: { repo: 'y' },
      startAt: new Date(Date.now() + 1_000).toISOString(),
    });
    expect(response.status).toBe(201);
    const delayed = response.body.data as Json;
    expect(delayed.waiting).toMatchObject({ reason: 'schedule' });
    await eventually(
      async () => (await get(delayed.id)).waiting?.reason === 'concurrency',
      'the delayed run to be activated and queued',
    );
    const [task] = await claim('later');
    expect(task.workflowId).toBe(holder.id);
    expect(await complete(task)).toBe(200);
    await eventually(() => hasTask(delayed.id), 'the delayed run to start');
  });

  it('retry of a failed run waits pending for a slot while its key value is full', async () => {
    await register('again');
    await define('again', { key: '$.input.repo', limit: 1 });
    const run = await start('again', { repo: 'r' });
    const [task] = await claim('again');
    const failed = await call('POST', `/tasks/${task.id}/fail`, worker, {
      leaseToken: task.leaseToken,
      error: { message: 'broken' },
    });
    expect(failed.status).toBe(200);
    const holder = await start('again', { repo: 'r' });
    expect(holder.waiting).toBeNull();
    const retried = await call('POST', `/workflows/${run.id}/retry`, writer);
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({
      status: 'pending',
      waiting: { reason: 'concurrency', key: 'r', ahead: 0 },
    });
    const [held] = await claim('again');
    expect(held.workflowId).toBe(holder.id);
    expect(await complete(held)).toBe(200);
    await eventually(() => hasTask(run.id), 'the retried run to start');
    const [again] = await claim('again');
    expect(again.workflowId).toBe(run.id);
    expect(await complete(again)).toBe(200);
    expect((await get(run.id)).status).toBe('succeeded');
  });
});
