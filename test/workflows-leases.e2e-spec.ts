import { Client } from 'pg';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';
import { waitFor } from './utils/spawn-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Claimed {
  id: string;
  workflowId: string;
  attempt: number;
  leaseToken: string;
}

/** Leases of one second: expiry hands work to another agent; heartbeats keep it; shutdown. */
describe('task leases', () => {
  let test: TestApp;
  let base: string;
  let admin: Headers;
  let worker: Headers;
  let db: Client;
  let closed = false;

  const call = async (path: string, headers: Headers, body: unknown = {}) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const claim = async (agentId: string, body: Json = {}): Promise<Claimed[]> => {
    const response = await call(`/agents/${agentId}/tasks/claim`, worker, body);
    expect(response.status).toBe(200);
    return response.body.data.tasks as Claimed[];
  };
  const start = async (steps: Json[]) => {
    const response = await call('/workflows', admin, { type: 'lease', steps });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const runStatus = async (id: string) => {
    const response = await fetch(`${base}/api/v1/workflows/${id}`, { headers: admin });
    return ((await response.json()) as Json).data as Json;
  };
  const eventsOf = async (id: string) => {
    const response = await fetch(`${base}/api/v1/workflows/${id}/events`, { headers: admin });
    return (((await response.json()) as Json).data.events as Json[]).map((event) => event);
  };

  beforeAll(async () => {
    test = await startTestApp({ TASK_LEASE_SECONDS: '1', RATE_LIMIT_PER_MINUTE: '1000000' });
    base = await listenOnLoopback(test);
    admin = test.admin;
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    for (const id of ['slow', 'fast']) {
      const response = await call('/agents', admin, {
        id,
        name: id,
        skills: [{ id: 'job', name: 'job' }],
      });
      expect(response.status).toBe(201);
    }
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    if (closed) return;
    await db.end();
    await test.close();
  });

  it('an expired lease hands the task to another agent; the old holder gets 409', async () => {
    const run = await start([{ key: 'a', skill: 'job', retryBackoff: { initialSeconds: 0 } }]);
    const [held] = await claim('slow');
    const waiting = claim('fast', { waitSeconds: 10 });
    const [moved] = await waiting;
    expect(moved).toMatchObject({ id: held.id, attempt: 2 });
    expect(moved.leaseToken).not.toBe(held.leaseToken);
    expect(
      (await call(`/tasks/${held.id}/heartbeat`, worker, { leaseToken: held.leaseToken })).status,
    ).toBe(409);
    expect(
      (await call(`/tasks/${held.id}/complete`, worker, { leaseToken: held.leaseToken })).status,
    ).toBe(409);
    expect(
      (
        await call(`/tasks/${moved.id}/complete`, worker, {
          leaseToken: moved.leaseToken,
          output: 1,
        })
      ).status,
    ).toBe(200);
    expect((await runStatus(run.id)).status).toBe('succeeded');
    const events = await eventsOf(run.id);
    expect(events.map((event) => [event.type, event.data.agentId])).toEqual([
      ['workflow.created', undefined],
      ['task.queued', null],
      ['workflow.started', undefined],
      ['task.claimed', 'slow'],
      ['task.timed_out', 'slow'],
      ['task.retried', 'slow'],
      ['task.claimed', 'fast'],
      ['task.succeeded', 'fast'],
      ['workflow.succeeded', undefined],
    ]);
    expect(events[4].data).toMatchObject({
      attempt: 1,
      durationMs: expect.any(Number),
      error: { code: 'lease_expired' },
    });
  });

  it('heartbeats keep the lease past its length', async () => {
    await start([{ key: 'a', skill: 'job' }]);
    const [task] = await claim('slow');
    // 12 × 200 ms: well past the 1 s lease, each beat well within it.
    for (let i = 0; i < 12; i += 1) {
      await new Promise((done) => setTimeout(done, 200));
      expect(
        (await call(`/tasks/${task.id}/heartbeat`, worker, { leaseToken: task.leaseToken })).status,
      ).toBe(200);
    }
    const done = await call(`/tasks/${task.id}/complete`, worker, { leaseToken: task.leaseToken });
    expect(done.status).toBe(200);
    expect(done.body.data.attempt).toBe(1);
  });

  it('an expired lease with no attempts left fails the run', async () => {
    const run = await start([{ key: 'a', skill: 'job', maxAttempts: 1 }]);
    await claim('slow');
    const failed = await waitFor(
      async () => {
        const body = await runStatus(run.id as string);
        return body.status === 'failed' ? body : undefined;
      },
      10_000,
      'the run to fail',
    );
    expect(failed.error).toMatchObject({ reason: 'timed_out', code: 'lease_expired' });
  });

  it('a failure reported after the service timed the attempt out is 409 not-lease-holder, not a mismatch', async () => {
    // No attempt left (the task stays timed_out), and one left (queued again, its lease gone).
    for (const maxAttempts of [1, 2]) {
      const run = await start([{ key: 'a', skill: 'job', maxAttempts }]);
      const [task] = await claim('slow');
      await waitFor(
        async () => {
          const { rows } = await db.query(`SELECT status FROM workflow_tasks WHERE id = $1`, [
            task.id,
          ]);
          return rows[0].status !== 'claimed' ? true : undefined;
        },
        10_000,
        'the attempt to time out',
      );
      const failed = await call(`/tasks/${task.id}/fail`, worker, {
        leaseToken: task.leaseToken,
        error: { message: 'too late' },
      });
      expect([maxAttempts, failed.status, failed.body.type]).toEqual([
        maxAttempts,
        409,
        'urn:agentmesh:problem:not-lease-holder',
      ]);
      if (maxAttempts === 2) {
        await call(`/workflows/${run.id}/cancel`, admin);
      }
    }
  });

  it('a retry waiting out its backoff wakes a waiting agent when it is due', async () => {
    await start([{ key: 'a', skill: 'job', retryBackoff: { initialSeconds: 1 } }]);
    const [first] = await claim('slow');
    const failed = await call(`/tasks/${first.id}/fail`, worker, {
      leaseToken: first.leaseToken,
      error: { message: 'x' },
    });
    expect(failed.body.data.willRetry).toBe(true);
    const started = Date.now();
    const [again] = await claim('fast', { waitSeconds: 10 });
    expect(again).toMatchObject({ id: first.id, attempt: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(Date.now() - started).toBeLessThan(5_000);
    await call(`/tasks/${again.id}/complete`, worker, { leaseToken: again.leaseToken });
  });

  it('on shutdown a waiting claim ends at once with an empty list, holding nothing', async () => {
    const started = Date.now();
    const waiting = claim('fast', { waitSeconds: 25 });
    await new Promise((done) => setTimeout(done, 300));
    const { rows: before } = await db.query(
      `SELECT count(*)::int AS n FROM workflow_tasks WHERE status = 'claimed'`,
    );
    expect(before[0].n).toBe(0);
    closed = true;
    const closing = test.app.close();
    expect(await waiting).toEqual([]);
    await closing;
    expect(Date.now() - started).toBeLessThan(5_000);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM workflow_tasks WHERE status = 'claimed'`,
    );
    expect(rows[0].n).toBe(0);
    await db.end();
    await test.db.drop();
  });
});
