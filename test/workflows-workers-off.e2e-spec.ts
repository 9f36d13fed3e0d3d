import { Client } from 'pg';
import { AgentsService } from '../src/agents/agents.service';
import { EventDispatcher } from '../src/events/event-dispatcher';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Claimed {
  id: string;
  workflowId: string;
  attempt: number;
  leaseToken: string;
  leaseExpiresAt: string;
}

/**
 * An API replica (WORKERS=off: no reaper, no dispatcher of its own) with one-second leases:
 * what a lease allows must not depend on a worker having run. The dispatcher is driven by hand
 * where a test needs its transaction.
 */
describe('workflows on a replica without workers', () => {
  let test: TestApp;
  let base: string;
  let writer: Headers;
  let worker: Headers;
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
  const registerAgent = async (id: string, skills: string[]) => {
    const response = await post('/agents', writer, {
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
    const response = await post('/workflows', writer, { type: 'no-workers', steps });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const taskRow = async (id: string) =>
    (
      await db.query(
        `SELECT status, attempt, lease_token AS "leaseToken" FROM workflow_tasks WHERE id = $1`,
        [id],
      )
    ).rows[0] as Json;

  beforeAll(async () => {
    test = await startTestApp({
      WORKERS: 'off',
      TASK_LEASE_SECONDS: '1',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    base = await listenOnLoopback(test);
    writer = {
      authorization: (
        await createKey(test, { scopes: ['workflows:write', 'workflows:read', 'agents:write'] })
      ).authorization,
    };
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    // Outside `db`'s transactions: a transaction sees one snapshot of pg_stat_activity.
    probe = new Client({ connectionString: test.db.url });
    await probe.connect();
  });

  afterAll(async () => {
    await db.end();
    await probe.end();
    await test.close();
  });

  it('an expired lease is refused by heartbeat, complete and fail, with no reaper running', async () => {
    await registerAgent('late', ['slow']);
    await start([{ key: 'a', skill: 'slow' }]);
    await start([{ key: 'a', skill: 'slow' }]);
    const held = await claim('late', { max: 2 });
    expect(held).toHaveLength(2);
    const [one, two] = held;
    // Past both leases, by the database's clock.
    await waitFor(
      async () => {
        const { rows } = await db.query<{ expired: boolean }>(
          `SELECT bool_and(lease_expires_at < now() - interval '100 milliseconds') AS expired
             FROM workflow_tasks WHERE id = ANY($1::uuid[])`,
          [[one.id, two.id]],
        );
        return rows[0].expired ? true : undefined;
      },
      10_000,
      'the leases to expire',
    );
    const beat = await post(`/tasks/${one.id}/heartbeat`, worker, { leaseToken: one.leaseToken });
    expect({ status: beat.status, type: beat.body.type }).toEqual({
      status: 409,
      type: 'urn:agentmesh:problem:not-lease-holder',
    });
    expect(beat.body.detail).toMatch(/expired/);
    const done = await post(`/tasks/${one.id}/complete`, worker, {
      leaseToken: one.leaseToken,
      output: 'late',
    });
    expect({ status: done.status, type: done.body.type }).toEqual({
      status: 409,
      type: 'urn:agentmesh:problem:not-lease-holder',
    });
    const failed = await post(`/tasks/${two.id}/fail`, worker, {
      leaseToken: two.leaseToken,
      error: { message: 'late' },
    });
    expect({ status: failed.status, type: failed.body.type }).toEqual({
      status: 409,
      type: 'urn:agentmesh:problem:not-lease-holder',
    });
    // Nothing was recorded: both wait, claimed, for a reaper to time them out.
    expect(await taskRow(one.id)).toEqual({
      status: 'claimed',
      attempt: 1,
      leaseToken: one.leaseToken,
    });
    expect(await taskRow(two.id)).toEqual({
      status: 'claimed',
      attempt: 1,
      leaseToken: two.leaseToken,
    });
  });

  it('releasing several gone agents locks their runs in one global order', async () => {
    await registerAgent('gone-a', ['skill-a']);
    await registerAgent('gone-b', ['skill-b']);
    // The run of gone-b's task is the older (lower id); gone-a goes first.
    const older = await start([{ key: 'b', skill: 'skill-b' }]);
    const newer = await start([{ key: 'a', skill: 'skill-a' }]);
    expect(older.id < newer.id).toBe(true);
    const [taskA] = await claim('gone-a');
    const [taskB] = await claim('gone-b');
    expect([taskA.workflowId, taskB.workflowId]).toEqual([newer.id, older.id]);
    // Both fall silent and one sweep marks them offline: their tasks are released by the
    // dispatcher's reaction to agent.offline (a deregistration releases its own at once).
    await db.query(
      `UPDATE agents SET last_heartbeat_at = now() - interval '1 day'
        WHERE id IN ('gone-a', 'gone-b')`,
    );
    const offline = await test.app.get(AgentsService).sweepSilentAgents();
    expect(offline.map((agent) => agent.id).sort()).toEqual(['gone-a', 'gone-b']);
    // A completion batch holding the older run, as every batch locks runs in id order.
    await db.query('BEGIN');
    try {
      await db.query('SELECT id FROM workflow_runs WHERE id = $1 FOR UPDATE', [older.id]);
      // One dispatcher transaction takes both agent.offline events.
      test.app.get(EventDispatcher).wake();
      await waitFor(
        async () => {
          const { rows } = await probe.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'
                AND query ILIKE '%FROM workflow_runs%FOR UPDATE%'`,
          );
          return rows[0].n > 0 ? true : undefined;
        },
        10_000,
        'the dispatcher to wait for the older run',
      );
      // The batch's next lock, the newer run, must not be held by the waiting dispatcher.
      await expect(
        db.query('SELECT id FROM workflow_runs WHERE id = $1 FOR UPDATE NOWAIT', [newer.id]),
      ).resolves.toMatchObject({ rowCount: 1 });
    } finally {
      await db.query('ROLLBACK');
    }
    // Both tasks are released once the older run is free.
    await waitFor(
      async () => {
        const [a, b] = [await taskRow(taskA.id), await taskRow(taskB.id)];
        return a.status === 'queued' && b.status === 'queued' ? true : undefined;
      },
      10_000,
      'both tasks to be released',
    );
    expect(await taskRow(taskA.id)).toMatchObject({ status: 'queued', attempt: 2 });
    expect(await taskRow(taskB.id)).toMatchObject({ status: 'queued', attempt: 2 });
  });
});
