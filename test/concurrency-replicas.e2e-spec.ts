import { Client } from 'pg';
import { startReplicas, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

const RUNS = 50;

/**
 * A concurrency key of limit 1 enforced across three replicas on one database: 50 runs of one
 * key value started at once through all three, completed by agents claiming through all three,
 * never run two at a time (read from the database's own timestamps), and all finish.
 */
describe('concurrency key across replicas', () => {
  let replicas: Awaited<ReturnType<typeof startReplicas>> | undefined;
  let apps: TestApp[];
  let db: Client;
  let writer: Headers;
  let worker: Headers;

  beforeAll(async () => {
    replicas = await startReplicas(3);
    ({ apps, writer, worker } = replicas);
    db = new Client({ connectionString: apps[0].db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await replicas?.close();
  });

  const call = async (app: TestApp, path: string, body: unknown, headers: Headers) => {
    const response = await app.http
      .post(`/api/v1${path}`)
      .set(headers)
      .send(body as object);
    return { status: response.status, body: response.body as Json };
  };

  it('never runs two runs of one key value at once, and all 50 finish', async () => {
    for (const [i, app] of apps.entries()) {
      const registered = await call(
        app,
        '/agents',
        {
          id: `serial-${i}`,
          name: `serial ${i}`,
          skills: [{ id: 'serial', name: 'serial' }],
          heartbeatIntervalSeconds: 3600,
        },
        writer,
      );
      expect(registered.status).toBe(201);
    }
    const defined = await call(
      apps[0],
      '/workflow-definitions',
      {
        key: 'serial',
        steps: [{ key: 'edit', skill: 'serial' }],
        concurrency: { key: '$.input.repo', limit: 1 },
      },
      writer,
    );
    expect(defined.status).toBe(201);

    // All at once, spread over the three replicas.
    const started = await Promise.all(
      Array.from({ length: RUNS }, (_, i) =>
        call(
          apps[i % 3],
          '/workflows',
          { definitionKey: 'serial', input: { repo: 'one' } },
          writer,
        ),
      ),
    );
    expect(started.map((response) => response.status)).toEqual(Array(RUNS).fill(201));
    const ids = started.map((response) => response.body.data.id as string);
    // Nothing finished yet: exactly one holds the slot, 49 wait (once the promotions that
    // follow the starts' commits are done: they run before each start answers).
    const { rows: states } = await db.query<{ state: string; count: number }>(
      `SELECT concurrency_state AS state, count(*)::int AS count FROM workflow_runs
        WHERE type = 'serial' GROUP BY 1 ORDER BY 1`,
    );
    expect(states).toEqual([
      { state: 'holding', count: 1 },
      { state: 'waiting', count: RUNS - 1 },
    ]);

    // One agent per replica, each claiming (long-poll) and completing through its replica.
    const deadline = Date.now() + 120_000;
    let completed = 0;
    const agent = async (i: number) => {
      while (Date.now() < deadline && completed < RUNS) {
        const claimed = await call(
          apps[i],
          `/agents/serial-${i}/tasks/claim`,
          { max: 5, waitSeconds: 1 },
          worker,
        );
        expect(claimed.status).toBe(200);
        for (const task of claimed.body.data.tasks as Json[]) {
          const response = await call(
            apps[i],
            `/tasks/${task.id}/complete`,
            { leaseToken: task.leaseToken, output: { by: i } },
            worker,
          );
          expect(response.status).toBe(200);
          completed += 1;
        }
      }
    };
    await Promise.all([0, 1, 2].map(agent));
    expect(completed).toBe(RUNS);
    const { rows: finished } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM workflow_runs WHERE type = 'serial' AND status = 'succeeded'`,
    );
    expect(finished[0].n).toBe(RUNS);

    // Intervals from the database clock: each run's task was claimed after the one before
    // finished; no two [claimed, finished] or [started, finished] intervals overlap.
    const { rows } = await db.query<{
      id: string;
      startedAt: Date;
      finishedAt: Date;
      claimedAt: Date;
      taskFinishedAt: Date;
    }>(
      `SELECT r.id, r.started_at AS "startedAt", r.finished_at AS "finishedAt",
              t.claimed_at AS "claimedAt", t.finished_at AS "taskFinishedAt"
         FROM workflow_runs r JOIN workflow_tasks t ON t.run_id = r.id
        WHERE r.type = 'serial' ORDER BY t.claimed_at`,
    );
    expect(rows.map((row) => row.id).sort()).toEqual([...ids].sort());
    for (let i = 1; i < rows.length; i += 1) {
      expect(rows[i].claimedAt.getTime()).toBeGreaterThanOrEqual(
        rows[i - 1].taskFinishedAt.getTime(),
      );
      expect(rows[i].startedAt.getTime()).toBeGreaterThanOrEqual(rows[i - 1].finishedAt.getTime());
    }
    // Every run that queued (all but the first, at least) started once, after waiting.
    const { rows: events } = await db.query<{ type: string; count: number }>(
      `SELECT type, count(*)::int AS count FROM events WHERE type LIKE 'workflow.concurrency.%'
        GROUP BY type ORDER BY type`,
    );
    expect(events.map((row) => row.type)).toEqual([
      'workflow.concurrency.queued',
      'workflow.concurrency.started',
    ]);
    expect(events[0].count).toBeGreaterThanOrEqual(RUNS - 1);
    expect(events[1].count).toBe(events[0].count);
    // And the queue was served in its order (the time each run joined it).
    const { rows: startOrder } = await db.query<{ id: string }>(
      `SELECT e.subject_id AS id FROM events e WHERE e.type = 'workflow.concurrency.started'
        ORDER BY e.position`,
    );
    const { rows: queueOrder } = await db.query<{ id: string }>(
      `SELECT r.id::text FROM workflow_runs r
        WHERE r.id::text IN (SELECT subject_id FROM events WHERE type = 'workflow.concurrency.started')
        ORDER BY r.concurrency_since, r.id`,
    );
    expect(startOrder.map((row) => row.id)).toEqual(queueOrder.map((row) => row.id));
  });
});
