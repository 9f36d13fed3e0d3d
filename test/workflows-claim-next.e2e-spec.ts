import { Client } from 'pg';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Claimed {
  id: string;
  workflowId: string;
  skill: string;
  attempt: number;
  leaseToken: string;
}

/** `POST /tasks/{id}/complete` with `claimNext`: one request per task in steady state. */
describe('complete with claimNext', () => {
  let test: TestApp;
  let base: string;
  let admin: Headers;
  let worker: Headers;
  let db: Client;

  const call = async (path: string, headers: Headers, body: unknown = {}) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const claim = async (agentId: string, body: Json = {}, as = worker): Promise<Claimed[]> => {
    const response = await call(`/agents/${agentId}/tasks/claim`, as, body);
    expect(response.status).toBe(200);
    return response.body.data.tasks as Claimed[];
  };
  const start = async (skill: string, count = 1) => {
    const runs: Json[] = [];
    for (let i = 0; i < count; i += 1) {
      const response = await call('/workflows', admin, {
        type: 'claim-next',
        steps: [{ key: 'a', skill }],
      });
      expect(response.status).toBe(201);
      runs.push(response.body.data as Json);
    }
    return runs;
  };
  const agent = async (id: string, skill: string) => {
    const response = await call('/agents', admin, {
      id,
      name: id,
      skills: [{ id: skill, name: skill }],
    });
    expect(response.status).toBe(201);
  };

  /**
   * Completes the task with a long-polling claimNext; resolves once the completion has
   * committed (the task is succeeded), with the answer still to come (in an object: an async
   * function would wait for a promise it returns).
   */
  const committedWhileWaiting = async (task: Claimed) => {
    const completing = call(`/tasks/${task.id}/complete`, worker, {
      leaseToken: task.leaseToken,
      claimNext: { max: 1, waitSeconds: 20 },
    });
    const settled = { done: false };
    void completing.finally(() => (settled.done = true));
    for (;;) {
      const { rows } = await db.query(`SELECT status FROM workflow_tasks WHERE id = $1`, [task.id]);
      if (rows[0].status === 'succeeded' || settled.done) return { completing };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    base = await listenOnLoopback(test);
    admin = test.admin;
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('answers the completion and the next leased tasks of the same agent', async () => {
    await agent('next-a', 'next-skill');
    await start('next-skill', 3);
    const [first] = await claim('next-a');
    const response = await call(`/tasks/${first.id}/complete`, worker, {
      leaseToken: first.leaseToken,
      output: { n: 1 },
      claimNext: { max: 2, waitSeconds: 0 },
    });
    expect(response.status).toBe(200);
    expect(response.body.data.task).toMatchObject({
      id: first.id,
      status: 'succeeded',
      willRetry: false,
    });
    const next = response.body.data.next.tasks as Claimed[];
    expect(next).toHaveLength(2);
    expect(new Set(next.map((task) => task.id)).size).toBe(2);
    expect(next.map((task) => task.id)).not.toContain(first.id);
    const { rows } = await db.query(
      `SELECT id, status, agent_id, lease_token FROM workflow_tasks WHERE id = ANY($1::uuid[])`,
      [next.map((task) => task.id)],
    );
    for (const task of next) {
      expect(rows.find((row) => row.id === task.id)).toMatchObject({
        status: 'claimed',
        agent_id: 'next-a',
        lease_token: task.leaseToken,
      });
    }
    // The leased tasks complete as claimed ones do; the last asks for more and gets none.
    const second = await call(`/tasks/${next[0].id}/complete`, worker, {
      leaseToken: next[0].leaseToken,
      claimNext: { max: 1 },
    });
    expect(second.status).toBe(200);
    expect(second.body.data.next.tasks).toHaveLength(0);
    // Audited as claims: one task.claim entry per leased task.
    const audit = await db.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action = 'task.claim'
        AND resource_id = ANY($1::text[])`,
      [next.map((task) => task.id)],
    );
    expect(audit.rows[0].n).toBe(2);
  });

  it('a repeat answers the tasks the first one leased, while it holds them: a lost answer strands nothing', async () => {
    await agent('next-repeat', 'repeat-skill');
    await start('repeat-skill', 4);
    const [first] = await claim('next-repeat');
    const body = {
      leaseToken: first.leaseToken,
      output: { n: 1 },
      claimNext: { max: 2, waitSeconds: 0 },
    };
    // The first answer is lost on its way back (a dropped connection): the client repeats.
    const lost = await call(`/tasks/${first.id}/complete`, worker, body);
    expect(lost.status).toBe(200);
    const leases = (tasks: Claimed[]) => new Map(tasks.map((task) => [task.id, task.leaseToken]));
    const leased = leases(lost.body.data.next.tasks as Claimed[]);
    expect(leased.size).toBe(2);
    const repeat = await call(`/tasks/${first.id}/complete`, worker, body);
    expect(repeat.status).toBe(200);
    expect(repeat.body.data.task).toEqual(lost.body.data.task);
    // The same tasks under the same leases.
    const again = leases(repeat.body.data.next.tasks as Claimed[]);
    expect(again).toEqual(leased);
    // Nothing more was claimed for it: the fourth task is still queued.
    const { rows } = await db.query(
      `SELECT status, count(*)::int AS n FROM workflow_tasks WHERE skill = 'repeat-skill'
        GROUP BY status ORDER BY status`,
    );
    expect(rows).toEqual([
      { status: 'claimed', n: 2 },
      { status: 'queued', n: 1 },
      { status: 'succeeded', n: 1 },
    ]);
    // Once those are done, a repeat finds none held and claims anew, as a first answer does.
    for (const [id, leaseToken] of again.entries()) {
      expect((await call(`/tasks/${id}/complete`, worker, { leaseToken })).status).toBe(200);
    }
    const later = await call(`/tasks/${first.id}/complete`, worker, body);
    expect(later.status).toBe(200);
    expect(later.body.data.next.tasks).toHaveLength(1);
    expect(again.has(later.body.data.next.tasks[0].id as string)).toBe(false);
  });

  it('without claimNext the answer is the attempt result, as before', async () => {
    await agent('next-plain', 'plain-skill');
    await start('plain-skill', 2);
    const [task] = await claim('next-plain');
    const response = await call(`/tasks/${task.id}/complete`, worker, {
      leaseToken: task.leaseToken,
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ id: task.id, status: 'succeeded' });
    expect(response.body.data.next).toBeUndefined();
    expect(response.body.data.task).toBeUndefined();
  });

  it('long-polls up to waitSeconds for the next task', async () => {
    await agent('next-wait', 'wait-skill');
    await start('wait-skill');
    const [task] = await claim('next-wait');
    // The completion has committed (the task is succeeded) while the answer still waits.
    const { completing } = await committedWhileWaiting(task);
    const [queued] = await start('wait-skill');
    const response = await completing;
    expect(response.status).toBe(200);
    expect(response.body.data.next.tasks).toEqual([
      expect.objectContaining({ workflowId: queued.id, skill: 'wait-skill' }),
    ]);
  });

  it('an agent deregistered while its completion claims next: the completion is answered, with nothing next', async () => {
    await agent('next-gone', 'gone-skill');
    await start('gone-skill');
    const [task] = await claim('next-gone');
    // The completion has committed and its claim waits; then the agent goes, and work comes.
    const { completing } = await committedWhileWaiting(task);
    const gone = await fetch(`${base}/api/v1/agents/next-gone`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(gone.status).toBe(204);
    await start('gone-skill');
    const response = await completing;
    expect(response.status).toBe(200);
    expect(response.body.data.task).toMatchObject({ id: task.id, status: 'succeeded' });
    expect(response.body.data.next.tasks).toEqual([]);
  });

  it('a completion that is refused claims nothing', async () => {
    await agent('next-refused', 'refused-skill');
    await start('refused-skill', 2);
    const [task] = await claim('next-refused');
    const response = await call(`/tasks/${task.id}/complete`, worker, {
      leaseToken: 'not-the-token',
      claimNext: { max: 1 },
    });
    expect(response.status).toBe(409);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM workflow_tasks WHERE skill = 'refused-skill' AND status = 'claimed'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('an agent-bound key completes and claims next as its own agent', async () => {
    await agent('next-bound', 'bound-skill');
    await start('bound-skill', 2);
    const bound = {
      authorization: (await createKey(test, { scopes: ['tasks:work'], agentId: 'next-bound' }))
        .authorization,
    };
    const [task] = await claim('next-bound', {}, bound);
    const response = await call(`/tasks/${task.id}/complete`, bound, {
      leaseToken: task.leaseToken,
      claimNext: { max: 1 },
    });
    expect(response.status).toBe(200);
    expect(response.body.data.next.tasks).toHaveLength(1);
  });

  it.each([
    [{ max: 0 }],
    [{ max: 11 }],
    [{ max: 1, waitSeconds: 31 }],
    [{ max: 1, waitSeconds: -1 }],
    [{ max: 'one' }],
    [{ max: 1, extra: true }],
    [[]],
    ['1'],
  ])('claimNext %j is a 400 problem, and nothing is completed', async (claimNext) => {
    const agentId = `next-bad-${Math.random().toString(36).slice(2, 10)}`;
    await agent(agentId, `${agentId}-skill`);
    await start(`${agentId}-skill`);
    const [task] = await claim(agentId);
    const response = await call(`/tasks/${task.id}/complete`, worker, {
      leaseToken: task.leaseToken,
      claimNext,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: Json) => error.field).join(' ')).toContain('claimNext');
    const after = await db.query(`SELECT status FROM workflow_tasks WHERE id = $1`, [task.id]);
    expect(after.rows[0].status).toBe('claimed');
  });
});
