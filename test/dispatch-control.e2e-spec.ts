import { Client } from 'pg';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = Record<string, string>;

/**
 * Dispatch under load: one rate limit honoured by twenty agents claiming through three replicas
 * (counted from the claim times the database wrote), and a small tenant served at once while
 * a large one floods its own queue.
 */
describe('dispatch control across replicas', () => {
  let replicas: TestApp[];
  let db: Client;
  let writer: Headers;

  const call = async (
    app: TestApp,
    method: string,
    path: string,
    headers: Headers,
    body?: unknown,
  ) => {
    const request = app.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };

  beforeAll(async () => {
    const env = { RATE_LIMIT_PER_MINUTE: '10000000' };
    const first = await startTestApp(env);
    replicas = [
      first,
      await startTestApp({ ...env, WORKERS: 'off' }, { db: first.db }),
      await startTestApp({ ...env, WORKERS: 'off' }, { db: first.db }),
    ];
    writer = {
      authorization: (
        await createKey(first, {
          scopes: ['workflows:write', 'workflows:read', 'agents:write', 'tasks:work'],
        })
      ).authorization,
    };
    db = new Client({ connectionString: first.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    for (const app of (replicas ?? []).slice(1)) await app.app.close();
    await replicas?.[0]?.close();
  });

  it('a rate limit of 60/min holds for 20 agents on 3 replicas', async () => {
    const [app] = replicas;
    const burst = 5;
    const agents = Array.from({ length: 20 }, (_, i) => `llm-${i}`);
    for (const id of agents) {
      const registered = await call(app, 'POST', '/agents', writer, {
        id,
        name: id,
        skills: [{ id: 'llm', name: 'llm' }],
        heartbeatIntervalSeconds: 3600,
      });
      expect(registered.status).toBe(201);
    }
    expect(
      (
        await call(app, 'POST', '/workflow-definitions', writer, {
          key: 'prompt',
          steps: [{ key: 'ask', skill: 'llm', rateLimit: 'llm-provider' }],
        })
      ).status,
    ).toBe(201);
    for (let i = 0; i < 60; i++) {
      const started = await call(app, 'POST', '/workflows', writer, { definitionKey: 'prompt' });
      expect(started.status).toBe(201);
    }
    const created = await call(app, 'POST', '/rate-limits', writer, {
      key: 'llm-provider',
      perMinute: 60,
      burst,
    });
    expect(created.status).toBe(201);
    const [{ since }] = (
      await db.query(`SELECT created_at AS since FROM rate_limits WHERE key = 'llm-provider'`)
    ).rows as Array<{ since: Date }>;

    // Every agent long-polls through its replica until ten seconds have passed.
    const until = Date.now() + 10_000;
    await Promise.all(
      agents.map(async (id, i) => {
        const replica = replicas[i % replicas.length];
        while (Date.now() < until) {
          const response = await call(replica, 'POST', `/agents/${id}/tasks/claim`, writer, {
            waitSeconds: Math.max(1, Math.min(5, Math.ceil((until - Date.now()) / 1000))),
          });
          expect(response.status).toBe(200);
        }
      }),
    );

    const claims = (
      await db.query(
        `SELECT claimed_at AS at FROM workflow_tasks
          WHERE status = 'claimed' AND skill = 'llm' ORDER BY claimed_at`,
      )
    ).rows.map((row: { at: Date }) => new Date(row.at).getTime());
    // A full bucket at creation, then one a second: never more than burst + rate × elapsed,
    // from the creation and over every window between two claims.
    const start = new Date(since).getTime();
    claims.forEach((at, i) => expect(i + 1).toBeLessThanOrEqual(burst + (at - start) / 1000));
    for (let a = 0; a < claims.length; a++) {
      for (let b = a; b < claims.length; b++) {
        expect(b - a + 1).toBeLessThanOrEqual(burst + (claims[b] - claims[a]) / 1000 + 1e-9);
      }
    }
    const perSecond = new Map<number, number>();
    for (const at of claims) {
      const second = Math.floor((at - start) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(burst + 1);
    // And the limit is a rate, not a stop: refills were claimed (the burst, then ~1/s).
    expect(claims.length).toBeGreaterThanOrEqual(burst + 5);
  }, 120_000);

  it('a small tenant is served at once while a large one floods its queue', async () => {
    const [app] = replicas;
    const admin = app.admin;
    for (const tenant of ['big', 'small']) {
      const created = await call(app, 'POST', '/tenants', admin, { id: tenant, name: tenant });
      expect(created.status).toBe(201);
    }
    const as = (tenant: string) => ({ ...admin, 'x-tenant-id': tenant });
    for (const tenant of ['big', 'small']) {
      expect(
        (
          await call(app, 'POST', '/agents', as(tenant), {
            id: 'worker',
            name: 'worker',
            skills: [{ id: 'work', name: 'work' }],
            heartbeatIntervalSeconds: 3600,
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(app, 'POST', '/workflow-definitions', as(tenant), {
            key: 'job',
            steps: [{ key: 'do', skill: 'work' }],
          })
        ).status,
      ).toBe(201);
    }
    // The large tenant's flood, queued first (older than every task of the small one).
    await db.query(
      `INSERT INTO workflow_runs (id, tenant_id, type, definition_version, status, priority, input, steps)
       SELECT gen_random_uuid(), 'big', 'job', 1, 'pending', 0, '{}', d.steps
         FROM generate_series(1, 5000)
        CROSS JOIN (SELECT steps FROM workflow_definitions WHERE tenant_id = 'big') d`,
    );
    await db.query(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
              max_attempts, retry_backoff, available_at)
       SELECT gen_random_uuid(), 'big', r.id, 'do', 'work', 'queued', '{}', 3,
              '{"initialSeconds":1,"factor":2,"maxSeconds":300}', now() - interval '1 hour'
         FROM workflow_runs r WHERE r.tenant_id = 'big'`,
    );
    const small: string[] = [];
    for (let i = 0; i < 10; i++) {
      const run = await call(app, 'POST', '/workflows', as('small'), { definitionKey: 'job' });
      expect(run.status).toBe(201);
      small.push(run.body.data.id as string);
    }
    // Each of the small tenant's first ten claims gets one of its tasks, none of the flood's.
    const got: string[] = [];
    for (let i = 0; i < 10; i++) {
      const replica = replicas[i % replicas.length];
      const response = await call(replica, 'POST', '/agents/worker/tasks/claim', as('small'), {});
      expect(response.status).toBe(200);
      expect(response.body.data.tasks).toHaveLength(1);
      got.push(response.body.data.tasks[0].workflowId as string);
    }
    expect(got.sort()).toEqual([...small].sort());
    const [{ queued }] = (
      await db.query(
        `SELECT count(*)::int AS queued FROM workflow_tasks WHERE tenant_id = 'big' AND status = 'queued'`,
      )
    ).rows;
    expect(queued).toBe(5000);
  }, 120_000);

  it('claims alternate between the values of a concurrency key, elements of a fan-out too', async () => {
    const [app] = replicas;
    const as = { ...app.admin, 'x-tenant-id': 'fair' };
    expect(
      (await call(app, 'POST', '/tenants', app.admin, { id: 'fair', name: 'fair' })).status,
    ).toBe(201);
    expect(
      (
        await call(app, 'POST', '/agents', as, {
          id: 'editor',
          name: 'editor',
          skills: [{ id: 'edit', name: 'edit' }],
          heartbeatIntervalSeconds: 3600,
        })
      ).status,
    ).toBe(201);
    for (const definition of [
      { key: 'per-repo', steps: [{ key: 'do', skill: 'edit' }] },
      { key: 'fan-per-repo', steps: [{ key: 'do', skill: 'edit', forEach: '$.input.files' }] },
      { key: 'unkeyed', steps: [{ key: 'do', skill: 'edit' }] },
    ]) {
      const created = await call(app, 'POST', '/workflow-definitions', as, {
        ...definition,
        ...(definition.key === 'unkeyed'
          ? {}
          : { concurrency: { key: '$.input.repo', limit: 100 } }),
      });
      expect(created.status).toBe(201);
    }
    const repoOf = new Map<string, string>();
    const start = async (definitionKey: string, input: Json) => {
      const run = await call(app, 'POST', '/workflows', as, { definitionKey, input });
      expect(run.status).toBe(201);
      repoOf.set(run.body.data.id as string, (input.repo as string | undefined) ?? 'none');
    };
    const claimAll = async (count: number) => {
      const got: string[] = [];
      for (let i = 0; i < count; i++) {
        const replica = replicas[i % replicas.length];
        const response = await call(replica, 'POST', '/agents/editor/tasks/claim', as, {});
        expect(response.status).toBe(200);
        expect(response.body.data.tasks).toHaveLength(1);
        const [task] = response.body.data.tasks as Json[];
        got.push(repoOf.get(task.workflowId as string)!);
        const done = await call(replica, 'POST', `/tasks/${task.id}/complete`, as, {
          leaseToken: task.leaseToken,
          output: {},
        });
        expect(done.status).toBe(200);
      }
      return got;
    };

    // One repository floods first; another's five runs arrive after all thirty. FIFO would
    // give the first thirty claims to the flood; the round gives every other one to the five.
    for (let i = 0; i < 30; i++) await start('per-repo', { repo: 'big' });
    for (let i = 0; i < 5; i++) await start('per-repo', { repo: 'small' });
    const order = await claimAll(35);
    expect(order.slice(0, 10)).toEqual([
      'big',
      'small',
      'big',
      'small',
      'big',
      'small',
      'big',
      'small',
      'big',
      'small',
    ]);
    expect(order.slice(10)).toEqual(Array.from({ length: 25 }, () => 'big'));

    // A fan-out's elements are one flow of their key: forty files of one repository queued in
    // one statement, then three of another, then a run without a key: the three alternate
    // with the forty, and the run without a key ranks at its own time, a moment after the
    // round's head and before the next turn (a second later).
    await start('fan-per-repo', { repo: 'wide', files: Array.from({ length: 40 }, (_, i) => i) });
    await start('fan-per-repo', { repo: 'narrow', files: [1, 2, 3] });
    await start('unkeyed', {});
    const fanned = await claimAll(44);
    expect(fanned.slice(0, 8)).toEqual([
      'wide',
      'narrow',
      'none',
      'wide',
      'narrow',
      'wide',
      'narrow',
      'wide',
    ]);
    expect(fanned.slice(8)).toEqual(Array.from({ length: 36 }, () => 'wide'));
    const [{ queued }] = (
      await db.query(
        `SELECT count(*)::int AS queued FROM workflow_tasks WHERE tenant_id = 'fair' AND status = 'queued'`,
      )
    ).rows;
    expect(queued).toBe(0);
  }, 180_000);
});
