import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ddlBesideWriters } from './utils/ddl';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Claimed {
  id: string;
  workflowId: string;
  stepKey: string;
  skill: string;
  attempt: number;
  leaseToken: string;
}

/**
 * Dispatch under concurrency, over real HTTP: group-committed completions, claims racing each
 * other for the same queue, and retries whose transaction commits late. Where a race needs a
 * transaction to stay open, a plain PostgreSQL client holds the lock it waits on.
 */
describe('workflows under concurrency', () => {
  let test: TestApp;
  let base: string;
  let writer: Headers;
  let worker: Headers;
  let stranger: Headers;
  let db: Client;
  let probe: Client;

  const post = async (path: string, headers: Headers, body: unknown = {}) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const registerAgent = async (id: string, skills: string[], headers: Headers = writer) => {
    const response = await post('/agents', headers, {
      id,
      name: id,
      skills: skills.map((skill) => ({ id: skill, name: skill })),
    });
    expect(response.status).toBe(201);
  };
  const claim = async (agentId: string, body: Json = {}): Promise<Claimed[]> => {
    const response = await post(`/agents/${agentId}/tasks/claim`, worker, body);
    expect(response.status).toBe(200);
    return response.body.data.tasks as Claimed[];
  };
  const start = async (steps: Json[]) => {
    const response = await post('/workflows', writer, { type: 'race', steps });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  /** Until a statement of the app like `pattern` waits for a lock: its transaction is stalled. */
  const stalled = (pattern: string, what: string) =>
    waitFor(
      async () => {
        const { rows } = await probe.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
          [pattern],
        );
        return rows[0].n > 0 ? true : undefined;
      },
      10_000,
      what,
    );
  const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    base = await listenOnLoopback(test);
    writer = {
      authorization: (
        await createKey(test, { scopes: ['workflows:write', 'workflows:read', 'agents:write'] })
      ).authorization,
    };
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    expect((await post('/tenants', test.admin, { id: 'rival', name: 'Rival' })).status).toBe(201);
    stranger = {
      authorization: (await createKey(test, { scopes: ['tasks:work'], tenantId: 'rival' }))
        .authorization,
    };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    probe = new Client({ connectionString: test.db.url });
    await probe.connect();
  });

  afterAll(async () => {
    await db.end();
    await probe.end();
    await test.close();
  });

  it('the lease holder completes while strangers complete the same task with wrong tokens', async () => {
    await registerAgent('holder', ['contested']);
    for (let trial = 0; trial < 10; trial += 1) {
      await start([{ key: 'a', skill: 'contested' }]);
      const [task] = await claim('holder');
      const wrongToken = () => randomBytes(16).toString('hex');
      const complete = (headers: Headers, leaseToken: string) =>
        post(`/tasks/${task.id}/complete`, headers, { leaseToken, output: { trial } });
      // The strangers are sent first, so in a batch they come before the holder.
      const strangers = Array.from({ length: 11 }, (_, index) =>
        complete(index % 2 === 0 ? worker : stranger, wrongToken()),
      );
      const holder = complete(worker, task.leaseToken);
      const answers = await Promise.all(strangers);
      const mine = await holder;
      expect({ trial, status: mine.status, body: mine.body }).toMatchObject({
        trial,
        status: 200,
        body: { data: { id: task.id, status: 'succeeded', attempt: 1 } },
      });
      answers.forEach((answer, index) =>
        expect({ index, status: answer.status }).toEqual({
          index,
          status: index % 2 === 0 ? 409 : 404,
        }),
      );
      // The holder's completion stands, with its output.
      const { rows } = await db.query(`SELECT status, output FROM workflow_tasks WHERE id = $1`, [
        task.id,
      ]);
      expect(rows[0]).toEqual({ status: 'succeeded', output: { trial } });
    }
  });

  it('a long-poll is woken for a task a concurrent claim looked at but did not take', async () => {
    await registerAgent('all-rounder', ['left', 'right']);
    await registerAgent('righty', ['right']);
    const first = await start([{ key: 'l', skill: 'left' }]);
    const second = await start([{ key: 'r', skill: 'right' }]);
    // Keep the all-rounder's claim from committing once it holds its tasks: writing its
    // `task.claimed` event waits for an advisory lock held here (the claim's statement waits
    // with the tasks it locked still held).
    await db.query(`CREATE FUNCTION hold_claimed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'task.claimed' THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF;
        RETURN NEW;
      END $$`);
    await ddlBesideWriters(
      db,
      `CREATE TRIGGER hold_claimed BEFORE INSERT ON events
        FOR EACH ROW EXECUTE FUNCTION hold_claimed()`,
    );
    await db.query('BEGIN');
    await db.query('SELECT pg_advisory_xact_lock(4242)');
    try {
      const allRounder = claim('all-rounder', { max: 1 });
      await stalled('%', 'the claim of the all-rounder to wait for its commit');
      // Meanwhile the "right" task is locked by the all-rounder's claim, which takes "left" only.
      const righty = claim('righty', { waitSeconds: 8 });
      await pause(1_000);
      await db.query('COMMIT');
      const [left] = await allRounder;
      expect(left.workflowId).toBe(first.id);
      const [right] = await righty;
      expect(right?.workflowId).toBe(second.id);
    } finally {
      await db.query('ROLLBACK').catch(() => undefined);
      await ddlBesideWriters(db, 'DROP TRIGGER hold_claimed ON events');
      await db.query('DROP FUNCTION hold_claimed()');
    }
  });

  it('a retry whose failure commits after its backoff ended still wakes a waiting agent', async () => {
    await registerAgent('flaky', ['retry']);
    await registerAgent('steady', ['retry']);
    const run = await start([
      { key: 'a', skill: 'retry', retryBackoff: { initialSeconds: 1, factor: 1 } },
    ]);
    const [first] = await claim('flaky');
    const waiting = claim('steady', { waitSeconds: 8 });
    // The failure's transaction waits on the run's lock for longer than the backoff.
    await db.query('BEGIN');
    await db.query('SELECT id FROM workflow_runs WHERE id = $1 FOR UPDATE', [run.id]);
    let failing: Promise<{ status: number; body: Json }>;
    try {
      failing = post(`/tasks/${first.id}/fail`, worker, {
        leaseToken: first.leaseToken,
        error: { message: 'flaked' },
      });
      await stalled('%workflow_lock_runs_of_tasks%', 'the failure to wait for the run lock');
      await pause(2_000);
    } finally {
      await db.query('COMMIT');
    }
    const failed = await failing;
    expect(failed.status).toBe(200);
    expect(failed.body.data.willRetry).toBe(true);
    const [again] = await waiting;
    expect(again).toMatchObject({ id: first.id, attempt: 2 });
  });
});
