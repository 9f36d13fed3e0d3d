import { Client } from 'pg';
import { UnitOfWork } from '../src/database/unit-of-work';
import { EventsService } from '../src/events/events.service';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Claimed {
  id: string;
  workflowId: string;
  stepKey: string;
  skill: string;
  input: Json;
  attempt: number;
  leaseToken: string;
  leaseExpiresAt: string;
}

/**
 * Workflows end to end over real HTTP: the app listens on a port and agents are plain HTTP
 * clients (fetch) claiming, heartbeating, completing and failing tasks.
 */
describe('workflows and tasks', () => {
  let test: TestApp;
  let base: string;
  let writer: Headers;
  let reader: Headers;
  let worker: Headers;
  let db: Client;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as Json,
      headers: response.headers,
    };
  };
  const post = (path: string, headers: Headers, body: unknown = {}) =>
    call('POST', path, headers, body);
  const get = (path: string, headers: Headers = reader) => call('GET', path, headers);

  const registerAgent = async (id: string, skills: string[]) => {
    const response = await post('/agents', writer, {
      id,
      name: id,
      skills: skills.map((skill) => ({ id: skill, name: skill })),
    });
    expect(response.status).toBe(201);
  };
  const claim = async (
    agentId: string,
    body: Json = {},
    headers: Headers = worker,
  ): Promise<Claimed[]> => {
    const response = await post(`/agents/${agentId}/tasks/claim`, headers, body);
    expect(response.status).toBe(200);
    return response.body.data.tasks as Claimed[];
  };
  const complete = (task: Claimed, output: unknown, headers: Headers = worker) =>
    post(`/tasks/${task.id}/complete`, headers, { leaseToken: task.leaseToken, output });
  const fail = (task: Claimed, body: Json = {}, headers: Headers = worker) =>
    post(`/tasks/${task.id}/fail`, headers, {
      leaseToken: task.leaseToken,
      error: { message: 'boom' },
      ...body,
    });
  const eventsOf = async (runId: string): Promise<Json[]> =>
    (await get(`/workflows/${runId}/events?limit=200`)).body.data.events as Json[];
  const startInline = async (body: Json) => {
    const response = await post('/workflows', writer, body);
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };

  beforeAll(async () => {
    test = await startTestApp({
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    base = await listenOnLoopback(test);
    writer = {
      authorization: (
        await createKey(test, {
          scopes: ['workflows:write', 'workflows:read', 'agents:write', 'agents:read'],
        })
      ).authorization,
    };
    reader = {
      authorization: (await createKey(test, { scopes: ['workflows:read'] })).authorization,
    };
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    await registerAgent('scaffolder', ['scaffold']);
    await registerAgent('validator', ['validate']);
    await registerAgent('deployer', ['deploy']);
    await registerAgent('generalist', ['scaffold', 'validate', 'deploy', 'fan']);
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('seed SDLC flow: scaffold → validate → deploy moves the run through its states', async () => {
    const created = await post('/workflow-definitions', writer, {
      key: 'sdlc',
      name: 'Scaffold, validate, deploy',
      steps: [
        { key: 'scaffold', skill: 'scaffold' },
        { key: 'validate', skill: 'validate', dependsOn: ['scaffold'] },
        { key: 'deploy', skill: 'deploy', dependsOn: ['validate'], timeoutSeconds: 600 },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ key: 'sdlc', version: 1 });

    const started = await post('/workflows', writer, {
      definitionKey: 'sdlc',
      input: { repo: 'acme/api' },
    });
    expect(started.status).toBe(201);
    const run = started.body.data as Json;
    expect(run).toMatchObject({
      type: 'sdlc',
      definitionKey: 'sdlc',
      definitionVersion: 1,
      status: 'pending',
    });
    expect(run.steps.map((step: Json) => [step.key, step.status])).toEqual([
      ['scaffold', 'queued'],
      ['validate', 'pending'],
      ['deploy', 'pending'],
    ]);

    // The validator has no scaffold skill: nothing for it yet.
    expect(await claim('validator')).toEqual([]);
    const [scaffold] = await claim('scaffolder', { max: 5 });
    expect(scaffold).toMatchObject({
      workflowId: run.id,
      stepKey: 'scaffold',
      skill: 'scaffold',
      attempt: 1,
      input: { input: { repo: 'acme/api' }, dependencies: {} },
      // The lease's length by the service's clock: what an agent times its renewals from.
      leaseSeconds: 30,
    });
    expect((await get(`/workflows/${run.id}`)).body.data.status).toBe('running');

    const beat = await post(`/tasks/${scaffold.id}/heartbeat`, worker, {
      leaseToken: scaffold.leaseToken,
    });
    expect(beat.status).toBe(200);
    expect(Date.parse(beat.body.data.leaseExpiresAt)).toBeGreaterThanOrEqual(
      Date.parse(scaffold.leaseExpiresAt),
    );

    const done = await complete(scaffold, { files: 3 });
    expect(done.status).toBe(200);
    expect(done.body.data).toEqual({
      id: scaffold.id,
      workflowId: run.id,
      stepKey: 'scaffold',
      attempt: 1,
      status: 'succeeded',
      willRetry: false,
    });
    // Idempotent for the same payload; 409 for another one.
    expect(await complete(scaffold, { files: 3 })).toMatchObject({ status: 200, body: done.body });
    expect((await complete(scaffold, { files: 4 })).status).toBe(409);
    expect(
      (await post(`/tasks/${scaffold.id}/heartbeat`, worker, { leaseToken: scaffold.leaseToken }))
        .status,
    ).toBe(409);

    const [validate] = await claim('validator');
    expect(validate.input).toEqual({
      input: { repo: 'acme/api' },
      dependencies: { scaffold: { files: 3 } },
    });
    expect((await complete(validate, { ok: true })).status).toBe(200);
    const [deploy] = await claim('deployer');
    expect(deploy.input.dependencies).toEqual({ validate: { ok: true } });
    expect((await complete(deploy, 'deployed')).status).toBe(200);

    const finished = (await get(`/workflows/${run.id}`)).body.data as Json;
    expect(finished).toMatchObject({
      status: 'succeeded',
      output: { scaffold: { files: 3 }, validate: { ok: true }, deploy: 'deployed' },
    });
    expect(finished.steps.map((step: Json) => step.task.agentId)).toEqual([
      'scaffolder',
      'validator',
      'deployer',
    ]);

    const events = await eventsOf(run.id);
    expect(events.map((event) => event.type)).toEqual([
      'workflow.created',
      'task.queued',
      'workflow.started',
      'task.claimed',
      'task.succeeded',
      'task.queued',
      'task.claimed',
      'task.succeeded',
      'task.queued',
      'task.claimed',
      'task.succeeded',
      'workflow.succeeded',
    ]);
    const succeeded = events.find((event) => event.type === 'task.succeeded')!;
    expect(succeeded.data).toEqual({
      taskId: scaffold.id,
      workflowId: run.id,
      stepKey: 'scaffold',
      skill: 'scaffold',
      agentId: 'scaffolder',
      attempt: 1,
      durationMs: expect.any(Number),
    });
    expect(events.find((event) => event.type === 'task.queued')!.data).toMatchObject({
      agentId: null,
      durationMs: null,
    });

    // Every transition has its audit entry, written in the same transaction.
    const { rows } = await db.query(
      `SELECT action FROM audit_entries WHERE (resource_type = 'workflow' AND resource_id = $1::text)
          OR (resource_type = 'task' AND resource_id IN (SELECT id::text FROM workflow_tasks WHERE run_id = $1::uuid))`,
      [run.id],
    );
    expect(rows).toHaveLength(events.length);
  });

  it('a failing step is retried after its backoff, then fails the run and cancels the rest', async () => {
    const run = await startInline({
      type: 'flaky',
      steps: [
        { key: 'a', skill: 'validate', maxAttempts: 2, retryBackoff: { initialSeconds: 0 } },
        { key: 'b', skill: 'deploy', dependsOn: ['a'] },
      ],
    });
    const [first] = await claim('validator');
    const failed = await fail(first, { error: { message: 'lint failed', code: 'E_LINT' } });
    expect(failed.status).toBe(200);
    expect(failed.body.data).toMatchObject({ attempt: 1, status: 'failed', willRetry: true });
    // The same report again is answered the same; another one is 409.
    expect(await fail(first, { error: { message: 'lint failed', code: 'E_LINT' } })).toMatchObject({
      status: 200,
      body: failed.body,
    });
    expect((await fail(first, { error: { message: 'other' } })).status).toBe(409);

    const [second] = await claim('validator');
    expect(second).toMatchObject({ id: first.id, attempt: 2 });
    expect(second.leaseToken).not.toBe(first.leaseToken);
    expect((await complete(first, {})).status).toBe(409);
    expect((await fail(second, { error: { message: 'still failing' } })).body.data).toMatchObject({
      attempt: 2,
      willRetry: false,
    });

    const finished = (await get(`/workflows/${run.id}`)).body.data as Json;
    expect(finished.status).toBe('failed');
    expect(finished.error).toMatchObject({
      stepKey: 'a',
      attempt: 2,
      reason: 'failed',
      message: 'still failing',
    });
    expect(finished.steps.map((step: Json) => step.status)).toEqual(['failed', 'cancelled']);
    const types = (await eventsOf(run.id)).map((event) => event.type);
    expect(types).toEqual([
      'workflow.created',
      'task.queued',
      'workflow.started',
      'task.claimed',
      'task.failed',
      'task.retried',
      'task.claimed',
      'task.failed',
      'workflow.failed',
    ]);
  });

  it('a non-retryable failure fails the run at once', async () => {
    const run = await startInline({
      type: 'fatal',
      steps: [{ key: 'a', skill: 'validate', maxAttempts: 5 }],
    });
    const [task] = await claim('validator');
    expect((await fail(task, { retryable: false })).body.data).toMatchObject({ willRetry: false });
    expect((await get(`/workflows/${run.id}`)).body.data.status).toBe('failed');
  });

  it('cancel: queued and claimed tasks are cancelled; the holder gets 409; cancelling again 409', async () => {
    const run = await startInline({
      type: 'cancel-me',
      steps: [
        { key: 'left', skill: 'scaffold' },
        { key: 'right', skill: 'validate' },
        { key: 'join', skill: 'deploy', dependsOn: ['left', 'right'] },
      ],
    });
    const [held] = await claim('scaffolder');
    const cancelled = await post(`/workflows/${run.id}/cancel`, writer);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe('cancelled');
    expect(cancelled.body.data.steps.map((step: Json) => step.status)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(
      (await post(`/tasks/${held.id}/heartbeat`, worker, { leaseToken: held.leaseToken })).status,
    ).toBe(409);
    const late = await complete(held, { too: 'late' });
    expect(late.status).toBe(409);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
    expect((await post(`/workflows/${run.id}/cancel`, writer)).status).toBe(409);
    expect(await claim('validator')).toEqual([]);
    const types = (await eventsOf(run.id)).map((event) => event.type);
    expect(types.filter((type) => type === 'task.cancelled')).toHaveLength(2);
    expect(types[types.length - 1]).toBe('workflow.cancelled');
  });

  it('fan-out and fan-in: parallel steps, then one step with both outputs', async () => {
    const run = await startInline({
      type: 'diamond',
      input: { n: 1 },
      steps: [
        { key: 'root', skill: 'fan' },
        { key: 'left', skill: 'fan', dependsOn: ['root'] },
        { key: 'right', skill: 'fan', dependsOn: ['root'] },
        { key: 'join', skill: 'fan', dependsOn: ['left', 'right'] },
      ],
    });
    const [root] = await claim('generalist', { max: 10 });
    expect(root.stepKey).toBe('root');
    await complete(root, 'r');
    const branches = await claim('generalist', { max: 10 });
    expect(branches.map((task) => task.stepKey).sort()).toEqual(['left', 'right']);
    const [left, right] = [...branches].sort((a, b) => a.stepKey.localeCompare(b.stepKey));
    expect((await complete(left, 'LEFT')).status).toBe(200);
    // What completing `right` reads of the run's other steps (its transaction rolled back):
    // the output `join`, not started yet, depends on; not `root`'s, whose dependents all
    // started. Every completion of a wide run once read back every output so far.
    await db.query('BEGIN');
    try {
      const { rows } = await db.query<{ others: Json[] }>(
        `SELECT d.others FROM workflow_succeed_tasks_needed($1::uuid[], $2::varchar[], $3::uuid[],
                  $4::varchar[], $5::jsonb[], $6::varchar[], $7::varchar[]) d`,
        [[run.id], ['default'], [right.id], [right.leaseToken], ['"RIGHT"'], ['h'], [null]],
      );
      const others = rows[0].others.map(({ stepKey, status, output, withheld }) => ({
        stepKey,
        status,
        output,
        withheld,
      }));
      expect(others.sort((a, b) => a.stepKey.localeCompare(b.stepKey))).toEqual([
        { stepKey: 'left', status: 'succeeded', output: 'LEFT', withheld: false },
        { stepKey: 'root', status: 'succeeded', output: null, withheld: true },
      ]);
    } finally {
      await db.query('ROLLBACK');
    }
    expect((await complete(right, 'RIGHT')).status).toBe(200);
    const [join] = await claim('generalist', { max: 10 });
    expect(join.input).toEqual({ input: { n: 1 }, dependencies: { left: 'LEFT', right: 'RIGHT' } });
    await complete(join, 'joined');
    expect((await get(`/workflows/${run.id}`)).body.data).toMatchObject({
      status: 'succeeded',
      output: { root: 'r', left: 'LEFT', right: 'RIGHT', join: 'joined' },
    });
  });

  it('completions arriving together are each answered, audited and counted as if alone', async () => {
    await registerAgent('wide-worker', ['wide']);
    const keys = [
      await createKey(test, { scopes: ['tasks:work'] }),
      await createKey(test, { scopes: ['tasks:work'] }),
    ];
    const steps = Array.from({ length: 10 }, (_, i) => ({ key: `w${i}`, skill: 'wide' }));
    const run = await startInline({
      type: 'wide',
      steps: [...steps, { key: 'join', skill: 'wide', dependsOn: steps.map((s) => s.key) }],
    });
    const tasks = await claim('wide-worker', { max: 10 });
    expect(tasks).toHaveLength(10);
    const by = (i: number) => ({ authorization: keys[i % 2].authorization });
    // The last one's output cannot be stored (jsonb refuses NUL): it alone gets 400.
    const last = tasks.length - 1;
    const [answers, repeat, stale, unknown, unstorable] = await Promise.all([
      Promise.all(tasks.slice(0, last).map((task, i) => complete(task, { i }, by(i)))),
      complete(tasks[0], { i: 0 }, by(0)),
      complete({ ...tasks[1], leaseToken: tasks[2].leaseToken }, { i: 1 }, by(1)),
      complete({ ...tasks[3], id: '0190a000-0000-7000-8000-000000000000' }, { i: 3 }, by(3)),
      complete(tasks[last], { text: 'a\u0000b' }, by(last)),
    ]);
    expect(unstorable.status).toBe(400);
    answers.push(await complete(tasks[last], { i: last }, by(last)));
    tasks.forEach((task, i) => {
      expect(answers[i]).toMatchObject({
        status: 200,
        body: {
          data: { id: task.id, stepKey: task.stepKey, status: 'succeeded', willRetry: false },
        },
      });
    });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(answers[0].body);
    expect(stale.status).toBe(409);
    expect(unknown.status).toBe(404);

    const [join] = await claim('wide-worker', { max: 10 });
    expect(join.stepKey).toBe('join');
    expect(join.input.dependencies).toEqual(
      Object.fromEntries(tasks.map((task, i) => [task.stepKey, { i }])),
    );
    // Each completion's audit entry names the key and the request that made it.
    const { rows } = await db.query<{ id: string; actor: string; correlation: string }>(
      `SELECT resource_id AS id, actor_id AS actor, correlation_id AS correlation
         FROM audit_entries WHERE action = 'task.succeed' AND resource_id = ANY($1::text[])`,
      [tasks.map((task) => task.id)],
    );
    expect(Object.fromEntries(rows.map((row) => [row.id, row.actor]))).toEqual(
      Object.fromEntries(tasks.map((task, i) => [task.id, keys[i % 2].id])),
    );
    expect(new Set(rows.map((row) => row.correlation)).size).toBe(10);
    const succeeded = (await eventsOf(run.id as string)).filter(
      (event) => event.type === 'task.succeeded',
    );
    expect(succeeded).toHaveLength(10);
  });

  it('claims the highest priority first, then the oldest', async () => {
    const low = await startInline({
      type: 'prio',
      priority: 0,
      steps: [{ key: 'x', skill: 'deploy' }],
    });
    const high = await startInline({
      type: 'prio',
      priority: 9,
      steps: [{ key: 'x', skill: 'deploy' }],
    });
    const older = await startInline({
      type: 'prio',
      priority: 9,
      steps: [{ key: 'x', skill: 'deploy' }],
    });
    const tasks = await claim('deployer', { max: 3 });
    expect(tasks.map((task) => task.workflowId)).toEqual([high.id, older.id, low.id]);
    for (const task of tasks) await complete(task, null);
  });

  it('orders by priority, then age, across all the skills an agent has, and takes only max', async () => {
    await registerAgent('polyglot', ['lint', 'docs', 'audit-deps']);
    const queued: Json[] = [];
    for (const [skill, priority] of [
      ['lint', 1],
      ['docs', 7],
      ['lint', 7],
      ['audit-deps', 3],
      ['docs', 0],
    ] as const) {
      queued.push(await startInline({ type: 'poly', priority, steps: [{ key: 'x', skill }] }));
    }
    const first = await claim('polyglot', { max: 3 });
    // docs/7 and lint/7 tie on priority: the older one first.
    expect(first.map((task) => task.workflowId)).toEqual([
      queued[1].id,
      queued[2].id,
      queued[3].id,
    ]);
    const rest = await claim('polyglot', { max: 10 });
    expect(rest.map((task) => task.workflowId)).toEqual([queued[0].id, queued[4].id]);
    for (const task of [...first, ...rest]) expect((await complete(task, null)).status).toBe(200);
  });

  it('a step past its timeoutSeconds times out even while heartbeating', async () => {
    const run = await startInline({
      type: 'slow',
      steps: [{ key: 'a', skill: 'validate', timeoutSeconds: 1, maxAttempts: 1 }],
    });
    const [task] = await claim('validator');
    const finished = await waitFor(
      async () => {
        await post(`/tasks/${task.id}/heartbeat`, worker, { leaseToken: task.leaseToken });
        const body = (await get(`/workflows/${run.id}`)).body.data as Json;
        return body.status === 'failed' ? body : undefined;
      },
      10_000,
      'the step timeout',
    );
    expect(finished.error).toMatchObject({ reason: 'timed_out', code: 'step_timeout' });
    expect((await eventsOf(run.id)).map((event) => event.type)).toContain('task.timed_out');
    expect((await complete(task, 'late')).status).toBe(409);
  });

  it("an agent's claims and task heartbeats keep it online: its work is not taken back as agent_gone", async () => {
    // An agent driven by hand (no SDK) that claims and extends its task's lease, but sends no
    // agent heartbeat: its 1 s interval would make it silent after 3 s.
    const response = await post('/agents', writer, {
      id: 'busy-by-hand',
      name: 'busy-by-hand',
      heartbeatIntervalSeconds: 1,
      skills: [{ id: 'long-haul', name: 'long-haul' }],
    });
    expect(response.status).toBe(201);
    const run = await startInline({ type: 'long', steps: [{ key: 'a', skill: 'long-haul' }] });
    const [task] = await claim('busy-by-hand');
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      const beat = await post(`/tasks/${task.id}/heartbeat`, worker, {
        leaseToken: task.leaseToken,
      });
      expect(beat.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect((await get('/agents/busy-by-hand', writer)).body.data.status).toBe('online');
    expect((await complete(task, 'done')).status).toBe(200);
    // Between tasks, claims alone keep it online too (each looks briefly and finds nothing).
    const idleUntil = Date.now() + 5_000;
    while (Date.now() < idleUntil) {
      expect(await claim('busy-by-hand', { waitSeconds: 0 })).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect((await get('/agents/busy-by-hand', writer)).body.data.status).toBe('online');
    // Never marked offline in between (a claim would have brought it back at once).
    const offline = await db.query(
      `SELECT 1 FROM events WHERE type = 'agent.offline' AND data->>'agentId' = 'busy-by-hand'`,
    );
    expect(offline.rowCount).toBe(0);
    const types = (await eventsOf(run.id)).map((event) => event.type);
    expect(types).not.toContain('task.timed_out');
    expect(types).toContain('workflow.succeeded');
  });

  it("an agent's progress reports keep it online as task heartbeats do", async () => {
    // Its 1 s interval would make it silent after 3 s; it only reports progress.
    const response = await post('/agents', writer, {
      id: 'reporting-by-hand',
      name: 'reporting-by-hand',
      heartbeatIntervalSeconds: 1,
      skills: [{ id: 'reported', name: 'reported' }],
    });
    expect(response.status).toBe(201);
    const run = await startInline({ type: 'reported', steps: [{ key: 'a', skill: 'reported' }] });
    const [task] = await claim('reporting-by-hand');
    const until = Date.now() + 6_000;
    for (let percent = 0; Date.now() < until; percent += 1) {
      const report = await post(`/tasks/${task.id}/progress`, worker, {
        leaseToken: task.leaseToken,
        percent: Math.min(percent, 100),
      });
      expect(report.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect((await get('/agents/reporting-by-hand', writer)).body.data.status).toBe('online');
    expect((await complete(task, 'done')).status).toBe(200);
    const types = (await eventsOf(run.id)).map((event) => event.type);
    expect(types).not.toContain('task.timed_out');
    expect(types).toContain('workflow.succeeded');
  });

  it('a deregistered agent releases its tasks at once (well within the 30 s lease)', async () => {
    await registerAgent('doomed', ['deploy']);
    const run = await startInline({
      type: 'orphan',
      steps: [{ key: 'a', skill: 'deploy', retryBackoff: { initialSeconds: 0 } }],
    });
    const [held] = await claim('doomed');
    expect(held.workflowId).toBe(run.id);
    const waiting = claim('deployer', { waitSeconds: 10 });
    expect((await call('DELETE', '/agents/doomed', writer)).status).toBe(204);
    const [moved] = await waiting;
    expect(moved).toMatchObject({ id: held.id, attempt: 2 });
    expect((await complete(held, 'ghost')).status).toBe(409);
    expect((await complete(moved, 'ok')).status).toBe(200);
    const events = await eventsOf(run.id);
    expect(events.find((event) => event.type === 'task.timed_out')!.data).toMatchObject({
      agentId: 'doomed',
      error: { code: 'agent_gone' },
    });
  });

  it('a deregistered agent has released its tasks by the time DELETE answers', async () => {
    await registerAgent('doomed-now', ['deploy']);
    const run = await startInline({
      type: 'orphan-now',
      steps: [{ key: 'a', skill: 'deploy', retryBackoff: { initialSeconds: 0 } }],
    });
    const [held] = await claim('doomed-now');
    expect(held.workflowId).toBe(run.id);
    expect((await call('DELETE', '/agents/doomed-now', writer)).status).toBe(204);
    // At once, not once the event has gone round: the lease is void, the task queued again.
    expect((await complete(held, 'ghost')).status).toBe(409);
    const task = (await get(`/tasks/${held.id}`)).body.data;
    expect(task).toMatchObject({ status: 'queued', attempt: 2 });
    // Leaves no deploy task for the tests after it.
    expect((await call('POST', `/workflows/${run.id}/cancel`, writer)).status).toBe(200);
  });

  it('claims racing the DELETE of their agent leave it no task: each is released or finds it gone', async () => {
    // Several claim loops while the agent is deregistered. A claim that began before the DELETE
    // committed must either commit before the DELETE's release (which takes its task back) or
    // find the agent gone; none may lease a task to the agent after its release ran.
    for (let round = 0; round < 6; round += 1) {
      const agentId = `racing-${round}`;
      const skill = `racing-skill-${round}`;
      await registerAgent(agentId, [skill]);
      const runs = await Promise.all(
        Array.from({ length: 40 }, () =>
          startInline({ type: 'racing', steps: [{ key: 'a', skill }] }),
        ),
      );
      let stop = false;
      const ends: number[] = [];
      const loops = Array.from({ length: 6 }, async () => {
        for (;;) {
          const answer = await post(`/agents/${agentId}/tasks/claim`, worker, { max: 1 });
          if (stop || answer.status !== 200) return ends.push(answer.status);
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 20 + round * 10));
      expect((await call('DELETE', `/agents/${agentId}`, writer)).status).toBe(204);
      stop = true;
      await Promise.all(loops);
      // Each loop ended on a claim answered or on the agent gone, never on an error.
      expect(ends.every((status) => status === 200 || status === 404)).toBe(true);
      const { rows } = await db.query(
        `SELECT id FROM workflow_tasks WHERE agent_id = $1 AND status = 'claimed'`,
        [agentId],
      );
      expect(rows).toEqual([]);
      for (const run of runs) await call('POST', `/workflows/${run.id}/cancel`, writer);
    }
  });

  it('inbound events start the definitions they trigger, once per delivery', async () => {
    expect(
      (
        await post('/workflow-definitions', writer, {
          key: 'triage',
          steps: [{ key: 'label', skill: 'scaffold' }],
          triggers: [{ source: 'github', event: 'issues' }],
        })
      ).status,
    ).toBe(201);
    await post('/workflow-definitions', writer, {
      key: 'on-push',
      steps: [{ key: 'build', skill: 'scaffold' }],
      triggers: [{ source: 'github', event: 'push' }],
    });
    const emit = (deliveryId: string) =>
      test.app.get(UnitOfWork).run((tx) =>
        test.app.get(EventsService).emit(tx, {
          type: 'inbound.github.issues',
          subject: { type: 'inbound_event', id: deliveryId },
          tenantId: 'default',
          data: {
            source: 'github',
            event: 'issues',
            deliveryId,
            inboundEventId: deliveryId,
            payload: { action: 'opened' },
          },
        }),
      );
    // The same delivery handled twice starts one run.
    await emit('delivery-1');
    await emit('delivery-1');
    const runs = await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM event_outbox o JOIN events e ON e.id = o.event_id
            WHERE e.type LIKE 'inbound.%'`,
        );
        if (rows[0].n > 0) return undefined;
        return (await get('/workflows?type=triage')).body.data.workflows as Json[];
      },
      10_000,
      'the inbound events to be dispatched',
    );
    expect(runs).toHaveLength(1);
    expect(runs[0].input).toEqual({
      trigger: { source: 'github', event: 'issues', deliveryId: 'delivery-1' },
      payload: { action: 'opened' },
    });
    expect((await get('/workflows?type=on-push')).body.data.workflows).toEqual([]);
  });

  it('a trigger names an event as deliveries carry it, and may narrow it to one action', async () => {
    // Names no delivery can carry would be stored and never fire: refused, each by its field.
    const refused = await post('/workflow-definitions', writer, {
      key: 'never-fires',
      steps: [{ key: 'a', skill: 'scaffold' }],
      triggers: [
        { source: 'github', event: 'Issues.Opened' },
        { source: 'github', event: 'issues.opened' },
        { source: 'githib!', event: 'issues' },
        { source: 'billing', event: 'invoice paid' },
        { source: 'github', event: 'issues', action: 'Opened' },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((error: Json) => error.field).sort()).toEqual([
      'triggers[0].event',
      'triggers[1].event',
      'triggers[2].source',
      'triggers[3].event',
      'triggers[4].action',
    ]);
    expect((await get('/workflow-definitions/never-fires')).status).toBe(404);
    // A Standard Webhooks source's dotted, hyphenated names are fine.
    expect(
      (
        await post('/workflow-definitions', writer, {
          key: 'on-invoice',
          steps: [{ key: 'a', skill: 'scaffold' }],
          triggers: [{ source: 'billing', event: 'invoice.payment-failed' }],
        })
      ).status,
    ).toBe(201);
    // `action`: only deliveries whose payload.action is that one start a run.
    expect(
      (
        await post('/workflow-definitions', writer, {
          key: 'on-opened',
          steps: [{ key: 'a', skill: 'scaffold' }],
          triggers: [{ source: 'github', event: 'pull_request', action: 'opened' }],
        })
      ).status,
    ).toBe(201);
    const emit = (deliveryId: string, action: string) =>
      test.app.get(UnitOfWork).run((tx) =>
        test.app.get(EventsService).emit(tx, {
          type: 'inbound.github.pull_request',
          subject: { type: 'inbound_event', id: deliveryId },
          tenantId: 'default',
          data: {
            source: 'github',
            event: 'pull_request',
            deliveryId,
            inboundEventId: deliveryId,
            payload: { action },
          },
        }),
      );
    await emit('pr-labeled', 'labeled');
    await emit('pr-opened', 'opened');
    await emit('pr-edited', 'edited');
    const runs = await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM event_outbox o JOIN events e ON e.id = o.event_id
            WHERE e.type LIKE 'inbound.%'`,
        );
        if (rows[0].n > 0) return undefined;
        return (await get('/workflows?type=on-opened')).body.data.workflows as Json[];
      },
      10_000,
      'the inbound events to be dispatched',
    );
    expect(runs.map((run) => run.input.trigger.deliveryId)).toEqual(['pr-opened']);
  });

  it('definitions: versions, identical content, reads, and bad graphs answered 400 naming the step', async () => {
    const body = { key: 'versioned', steps: [{ key: 'a', skill: 'x' }] };
    expect((await post('/workflow-definitions', writer, body)).body.data.version).toBe(1);
    const again = await post('/workflow-definitions', writer, body);
    expect(again.status).toBe(200);
    expect(again.body.data.version).toBe(1);
    const v2 = await post('/workflow-definitions', writer, {
      ...body,
      steps: [{ key: 'a', skill: 'y' }],
    });
    expect(v2.status).toBe(201);
    expect(v2.body.data.version).toBe(2);
    expect((await get('/workflow-definitions/versioned')).body.data.steps[0].skill).toBe('y');
    expect((await get('/workflow-definitions/versioned?version=1')).body.data.steps[0]).toEqual({
      key: 'a',
      skill: 'x',
      dependsOn: [],
      timeoutSeconds: null,
      maxAttempts: 3,
      retryBackoff: { initialSeconds: 1, factor: 2, maxSeconds: 300 },
    });
    expect((await get('/workflow-definitions/versioned?version=3')).status).toBe(404);
    expect((await get('/workflow-definitions/nope')).status).toBe(404);
    const listed = await get('/workflow-definitions?limit=200');
    expect(listed.body.data.definitions.find((d: Json) => d.key === 'versioned').version).toBe(2);
    // A run from version 1 keeps version 1's steps.
    const pinned = await post('/workflows', writer, {
      definitionKey: 'versioned',
      definitionVersion: 1,
    });
    expect(pinned.body.data).toMatchObject({ definitionVersion: 1, steps: [{ skill: 'x' }] });
    await post(`/workflows/${pinned.body.data.id}/cancel`, writer);

    const bad: Array<[Json, string]> = [
      [{ key: 'd', steps: [{ key: 'a', skill: 'x', dependsOn: ['zz'] }] }, 'steps[0].dependsOn'],
      [
        {
          key: 'd',
          steps: [
            { key: 'a', skill: 'x', dependsOn: ['b'] },
            { key: 'b', skill: 'x', dependsOn: ['a'] },
          ],
        },
        'steps[0].dependsOn',
      ],
      [
        {
          key: 'd',
          steps: [
            { key: 'a', skill: 'x' },
            { key: 'a', skill: 'x' },
          ],
        },
        'steps[1].key',
      ],
      [{ key: 'd', steps: [{ key: 'a', skill: 'x', bogus: 1 }] }, 'steps[0].bogus'],
      [{ key: 'd', steps: [{ key: 'a', skill: 'x' }], extra: true }, 'extra'],
      [{ key: 'd', steps: [] }, 'steps'],
      [{ key: 'Bad Key', steps: [{ key: 'a', skill: 'x' }] }, 'key'],
      [{ key: 'd', steps: [{ key: 'a', skill: 'x', maxAttempts: 0 }] }, 'steps[0].maxAttempts'],
      [
        { key: 'd', steps: [{ key: 'a', skill: 'x', retryBackoff: { factor: 0 } }] },
        'steps[0].retryBackoff.factor',
      ],
      [{ key: 'd', steps: 'nope' }, 'steps'],
    ];
    for (const [input, field] of bad) {
      const response = await post('/workflow-definitions', writer, input);
      expect([response.status, input]).toEqual([400, input]);
      expect(response.body.errors.map((error: Json) => error.field)).toContain(field);
    }
    expect((await get('/workflow-definitions/d')).status).toBe(404);
  });

  it('bad run input and bad task calls are 400/404, never 500, and change nothing', async () => {
    const { rows: before } = await db.query('SELECT count(*)::int AS n FROM workflow_runs');
    const cases: Array<[Json, string]> = [
      [{}, 'definitionKey'],
      [{ definitionKey: 'sdlc', type: 'x', steps: [{ key: 'a', skill: 'x' }] }, 'definitionKey'],
      [{ type: 'x' }, 'steps'],
      [{ type: 'x', steps: [{ key: 'a', skill: 'x', dependsOn: ['a'] }] }, 'steps[0].dependsOn'],
      [{ definitionKey: 'sdlc', priority: 5000 }, 'priority'],
      [{ definitionKey: 'sdlc', input: 'text' }, 'input'],
    ];
    for (const [input, field] of cases) {
      const response = await post('/workflows', writer, input);
      expect([response.status, input]).toEqual([400, input]);
      expect(response.body.errors.map((error: Json) => error.field)).toContain(field);
    }
    expect((await post('/workflows', writer, { definitionKey: 'missing' })).status).toBe(404);
    expect((await get('/workflows?limit=0')).status).toBe(400);
    expect((await get('/workflows?cursor=garbage')).status).toBe(400);
    expect((await get('/workflows?status=done')).status).toBe(400);
    expect((await get('/workflows/not-a-uuid')).status).toBe(404);
    expect((await get('/workflows/0190a000-0000-7000-8000-000000000000')).status).toBe(404);
    expect(
      (await post('/workflows/0190a000-0000-7000-8000-000000000000/cancel', writer)).status,
    ).toBe(404);
    expect((await post('/tasks/nope/complete', worker, { leaseToken: 'x' })).status).toBe(404);
    expect(
      (
        await post('/tasks/0190a000-0000-7000-8000-000000000000/fail', worker, {
          leaseToken: 'x',
          error: { message: 'm' },
        })
      ).status,
    ).toBe(404);
    expect(
      (await post('/tasks/0190a000-0000-7000-8000-000000000000/fail', worker, { leaseToken: 'x' }))
        .status,
    ).toBe(400);
    expect((await post('/agents/generalist/tasks/claim', worker, { max: 11 })).status).toBe(400);
    expect((await post('/agents/generalist/tasks/claim', worker, { waitSeconds: 31 })).status).toBe(
      400,
    );
    expect((await post('/agents/nobody/tasks/claim', worker, {})).status).toBe(404);
    expect((await post('/agents/NOT_A_SLUG/tasks/claim', worker, {})).status).toBe(404);
    const { rows: after } = await db.query('SELECT count(*)::int AS n FROM workflow_runs');
    expect(after[0].n).toBe(before[0].n);
  });

  it('scopes, agent keys, draining agents', async () => {
    expect((await post('/workflows', reader, { definitionKey: 'sdlc' })).status).toBe(403);
    expect((await get('/workflows', worker)).status).toBe(403);
    expect((await post('/agents/generalist/tasks/claim', reader, {})).status).toBe(403);
    const ownKey = {
      authorization: (await createKey(test, { scopes: ['tasks:work'], agentId: 'validator' }))
        .authorization,
    };
    expect((await post('/agents/scaffolder/tasks/claim', ownKey, {})).status).toBe(403);

    const run = await startInline({ type: 'drain', steps: [{ key: 'a', skill: 'validate' }] });
    const beat = await post('/agents/validator/heartbeat', writer, { status: 'draining' });
    expect(beat.status).toBe(200);
    const started = Date.now();
    const refused = await post('/agents/validator/tasks/claim', ownKey, { waitSeconds: 5 });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:agentmesh:problem:agent-draining');
    expect(Date.now() - started).toBeLessThan(2_000);
    await post('/agents/validator/heartbeat', writer, { status: 'healthy' });
    const [task] = await claim('validator', {}, ownKey);
    expect(task.workflowId).toBe(run.id);
    // Another agent's key, even with the right token, is not the holder.
    const otherKey = {
      authorization: (await createKey(test, { scopes: ['tasks:work'], agentId: 'deployer' }))
        .authorization,
    };
    expect((await complete(task, 'x', otherKey)).status).toBe(409);
    expect((await complete(task, 'x', ownKey)).status).toBe(200);
  });

  it('tenant isolation: another tenant sees none of it (404), and claims none of it', async () => {
    expect(
      (
        await post(
          '/tenants',
          { authorization: test.admin.authorization },
          { id: 'other', name: 'Other' },
        )
      ).status,
    ).toBe(201);
    const other = {
      authorization: (
        await createKey(test, {
          scopes: ['workflows:read', 'workflows:write', 'tasks:work', 'agents:write'],
          tenantId: 'other',
        })
      ).authorization,
    };
    const run = await startInline({ type: 'mine', steps: [{ key: 'a', skill: 'deploy' }] });
    expect((await get(`/workflows/${run.id}`, other)).status).toBe(404);
    expect((await get(`/workflows/${run.id}/events`, other)).status).toBe(404);
    expect((await post(`/workflows/${run.id}/cancel`, other)).status).toBe(404);
    expect((await get('/workflows', other)).body.data.workflows).toEqual([]);
    expect((await get('/workflow-definitions/sdlc', other)).status).toBe(404);
    expect((await post('/workflows', other, { definitionKey: 'sdlc' })).status).toBe(404);
    expect(
      (
        await post('/agents', other, {
          id: 'deployer',
          name: 'd',
          skills: [{ id: 'deploy', name: 'deploy' }],
        })
      ).status,
    ).toBe(201);
    expect(await claim('deployer', {}, other)).toEqual([]);
    const [mine] = await claim('deployer');
    expect(mine.workflowId).toBe(run.id);
    expect((await complete(mine, 'x', other)).status).toBe(404);
    expect((await complete(mine, 'x')).status).toBe(200);
  });

  it('long-poll: a waiting agent is woken by the task being queued; an idle wait ends empty', async () => {
    await registerAgent('poller', ['poll']);
    const idleStart = Date.now();
    const idle = await post('/agents/poller/tasks/claim', worker, { waitSeconds: 1 });
    expect(idle.status).toBe(200);
    expect(idle.body).toEqual({ data: { tasks: [] } });
    expect(Date.now() - idleStart).toBeGreaterThanOrEqual(900);

    const waiting = claim('poller', { waitSeconds: 20 });
    await new Promise((done) => setTimeout(done, 300));
    const queuedAt = Date.now();
    const run = await startInline({ type: 'wake', steps: [{ key: 'a', skill: 'poll' }] });
    const [task] = await waiting;
    // Woken by NOTIFY on commit, not by a poll: well under the 20 s wait.
    expect(Date.now() - queuedAt).toBeLessThan(2_000);
    expect(task.workflowId).toBe(run.id);
    await complete(task, null);
  });

  it('20 concurrent agents × 500 tasks: every task claimed and completed exactly once', async () => {
    const agents = Array.from({ length: 20 }, (_, i) => `crowd-${i}`);
    for (const agent of agents) await registerAgent(agent, ['crowd']);
    const runIds: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const run = await startInline({
        type: 'crowd',
        steps: Array.from({ length: 10 }, (_, step) => ({ key: `s${step}`, skill: 'crowd' })),
      });
      runIds.push(run.id as string);
    }
    const claims = new Map<string, string[]>();
    let completed = 0;
    const failures: string[] = [];
    await Promise.all(
      agents.map(async (agent) => {
        while (completed < 500) {
          const tasks = await claim(agent, { max: 5, waitSeconds: 1 });
          for (const task of tasks) {
            claims.set(task.id, [...(claims.get(task.id) ?? []), agent]);
            const done = await complete(task, { by: agent });
            if (done.status !== 200) failures.push(`${task.id}: ${done.status}`);
            completed += 1;
          }
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(claims.size).toBe(500);
    expect([...claims.values()].filter((holders) => holders.length !== 1)).toEqual([]);
    const { rows } = await db.query(
      `SELECT status, count(*)::int AS n FROM workflow_runs WHERE id = ANY($1::uuid[]) GROUP BY status`,
      [runIds],
    );
    expect(rows).toEqual([{ status: 'succeeded', n: 50 }]);
    const { rows: events } = await db.query(
      `SELECT type, count(*)::int AS n FROM events
        WHERE subject_type = 'workflow' AND subject_id = ANY($1::text[]) AND type LIKE 'task.%'
        GROUP BY type ORDER BY type`,
      [runIds],
    );
    expect(events).toEqual([
      { type: 'task.claimed', n: 500 },
      { type: 'task.queued', n: 500 },
      { type: 'task.succeeded', n: 500 },
    ]);
  }, 60_000);

  it('/metrics: live runs and tasks, queue depth and age, finished runs and attempts', async () => {
    await startInline({ type: 'metered', steps: [{ key: 'a', skill: 'nobody-has-this' }] });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^task_queue_depth\{skill="nobody-has-this"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^task_queue_oldest_age_seconds\{skill="nobody-has-this"\} \d/m);
    expect(metrics).toMatch(/^workflow_runs_active\{status="pending"\} [1-9]/m);
    expect(metrics).toMatch(/^workflow_tasks_active\{status="queued"\} [1-9]/m);
    expect(metrics).toMatch(/^workflow_runs_finished_total\{status="succeeded"\} [1-9]/m);
    expect(metrics).toMatch(/^task_attempts_finished_total\{status="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^task_batch_size_count\{kind="claim"\} [1-9]/m);
    expect(metrics).toMatch(/^task_batch_size_count\{kind="complete"\} [1-9]/m);
  });
});
