import { DataSource } from 'typeorm';
import { Agent, fetch as undiciFetch } from 'undici';
import { AgentMeshClient, Worker, withUsage, type FetchLike } from '../packages/sdk/src';
import { waitFor } from './utils/spawn-app';
import { ADMIN_KEY, createKey, listenOnLoopback, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = Record<string, string>;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const dispatcher = new Agent();
const fetchVia: FetchLike = (url, init) =>
  undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);

/** Usage reported by agents, summed per task, run, agent and tenant; run budgets. */
describe('usage and budgets', () => {
  let test: TestApp;
  let writer: Headers;
  let reader: Headers;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = test.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };
  const register = async (id: string, skills: string[]) => {
    const response = await call('PUT', `/agents/${id}`, writer, {
      name: id,
      skills: skills.map((skill) => ({ id: skill, name: skill })),
      heartbeatIntervalSeconds: 3600,
    });
    expect([200, 201]).toContain(response.status);
  };
  const claim = async (agentId: string, max = 1) => {
    const response = await call('POST', `/agents/${agentId}/tasks/claim`, writer, { max });
    expect(response.status).toBe(200);
    return response.body.data.tasks as Json[];
  };
  const complete = (task: Json, usage?: Json, output: unknown = { ok: task.stepKey }) =>
    call('POST', `/tasks/${task.id}/complete`, writer, {
      leaseToken: task.leaseToken,
      output,
      ...(usage ? { usage } : {}),
    });
  const start = async (type: string, steps: Json[], budget?: Json) => {
    const response = await call('POST', '/workflows', writer, {
      type,
      steps,
      ...(budget ? { budget } : {}),
    });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const run = async (id: string) => {
    const response = await call('GET', `/workflows/${id}`, reader);
    expect(response.status).toBe(200);
    return response.body.data as Json;
  };
  const history = async (id: string) => {
    const response = await call('GET', `/workflows/${id}/events?limit=200`, reader);
    expect(response.status).toBe(200);
    return response.body.data.events as Json[];
  };
  const stepOf = (detail: Json, key: string) =>
    (detail.steps as Json[]).find((step) => step.key === key)!;
  const metrics = async () => (await test.http.get('/metrics')).text;

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    writer = {
      authorization: (
        await createKey(test, {
          scopes: ['workflows:write', 'workflows:read', 'agents:write', 'tasks:work'],
        })
      ).authorization,
    };
    reader = {
      authorization: (await createKey(test, { scopes: ['workflows:read'] })).authorization,
    };
  });

  afterAll(async () => {
    await dispatcher.destroy();
    await test?.close();
  });

  it('sums usage per task, run and agent when many agents complete parallel steps at once', async () => {
    const agents = ['sum-a', 'sum-b', 'sum-c', 'sum-d'];
    for (const agent of agents) await register(agent, ['summing']);
    const steps = Array.from({ length: 12 }, (_, index) => ({
      key: `s${index}`,
      skill: 'summing',
    }));
    const started = await start('summing', steps);
    const claimed = await Promise.all(agents.map((agent) => claim(agent, 3)));
    expect(claimed.flat()).toHaveLength(12);
    // Every completion of the run at once: none of their additions to its totals may be lost.
    const answers = await Promise.all(
      claimed
        .flat()
        .map((task) =>
          complete(task, { inputTokens: 100, outputTokens: 7, costUsd: 0.001, model: 'm-small' }),
        ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const detail = await run(started.id);
    expect(detail.status).toBe('succeeded');
    expect(detail.usage).toEqual({
      inputTokens: 1200,
      outputTokens: 84,
      costUsd: 0.012,
      reports: 12,
    });
    expect(stepOf(detail, 's5').task.usage).toEqual({
      inputTokens: 100,
      outputTokens: 7,
      costUsd: 0.001,
      reports: 1,
    });
    const byAgent = await call('GET', `/usage?groupBy=agent&workflowId=${started.id}`, reader);
    expect(byAgent.status).toBe(200);
    const rows = byAgent.body.data.usage as Json[];
    expect(rows.map((row) => row.key)).toEqual(agents);
    for (const [index, row] of rows.entries()) {
      const count = claimed[index].length;
      expect(row).toMatchObject({ inputTokens: 100 * count, tokens: 107 * count, reports: count });
    }
    expect(await metrics()).toMatch(/agent_tokens_total\{skill="summing"\} 1284/);
    expect(await metrics()).toMatch(/agent_cost_usd_total\{skill="summing"\} 0\.012/);
  });

  it("sums a fan-out's element usage on its step", async () => {
    await register('fan-usage', ['fan-usage']);
    const started = await start('fan-usage', [
      { key: 'plan', skill: 'fan-usage' },
      {
        key: 'each',
        skill: 'fan-usage',
        dependsOn: ['plan'],
        forEach: '$.steps.plan.output.items',
      },
    ]);
    const [plan] = await claim('fan-usage');
    expect((await complete(plan, undefined, { items: [1, 2, 3] })).status).toBe(200);
    const elements = await claim('fan-usage', 5);
    expect(elements).toHaveLength(3);
    for (const element of elements)
      expect((await complete(element, { inputTokens: 3, outputTokens: 1 })).status).toBe(200);
    const detail = await run(started.id);
    expect(detail.status).toBe('succeeded');
    expect(stepOf(detail, 'each').task.usage).toEqual({
      inputTokens: 9,
      outputTokens: 3,
      costUsd: 0,
      reports: 3,
    });
    expect(stepOf(detail, 'each').fanOut.tasks[0].usage).toMatchObject({ inputTokens: 3 });
    expect(detail.usage).toMatchObject({ inputTokens: 9, reports: 3 });
  });

  it('adds usage sent with progress reports, and answers a repeat completion without counting it again', async () => {
    await register('progress-agent', ['progressing']);
    const started = await start('progressing', [{ key: 'only', skill: 'progressing' }]);
    const [task] = await claim('progress-agent');
    const progress = await call('POST', `/tasks/${task.id}/progress`, writer, {
      leaseToken: task.leaseToken,
      message: 'halfway',
      usage: { inputTokens: 40, outputTokens: 2 },
    });
    expect(progress.status).toBe(200);
    expect((await run(started.id)).usage).toEqual({
      inputTokens: 40,
      outputTokens: 2,
      costUsd: 0,
      reports: 1,
    });
    const usage = { inputTokens: 10, outputTokens: 1, model: 'm-large' };
    expect((await complete(task, usage)).status).toBe(200);
    const repeat = await complete(task, usage);
    expect(repeat.status).toBe(200);
    // The same output with other usage is another payload: refused, as for another output.
    expect((await complete(task, { ...usage, inputTokens: 11 })).status).toBe(409);
    const detail = await run(started.id);
    expect(detail.usage).toEqual({ inputTokens: 50, outputTokens: 3, costUsd: 0, reports: 2 });
    expect(stepOf(detail, 'only').task.usage).toMatchObject({ inputTokens: 50, reports: 2 });
  });

  it('counts reported dollars in /metrics to the nanodollar, as the ledger does', async () => {
    await register('cost-agent', ['cost-drift']);
    const started = await start('cost-drift', [{ key: 'only', skill: 'cost-drift' }]);
    const [task] = await claim('cost-agent');
    // 0.07 twenty times: summed as floats, 1.4000000000000008.
    for (let i = 0; i < 20; i++) {
      const progress = await call('POST', `/tasks/${task.id}/progress`, writer, {
        leaseToken: task.leaseToken,
        usage: { inputTokens: 1, outputTokens: 0, costUsd: 0.07 },
      });
      expect(progress.status).toBe(200);
    }
    expect((await run(started.id)).usage.costUsd).toBe(1.4);
    const text = (await test.http.get('/metrics')).text;
    expect(/^agent_cost_usd_total\{skill="cost-drift"\} (\S+)$/m.exec(text)?.[1]).toBe('1.4');
  });

  it('refuses bad usage with a 400 naming the field, and changes nothing', async () => {
    await register('bad-usage', ['bad-usage']);
    const started = await start('bad-usage', [{ key: 'only', skill: 'bad-usage' }]);
    const [task] = await claim('bad-usage');
    const fieldsOf = async (usage: unknown) => {
      const response = await call('POST', `/tasks/${task.id}/complete`, writer, {
        leaseToken: task.leaseToken,
        usage,
      });
      expect(response.status).toBe(400);
      expect(response.body.status).toBe(400);
      return (response.body.errors as Json[]).map((error) => error.field as string);
    };
    expect(await fieldsOf({ inputTokens: -1, outputTokens: 0 })).toEqual(['usage.inputTokens']);
    expect(await fieldsOf({ inputTokens: 1.5, outputTokens: 0 })).toEqual(['usage.inputTokens']);
    expect(await fieldsOf({ inputTokens: 1 })).toEqual(['usage.outputTokens']);
    expect(await fieldsOf({ inputTokens: 1, outputTokens: 1, costUsd: -0.5 })).toEqual([
      'usage.costUsd',
    ]);
    expect(await fieldsOf({ inputTokens: 1, outputTokens: 1, model: 'x'.repeat(129) })).toEqual([
      'usage.model',
    ]);
    expect(await fieldsOf({ inputTokens: 1, outputTokens: 1, extra: 1 })).toEqual(['usage.extra']);
    // Null is not "no cost" or "no model": it would have been written as a cost of 0.
    expect(await fieldsOf({ inputTokens: 1, outputTokens: 1, costUsd: null })).toEqual([
      'usage.costUsd',
    ]);
    expect(await fieldsOf({ inputTokens: 1, outputTokens: 1, model: null })).toEqual([
      'usage.model',
    ]);
    const detail = await run(started.id);
    expect(stepOf(detail, 'only').task).toMatchObject({ status: 'claimed', usage: null });
    expect(detail.usage).toBeNull();

    const badBudget = await call('POST', '/workflows', writer, {
      type: 'bad-budget',
      steps: [{ key: 'a', skill: 'x' }],
      budget: { tokens: -5 },
    });
    expect(badBudget.status).toBe(400);
    expect((badBudget.body.errors as Json[]).map((error) => error.field)).toEqual([
      'budget.tokens',
    ]);
    const empty = await call('POST', `/workflows/${started.id}/budget`, writer, {});
    expect(empty.status).toBe(400);
    // A limit sent as null is refused, at the start and later: it was stored, and enforced as a
    // limit of 0 (the run stopped at its first reported token).
    const nullAtStart = await call('POST', '/workflows', writer, {
      type: 'bad-budget',
      steps: [{ key: 'a', skill: 'x' }],
      budget: { tokens: null, costUsd: 5 },
    });
    expect([nullAtStart.status, nullAtStart.body.errors]).toEqual([
      400,
      [{ field: 'budget.tokens', message: 'budget.tokens cannot be null' }],
    ]);
    for (const body of [{ tokens: null }, { costUsd: null, tokens: 10 }, { wallSeconds: null }]) {
      const nullLater = await call('POST', `/workflows/${started.id}/budget`, writer, body);
      expect(nullLater.status).toBe(400);
      expect((nullLater.body.errors as Json[]).map((error) => error.field)).toEqual(
        Object.keys(body).filter((key) => (body as Json)[key] === null),
      );
    }
    // At the start as later: a budget names a limit (no budget is no limit: leave it out).
    for (const budget of [{}, { tokens: null }]) {
      const emptyAtStart = await call('POST', '/workflows', writer, {
        type: 'bad-budget',
        steps: [{ key: 'a', skill: 'x' }],
        budget,
      });
      expect([emptyAtStart.status, emptyAtStart.body.errors]).toEqual([
        400,
        [
          {
            field: 'budget',
            message: 'budget must name at least one of tokens, costUsd, wallSeconds',
          },
          ...('tokens' in budget
            ? [{ field: 'budget.tokens', message: 'budget.tokens cannot be null' }]
            : []),
        ],
      ]);
    }
    const wall = await call('POST', `/workflows/${started.id}/budget`, writer, { wallSeconds: 0 });
    expect(wall.status).toBe(400);
    expect((await run(started.id)).budget).toBeNull();
  });

  it('holds the task a sleep releases when it ends in a run over its budget, audited as held', async () => {
    await register('budget-nap', ['budget-napping']);
    const started = await start(
      'budget-napping',
      [
        { key: 'x', skill: 'budget-napping' },
        { key: 'nap', kind: 'sleep', seconds: 2 },
        { key: 'z', skill: 'budget-napping', dependsOn: ['nap'] },
      ],
      { tokens: 100 },
    );
    const [first] = await claim('budget-nap');
    expect(first.stepKey).toBe('x');
    expect((await complete(first, { inputTokens: 120, outputTokens: 30 })).status).toBe(200);
    expect((await run(started.id)).status).toBe('budget_exceeded');
    // The timer ends the sleep; z is ready, and held (not queued) in a run over its budget.
    const held = await waitFor(
      async () => {
        const z = stepOf(await run(started.id), 'z');
        return z?.status === 'held' ? z : undefined;
      },
      20_000,
      'the sleep to end and z to be held',
    );
    expect(stepOf(await run(started.id), 'nap').status).toBe('succeeded');
    expect(await claim('budget-nap', 5)).toEqual([]);
    const events = (await history(started.id)).filter(
      (event) => event.data.stepKey === 'z' && event.type.startsWith('task.'),
    );
    expect(events.map((event) => ({ type: event.type, data: event.data }))).toEqual([
      {
        type: 'task.held',
        data: {
          taskId: held.task.id,
          workflowId: started.id,
          stepKey: 'z',
          skill: 'budget-napping',
          agentId: null,
          attempt: 1,
          durationMs: null,
        },
      },
    ]);
    const entries = await test.app.get(DataSource).query(
      `SELECT action, actor_type, before, after FROM audit_entries
          WHERE resource_type = 'task' AND resource_id = $1 ORDER BY id`,
      [held.task.id],
    );
    expect(entries).toEqual([
      {
        action: 'task.hold',
        actor_type: 'system',
        before: null,
        after: { status: 'held', attempt: 1, agentId: null },
      },
    ]);
    // Not left waiting for budget: the next test counts the runs that are.
    expect((await call('POST', `/workflows/${started.id}/cancel`, writer)).status).toBe(200);
  });

  it('stops dispatch once a run passes its token budget, lets claimed tasks finish, and resumes when raised', async () => {
    await register('budget-a', ['budgeted']);
    await register('budget-b', ['budgeted']);
    const started = await start(
      'budgeted',
      [
        { key: 'x', skill: 'budgeted' },
        { key: 'y', skill: 'budgeted' },
        { key: 'z', skill: 'budgeted', dependsOn: ['x'] },
      ],
      { tokens: 100 },
    );
    expect(started.budget).toEqual({ tokens: 100 });
    const [first] = await claim('budget-a');
    const [second] = await claim('budget-b');
    expect([first.stepKey, second.stepKey].sort()).toEqual(['x', 'y']);
    // 150 tokens against a budget of 100: the completion stands, the run stops.
    expect((await complete(first, { inputTokens: 120, outputTokens: 30 })).status).toBe(200);
    let detail = await run(started.id);
    expect(detail.status).toBe('budget_exceeded');
    expect(detail.waiting).toEqual({ reason: 'budget', exceeded: ['tokens'] });
    expect(stepOf(detail, first.stepKey).status).toBe('succeeded');
    expect(await claim('budget-a', 5)).toEqual([]);
    expect(await metrics()).toMatch(/workflow_runs_waiting\{reason="budget"\} 1/);

    // The task claimed before may finish; z, ready now whichever finished first, is held.
    expect((await complete(second, { inputTokens: 5, outputTokens: 5 })).status).toBe(200);
    detail = await run(started.id);
    expect(detail.status).toBe('budget_exceeded');
    expect(detail.usage).toMatchObject({ inputTokens: 125, outputTokens: 35, reports: 2 });
    expect(stepOf(detail, 'z').status).toBe('held');
    expect(await claim('budget-b', 5)).toEqual([]);

    const below = await call('POST', `/workflows/${started.id}/budget`, writer, { tokens: 150 });
    expect(below.status).toBe(409);
    expect(below.body.type).toMatch(/budget-below-usage/);
    expect(below.body.errors).toEqual([{ field: 'tokens', message: expect.any(String) }]);
    expect((await run(started.id)).status).toBe('budget_exceeded');

    const raised = await call('POST', `/workflows/${started.id}/budget`, writer, {
      tokens: 10_000,
      costUsd: 5,
    });
    expect(raised.status).toBe(200);
    expect(raised.body.data).toMatchObject({
      status: 'running',
      budget: { tokens: 10_000, costUsd: 5 },
      waiting: null,
    });
    const [resumed] = await claim('budget-a', 5);
    expect(resumed.stepKey).toBe('z');
    expect((await complete(resumed)).status).toBe(200);
    expect((await run(started.id)).status).toBe('succeeded');

    const types = (await history(started.id)).map((event) => event.type);
    expect(types).toContain('workflow.budget.exceeded');
    expect(types).toContain('workflow.budget.changed');
    expect(types).toContain('task.held');
    const exceeded = (await history(started.id)).find(
      (event) => event.type === 'workflow.budget.exceeded',
    )!;
    expect(exceeded.data).toMatchObject({
      status: 'budget_exceeded',
      budget: { tokens: 100 },
      exceeded: ['tokens'],
      usage: { inputTokens: 120, outputTokens: 30 },
    });
    const audit = await call(
      'GET',
      `/audit?resourceType=workflow&resourceId=${started.id}&limit=200`,
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(audit.status).toBe(200);
    const actions = (audit.body.data.entries as Json[]).map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining(['workflow.budget_exceed', 'workflow.budget_change']),
    );
  });

  it('finishes a run whose last step reports usage over its budget as succeeded, exceeding nothing', async () => {
    await register('budget-last', ['budget-last']);
    const started = await start('budget-last', [{ key: 'only', skill: 'budget-last' }], {
      tokens: 10,
    });
    const [task] = await claim('budget-last');
    expect((await complete(task, { inputTokens: 50, outputTokens: 50 })).status).toBe(200);
    const detail = await run(started.id);
    expect(detail).toMatchObject({
      status: 'succeeded',
      output: { only: { ok: 'only' } },
      waiting: null,
    });
    expect(detail.usage).toMatchObject({ inputTokens: 50, outputTokens: 50 });
    const types = (await history(started.id)).map((event) => event.type);
    expect(types).toContain('workflow.succeeded');
    expect(types).not.toContain('workflow.budget.exceeded');
  });

  it('holds the retry of an attempt that fails while its run is budget_exceeded', async () => {
    await register('retry-budget', ['retry-budget']);
    const started = await start(
      'retry-budget',
      [
        { key: 'a', skill: 'retry-budget' },
        { key: 'b', skill: 'retry-budget', maxAttempts: 2, retryBackoff: { initialSeconds: 0 } },
      ],
      { tokens: 10 },
    );
    const claimed = await claim('retry-budget', 2);
    const a = claimed.find((task) => task.stepKey === 'a')!;
    const b = claimed.find((task) => task.stepKey === 'b')!;
    expect((await complete(a, { inputTokens: 20, outputTokens: 0 })).status).toBe(200);
    const failed = await call('POST', `/tasks/${b.id}/fail`, writer, {
      leaseToken: b.leaseToken,
      error: { message: 'model overloaded' },
    });
    expect(failed.status).toBe(200);
    expect(failed.body.data).toMatchObject({ status: 'failed', willRetry: true });
    expect(stepOf(await run(started.id), 'b').task).toMatchObject({ status: 'held', attempt: 2 });
    expect(await claim('retry-budget')).toEqual([]);
    // The history says so: held after its retry, as a task a sleep releases is; queued once
    // the budget is raised.
    const ofB = async () =>
      (await history(started.id))
        .filter((event) => event.data.stepKey === 'b' && event.type.startsWith('task.'))
        .map((event) => event.type);
    expect(await ofB()).toEqual([
      'task.queued',
      'task.claimed',
      'task.failed',
      'task.retried',
      'task.held',
    ]);
    const raised = await call('POST', `/workflows/${started.id}/budget`, writer, { tokens: 100 });
    expect(raised.status).toBe(200);
    expect((await ofB()).slice(5)).toEqual(['task.queued']);
    const response = await call('POST', '/agents/retry-budget/tasks/claim', writer, {
      waitSeconds: 10,
    });
    const [retried] = response.body.data.tasks as Json[];
    expect(retried).toMatchObject({ stepKey: 'b', attempt: 2 });
    expect((await complete(retried)).status).toBe(200);
    expect((await run(started.id)).status).toBe('succeeded');
  });

  /** A run that passed its token budget, then failed: `a` reported the tokens, `b` failed. */
  const overBudgetAndFailed = async (skill: string, definitionKey?: string) => {
    const response = await call('POST', '/workflows', writer, {
      ...(definitionKey
        ? { definitionKey, input: { repo: skill } }
        : {
            type: skill,
            steps: [
              { key: 'a', skill },
              { key: 'b', skill, maxAttempts: 1 },
            ],
          }),
      budget: { tokens: 10 },
    });
    expect(response.status).toBe(201);
    const started = response.body.data as Json;
    const claimed = await claim(skill, 2);
    const a = claimed.find((task) => task.stepKey === 'a')!;
    const b = claimed.find((task) => task.stepKey === 'b')!;
    expect((await complete(a, { inputTokens: 20, outputTokens: 0 })).status).toBe(200);
    expect((await run(started.id)).status).toBe('budget_exceeded');
    const failed = await call('POST', `/tasks/${b.id}/fail`, writer, {
      leaseToken: b.leaseToken,
      error: { message: 'tool crashed' },
      retryable: false,
    });
    expect(failed.status).toBe(200);
    expect((await run(started.id)).status).toBe('failed');
    return started.id as string;
  };

  /** Stopped by its budget again: `b` held, nothing to claim; raising the budget lets it finish. */
  const expectHeldUntilRaised = async (id: string, skill: string) => {
    const stopped = await run(id);
    expect(stopped.status).toBe('budget_exceeded');
    expect(stopped.waiting).toEqual({ reason: 'budget', exceeded: ['tokens'] });
    expect(stepOf(stopped, 'b').status).toBe('held');
    expect(await claim(skill)).toEqual([]);
    const raised = await call('POST', `/workflows/${id}/budget`, writer, { tokens: 100 });
    expect(raised.status).toBe(200);
    const [b] = await claim(skill);
    expect(b).toMatchObject({ stepKey: 'b', workflowId: id });
    expect((await complete(b)).status).toBe(200);
    expect((await run(id)).status).toBe('succeeded');
  };

  it('retries a failed run that is over its budget as budget_exceeded, its steps held', async () => {
    await register('retry-over', ['retry-over']);
    const id = await overBudgetAndFailed('retry-over');
    const retried = await call('POST', `/workflows/${id}/retry`, writer, {});
    expect(retried.status).toBe(200);
    await expectHeldUntilRaised(id, 'retry-over');
    const types = (await history(id)).map((event) => event.type);
    const since = types.lastIndexOf('workflow.retried');
    expect(types.slice(since)).toEqual(
      expect.arrayContaining(['workflow.retried', 'workflow.budget.exceeded', 'task.held']),
    );
  });

  it('stops a retried run over its budget once its concurrency slot frees, its steps held', async () => {
    const skill = 'retry-over-slot';
    await register(skill, [skill]);
    const defined = await call('POST', '/workflow-definitions', writer, {
      key: skill,
      steps: [
        { key: 'a', skill },
        { key: 'b', skill, maxAttempts: 1 },
      ],
      concurrency: { key: '$.input.repo', limit: 1 },
    });
    expect(defined.status).toBe(201);
    const id = await overBudgetAndFailed(skill, skill);
    // Another run of the key holds the slot: the retry waits for it.
    const other = await call('POST', '/workflows', writer, {
      definitionKey: skill,
      input: { repo: skill },
    });
    expect(other.status).toBe(201);
    const retried = await call('POST', `/workflows/${id}/retry`, writer, {});
    expect(retried.status).toBe(200);
    expect(retried.body.data.status).toBe('pending');
    for (const task of await claim(skill, 2)) {
      expect(task.workflowId).toBe(other.body.data.id);
      expect((await complete(task)).status).toBe(200);
    }
    await waitFor(
      async () => ((await run(id)).waiting?.reason === 'concurrency' ? undefined : true),
      10_000,
      'the retried run to get its slot',
    );
    await expectHeldUntilRaised(id, skill);
  });

  it('cancels a budget_exceeded run, its held tasks with it', async () => {
    await register('cancel-budget', ['cancel-budget']);
    const started = await start(
      'cancel-budget',
      [
        { key: 'a', skill: 'cancel-budget' },
        { key: 'b', skill: 'cancel-budget' },
      ],
      { costUsd: 0.01 },
    );
    const [task] = await claim('cancel-budget');
    expect((await complete(task, { inputTokens: 1, outputTokens: 1, costUsd: 0.02 })).status).toBe(
      200,
    );
    const other = task.stepKey === 'a' ? 'b' : 'a';
    const stopped = await run(started.id);
    expect(stopped.waiting).toEqual({ reason: 'budget', exceeded: ['costUsd'] });
    // It was queued when the budget ran out: held since.
    expect(stepOf(stopped, other).status).toBe('held');
    const cancelled = await call('POST', `/workflows/${started.id}/cancel`, writer);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe('cancelled');
    expect(stepOf(cancelled.body.data, other).status).toBe('cancelled');
    const late = await call('POST', `/workflows/${started.id}/budget`, writer, { costUsd: 1 });
    expect(late.status).toBe(409);
  });

  it('stops a run that runs longer than its wallSeconds', async () => {
    await register('wall-agent', ['walled']);
    const started = await start(
      'walled',
      [
        { key: 'first', skill: 'walled' },
        { key: 'second', skill: 'walled', dependsOn: ['first'] },
      ],
      { wallSeconds: 1 },
    );
    const [task] = await claim('wall-agent');
    const stopped = await waitFor(
      async () => {
        const detail = await run(started.id);
        return detail.status === 'budget_exceeded' ? detail : undefined;
      },
      20_000,
      'the wall-clock budget to stop the run',
    );
    expect(stopped.waiting).toEqual({ reason: 'budget', exceeded: ['wallSeconds'] });
    // The claimed task finishes; the step it readies is held.
    expect((await complete(task)).status).toBe(200);
    expect(stepOf(await run(started.id), 'second').status).toBe('held');
    expect(await claim('wall-agent')).toEqual([]);
    const still = await call('POST', `/workflows/${started.id}/budget`, writer, { wallSeconds: 1 });
    expect(still.status).toBe(409);
    const raised = await call('POST', `/workflows/${started.id}/budget`, writer, {
      wallSeconds: 3600,
    });
    expect(raised.status).toBe(200);
    const [next] = await claim('wall-agent');
    expect(next.stepKey).toBe('second');
    expect((await complete(next)).status).toBe(200);
    expect((await run(started.id)).status).toBe('succeeded');
  });

  it('reports the tenant usage per period and group, in pages, and checks the period', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const byDay = await call('GET', '/usage', reader);
    expect(byDay.status).toBe(200);
    const today = (byDay.body.data.usage as Json[]).find((row) => row.key === day)!;
    expect(today.tokens).toBe(today.inputTokens + today.outputTokens);
    expect(today.reports).toBeGreaterThan(12);

    const models: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Json } = await call(
        'GET',
        `/usage?groupBy=model&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        reader,
      );
      expect(page.status).toBe(200);
      expect(page.body.data.usage.length).toBeLessThanOrEqual(1);
      models.push(...(page.body.data.usage as Json[]));
      cursor = page.body.meta.nextCursor as string | null;
    } while (cursor);
    expect(models.map((row) => row.key)).toEqual([null, 'm-large', 'm-small']);
    expect(models[2]).toMatchObject({ inputTokens: 1200, outputTokens: 84, reports: 12 });

    const bySkill = await call('GET', '/usage?groupBy=skill', reader);
    expect((bySkill.body.data.usage as Json[]).map((row) => row.key)).toEqual(
      expect.arrayContaining(['summing', 'progressing', 'budgeted']),
    );
    const byDefinition = await call('GET', '/usage?groupBy=definition', reader);
    expect(byDefinition.body.data.usage).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'summing', tokens: 1284 })]),
    );
    const past = await call(
      'GET',
      '/usage?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z',
      reader,
    );
    expect(past.status).toBe(200);
    expect(past.body.data.usage).toEqual([]);

    const invalid = async (query: string, field: string) => {
      const response = await call('GET', `/usage?${query}`, reader);
      expect(response.status).toBe(400);
      expect((response.body.errors as Json[]).map((error) => error.field)).toEqual([field]);
    };
    await invalid('from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from');
    await invalid('from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from');
    await invalid('groupBy=week', 'groupBy');
    await invalid('from=yesterday', 'from');
    await invalid('cursor=nope', 'cursor');
    const forbidden = await call('GET', '/usage', {
      authorization: (await createKey(test, { scopes: ['agents:read'] })).authorization,
    });
    expect(forbidden.status).toBe(403);
  });

  it("sends the usage an SDK worker's handler returns or reports", async () => {
    const baseUrl = await listenOnLoopback(test);
    const client = new AgentMeshClient({ baseUrl, apiKey: ADMIN_KEY, fetch: fetchVia });
    const worker = new Worker({
      baseUrl,
      apiKey: ADMIN_KEY,
      agent: { id: 'sdk-usage', name: 'sdk-usage' },
      handlers: {
        // ctx.reportUsage per model call, plus usage returned with the output.
        draft: async (_task, ctx) => {
          ctx.reportUsage({ inputTokens: 30, outputTokens: 3, costUsd: 0.5, model: 'm-sdk' });
          return withUsage({ text: 'draft' }, { inputTokens: 20, outputTokens: 2, costUsd: 0.25 });
        },
        // A plain return value is the output, as before, even one with these field names.
        plain: async () => ({ output: 'kept', usage: 'not usage' }),
      },
      pollSeconds: 1,
      logger: quiet,
      fetch: fetchVia,
    });
    await worker.start();
    try {
      const started = await start('sdk-usage', [
        { key: 'draft', skill: 'draft' },
        { key: 'plain', skill: 'plain', dependsOn: ['draft'] },
      ]);
      const done = await client.workflows.waitForCompletion(started.id, { timeoutMs: 30_000 });
      expect(done.status).toBe('succeeded');
      const detail = await run(started.id);
      expect(stepOf(detail, 'draft').task).toMatchObject({
        output: { text: 'draft' },
        usage: { inputTokens: 50, outputTokens: 5, costUsd: 0.75, reports: 1 },
      });
      expect(stepOf(detail, 'plain').task).toMatchObject({
        output: { output: 'kept', usage: 'not usage' },
        usage: null,
      });
      const byModel = await call('GET', `/usage?groupBy=model&workflowId=${started.id}`, reader);
      expect(byModel.body.data.usage).toEqual([
        { key: 'm-sdk', inputTokens: 50, outputTokens: 5, tokens: 55, costUsd: 0.75, reports: 1 },
      ]);
    } finally {
      await worker.stop({ graceMs: 1_000 });
    }
  });
});
