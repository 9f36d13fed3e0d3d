import { Client } from 'pg';
import { createKey, listenOnLoopback, startTestApp, TestApp } from './utils/test-app';
import { waitFor } from './utils/spawn-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A claim whose client hangs up while the claim is being made cannot deliver its answer: the
 * tasks it leased go back to the queue at once, their attempt unspent, instead of waiting out
 * a lease no agent knows of (and timing out an attempt, which fails a run with none left).
 * The window is widened for the test: a trigger makes the lease of a task to an agent listed
 * in `slow_claimers` take a second, and the client hangs up while it sleeps. An answer lost
 * on its way back is recovered by sending the claim again under its `claimId`.
 */
describe('claim answers that do not reach the agent', () => {
  let test: TestApp;
  let base: string;
  let admin: Headers;
  let worker: Headers;
  let db: Client;

  const call = async (path: string, headers: Headers, body: unknown = {}, signal?: AbortSignal) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const start = async (steps: Json[]) => {
    const response = await call('/workflows', admin, { type: 'undelivered', steps });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  /** Until a slowed lease is being written (its trigger asleep). */
  const leasing = () =>
    waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event = 'PgSleep'`,
        );
        return rows.length > 0 ? true : undefined;
      },
      10_000,
      'a slowed lease',
    );
  /** Posts, and hangs up while the slowed lease is being written. */
  const hangUp = async (path: string, body: unknown) => {
    const controller = new AbortController();
    const answer = call(path, worker, body, controller.signal).then(
      () => 'answered',
      () => 'hung up',
    );
    await leasing();
    controller.abort();
    expect(await answer).toBe('hung up');
  };
  const taskOf = async (runId: string, stepKey: string) => {
    const { rows } = await db.query<Json>(
      `SELECT id, status, agent_id, lease_token, attempt FROM workflow_tasks
        WHERE run_id = $1 AND step_key = $2`,
      [runId, stepKey],
    );
    return rows[0];
  };
  /**
   * The step's task once the claim of it by `gone` has committed (the slowed lease is
   * uncommitted, and reads as queued, until then) and it is queued again.
   */
  const putBack = (runId: string, stepKey: string) =>
    waitFor(
      async () => {
        // The trail read before the row: a row read first could be the one from before the
        // claim, queued still, the claim then committing before the trail is read.
        const { id } = await taskOf(runId, stepKey);
        const trail = await trailOf(id as string);
        const claimed = trail.some(
          ([action, , , agent]) => action === 'task.claim' && agent === 'gone',
        );
        const row = await taskOf(runId, stepKey);
        return claimed && row.status === 'queued' ? row : undefined;
      },
      5_000,
      'the task claimed by the agent that hung up to be queued again',
    );
  const eventsOf = async (runId: string) => {
    const response = await fetch(`${base}/api/v1/workflows/${runId}/events`, { headers: admin });
    const events = ((await response.json()) as Json).data.events as Json[];
    return events.map((event) => [event.type, event.data.agentId]);
  };
  const trailOf = async (taskId: string) => {
    const { rows } = await db.query<Json>(
      `SELECT action, before, after FROM audit_entries
        WHERE resource_type = 'task' AND resource_id = $1 ORDER BY id`,
      [taskId],
    );
    return rows.map((row) => [row.action, row.before?.status, row.after.status, row.after.agentId]);
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    base = await listenOnLoopback(test);
    admin = test.admin;
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    for (const id of ['gone', 'other']) {
      const response = await call('/agents', admin, {
        id,
        name: id,
        skills: [{ id: 'job', name: 'job' }],
      });
      expect(response.status).toBe(201);
    }
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    await db.query(`CREATE TABLE slow_claimers (agent_id varchar PRIMARY KEY)`);
    await db.query(`
      CREATE FUNCTION slow_claim() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'claimed' AND OLD.status = 'queued'
           AND EXISTS (SELECT FROM slow_claimers WHERE agent_id = NEW.agent_id) THEN
          PERFORM pg_sleep(1);
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(
      `CREATE TRIGGER slow_claim BEFORE UPDATE ON workflow_tasks
         FOR EACH ROW EXECUTE FUNCTION slow_claim()`,
    );
  });

  afterEach(async () => {
    await db.query(`DELETE FROM slow_claimers`);
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('puts a claimed task back in the queue at once, its attempt unspent', async () => {
    const run = await start([{ key: 'a', skill: 'job', maxAttempts: 1 }]);
    await db.query(`INSERT INTO slow_claimers VALUES ('gone')`);
    await hangUp('/agents/gone/tasks/claim', { waitSeconds: 10 });
    const task = await putBack(run.id as string, 'a');
    expect(task).toMatchObject({ agent_id: null, lease_token: null, attempt: 1 });

    const claimed = await call('/agents/other/tasks/claim', worker, {});
    expect(claimed.body.data.tasks).toEqual([expect.objectContaining({ id: task.id, attempt: 1 })]);
    const [taken] = claimed.body.data.tasks as Json[];
    const done = await call(`/tasks/${taken.id}/complete`, worker, {
      leaseToken: taken.leaseToken,
      output: { ok: true },
    });
    expect(done.status).toBe(200);
    expect(await trailOf(task.id as string)).toEqual([
      ['task.queue', undefined, 'queued', null],
      ['task.claim', 'queued', 'claimed', 'gone'],
      ['task.queue', 'claimed', 'queued', null],
      ['task.claim', 'queued', 'claimed', 'other'],
      ['task.succeed', 'claimed', 'succeeded', 'other'],
    ]);
    expect(await eventsOf(run.id as string)).toEqual([
      ['workflow.created', undefined],
      ['task.queued', null],
      ['workflow.started', undefined],
      ['task.claimed', 'gone'],
      ['task.queued', null],
      ['task.claimed', 'other'],
      ['task.succeeded', 'other'],
      ['workflow.succeeded', undefined],
    ]);
  });

  it('holds the task instead when its run went over its budget meanwhile', async () => {
    const response = await call('/workflows', admin, {
      type: 'undelivered',
      budget: { tokens: 10 },
      steps: [
        { key: 'a', skill: 'job' },
        { key: 'b', skill: 'job' },
      ],
    });
    const run = response.body.data as Json;
    const first = await call('/agents/other/tasks/claim', worker, {});
    const [held] = first.body.data.tasks as Json[];
    await db.query(`INSERT INTO slow_claimers VALUES ('gone')`);
    const hanging = hangUp('/agents/gone/tasks/claim', {});
    // While the other task's lease is being written: a completion that takes the run over
    // its budget (it waits for the claim's row lock, then finds the task claimed).
    await leasing();
    const over = await call(`/tasks/${held.id}/complete`, worker, {
      leaseToken: held.leaseToken,
      output: { ok: true },
      usage: { inputTokens: 20, outputTokens: 0 },
    });
    expect(over.status).toBe(200);
    await hanging;
    const other = held.stepKey === 'a' ? 'b' : 'a';
    const task = await waitFor(
      async () => {
        const row = await taskOf(run.id as string, other);
        return row.status === 'held' ? row : undefined;
      },
      5_000,
      'the task to be held',
    );
    expect(task).toMatchObject({ agent_id: null, lease_token: null, attempt: 1 });
    expect((await trailOf(task.id as string)).slice(1)).toEqual([
      ['task.claim', 'queued', 'claimed', 'gone'],
      ['task.hold', 'claimed', 'held', null],
    ]);
    const { rows } = await db.query(`SELECT status FROM workflow_runs WHERE id = $1`, [run.id]);
    expect(rows[0].status).toBe('budget_exceeded');
  });

  it('answers a named claim sent again with the tasks it leased, then claims anew', async () => {
    const run = await start([
      { key: 'a', skill: 'job' },
      { key: 'b', skill: 'job', dependsOn: ['a'] },
    ]);
    const claimId = '01938d52-3c8e-7e37-9b2c-0f8f3c1f0a11';
    const first = await call('/agents/other/tasks/claim', worker, { claimId });
    expect(first.status).toBe(200);
    const [task] = first.body.data.tasks as Json[];
    expect(task).toMatchObject({ workflowId: run.id, stepKey: 'a' });
    // Its answer lost, the claim is sent again: the same task, under the same lease.
    const again = await call('/agents/other/tasks/claim', worker, { claimId, waitSeconds: 5 });
    expect(again.body.data.tasks).toEqual([task]);
    // Another agent's claim of that name is its own.
    expect((await call('/agents/gone/tasks/claim', worker, { claimId })).body.data.tasks).toEqual(
      [],
    );
    const done = await call(`/tasks/${task.id}/complete`, worker, {
      leaseToken: task.leaseToken,
      output: { ok: true },
    });
    expect(done.status).toBe(200);
    // Holding none of what it leased, the same name claims anew.
    const next = await call('/agents/other/tasks/claim', worker, { claimId });
    expect(next.body.data.tasks).toEqual([
      expect.objectContaining({ workflowId: run.id, stepKey: 'b' }),
    ]);
    expect(
      (await call('/agents/other/tasks/claim', worker, { claimId: 'not-a-uuid' })).body,
    ).toMatchObject({ status: 400, errors: [{ field: 'claimId' }] });
  });

  /**
   * Requests under one name at once (a repeat sent while the first still waits, as behind a
   * proxy that timed the long poll out but kept its request open): one set of leases between
   * them, which each answers. Two tasks are queued while both wait: each used to lease one.
   */
  describe('sent again while the first still waits', () => {
    const holding = async (agent: string) => {
      const { rows } = await db.query<Json>(
        `SELECT id FROM workflow_tasks WHERE agent_id = $1 AND status = 'claimed' ORDER BY id`,
        [agent],
      );
      return rows.map((row) => row.id as string);
    };
    const register = async (agent: string, skill: string) => {
      const response = await call('/agents', admin, {
        id: agent,
        name: agent,
        skills: [{ id: skill, name: skill }],
      });
      expect(response.status).toBe(201);
    };
    const twoTasks = (skill: string) =>
      start([
        { key: 'a', skill },
        { key: 'b', skill },
      ]);
    const idsOf = (tasks: Json[]) => tasks.map((task) => task.id as string).sort();

    it('leases once for a claimId, and every request answers that lease', async () => {
      await register('twice', 'twice-job');
      const claimId = '01938d52-3c8e-7e37-9b2c-0f8f3c1f0b22';
      const body = { claimId, max: 1, waitSeconds: 10 };
      const waiting = [1, 2, 3].map(() => call('/agents/twice/tasks/claim', worker, body));
      await new Promise((done) => setTimeout(done, 300));
      await twoTasks('twice-job');
      const answers = await Promise.all(waiting);
      const held = await holding('twice');
      expect(held).toHaveLength(1);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(idsOf(answer.body.data.tasks as Json[])).toEqual(held);
      }
      const later = await call('/agents/twice/tasks/claim', worker, body);
      expect(idsOf(later.body.data.tasks as Json[])).toEqual(held);
    });

    it('leases once for a completion with claimNext, and every repeat answers that lease', async () => {
      await register('twice-next', 'twice-next-job');
      await start([{ key: 'first', skill: 'twice-next-job' }]);
      const [task] = (await call('/agents/twice-next/tasks/claim', worker, {})).body.data
        .tasks as Json[];
      const body = {
        leaseToken: task.leaseToken,
        output: { ok: true },
        claimNext: { max: 1, waitSeconds: 10 },
      };
      const first = call(`/tasks/${task.id}/complete`, worker, body);
      await new Promise((done) => setTimeout(done, 300));
      const repeats = [1, 2].map(() => call(`/tasks/${task.id}/complete`, worker, body));
      await new Promise((done) => setTimeout(done, 300));
      await twoTasks('twice-next-job');
      const answers = await Promise.all([first, ...repeats]);
      const held = await holding('twice-next');
      expect(held).toHaveLength(1);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.data.task).toMatchObject({ id: task.id, status: 'succeeded' });
        expect(idsOf(answer.body.data.next.tasks as Json[])).toEqual(held);
      }
    });
  });

  it('puts back the next task of a claimNext, keeping the completion', async () => {
    const run = await start([
      { key: 'a', skill: 'job' },
      { key: 'b', skill: 'job' },
    ]);
    const first = await call('/agents/gone/tasks/claim', worker, {});
    const [held] = first.body.data.tasks as Json[];
    await db.query(`INSERT INTO slow_claimers VALUES ('gone')`);
    await hangUp(`/tasks/${held.id}/complete`, {
      leaseToken: held.leaseToken,
      output: { ok: true },
      claimNext: { max: 1, waitSeconds: 10 },
    });
    const task = await putBack(run.id as string, held.stepKey === 'a' ? 'b' : 'a');
    expect(task).toMatchObject({ agent_id: null, lease_token: null, attempt: 1 });
    expect((await taskOf(run.id as string, held.stepKey as string)).status).toBe('succeeded');
    expect(await trailOf(task.id as string)).toEqual([
      ['task.queue', undefined, 'queued', null],
      ['task.claim', 'queued', 'claimed', 'gone'],
      ['task.queue', 'claimed', 'queued', null],
    ]);
    // The agent repeats its completion (its answer was lost): the task it held is done, and
    // the one put back is claimed anew.
    const repeat = await call(`/tasks/${held.id}/complete`, worker, {
      leaseToken: held.leaseToken,
      output: { ok: true },
      claimNext: { max: 1, waitSeconds: 0 },
    });
    await db.query(`DELETE FROM slow_claimers`);
    expect(repeat.status).toBe(200);
    expect(repeat.body.data.next.tasks).toEqual([
      expect.objectContaining({ id: task.id, attempt: 1 }),
    ]);
  });
});
