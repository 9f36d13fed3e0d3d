import { Client } from 'pg';
import { FAN_OUT_OUTPUT_MAX_BYTES } from '../src/workflows/fan-out';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

/**
 * Dynamic fan-out: a forEach step runs one task per element of an array known only at run time,
 * each retried on its own; its output is the array of their outputs in element order.
 */
describe('fan-out steps (forEach)', () => {
  let test: TestApp;
  let db: Client;
  let writer: Headers;
  let worker: Headers;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = test.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };
  const claim = async (agentId: string, body: Json = {}) => {
    const response = await call('POST', `/agents/${agentId}/tasks/claim`, worker, body);
    expect(response.status).toBe(200);
    return response.body.data.tasks as Json[];
  };
  const complete = (task: Json, output: unknown) =>
    call('POST', `/tasks/${task.id}/complete`, worker, { leaseToken: task.leaseToken, output });
  const fail = (task: Json, message: string) =>
    call('POST', `/tasks/${task.id}/fail`, worker, {
      leaseToken: task.leaseToken,
      error: { message, code: 'agent_error' },
    });
  /** An agent of these skills that heartbeats rarely enough to stay online through the file. */
  const register = async (id: string, skills: readonly string[]) => {
    const registered = await call('POST', '/agents', writer, {
      id,
      name: id,
      skills: skills.map((skill) => ({ id: skill, name: skill })),
      heartbeatIntervalSeconds: 3600,
    });
    expect(registered.status).toBe(201);
  };
  const define = (key: string, steps: Json[]) =>
    call('POST', '/workflow-definitions', writer, { key, steps });
  const start = async (definitionKey: string, input: Json = {}) => {
    const response = await call('POST', '/workflows', writer, { definitionKey, input });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const view = async (id: string) => (await call('GET', `/workflows/${id}`, writer)).body.data;
  const step = (run: Json, key: string) => run.steps.find((s: Json) => s.key === key) as Json;
  const history = async (id: string) => {
    const events: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        'GET',
        `/workflows/${id}/events?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        writer,
      );
      expect(page.status).toBe(200);
      events.push(...page.body.data.events);
      cursor = page.body.meta.nextCursor;
    } while (cursor);
    return events;
  };
  const elementStatuses = async (runId: string) =>
    (
      await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM workflow_tasks
          WHERE run_id = $1 AND element_index IS NOT NULL GROUP BY status ORDER BY status`,
        [runId],
      )
    ).rows;

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '10000000' });
    writer = {
      authorization: (
        await createKey(test, {
          scopes: ['workflows:write', 'workflows:read', 'agents:write', 'agents:read'],
        })
      ).authorization,
    };
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    for (const [id, skills] of [
      ['planner', ['plan', 'sum']],
      ['squarer-1', ['square']],
      ['squarer-2', ['square']],
      ['squarer-3', ['square']],
      ['squarer-4', ['square']],
      ['fragile', ['flaky']],
      ['holder', ['hold']],
    ] as const) {
      await register(id, skills);
    }
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('rejects a forEach that reads no dependency, or sits on a step that is not a task', async () => {
    const cases: Array<[Json[], string, RegExp]> = [
      [
        [
          { key: 'plan', skill: 'plan' },
          { key: 'fan', skill: 'square', forEach: '$.steps.plan.output.items' },
        ],
        'steps[1].forEach',
        /not in dependsOn/,
      ],
      [[{ key: 'fan', skill: 'square', forEach: 'items' }], 'steps[0].forEach', /JSON path/],
      [
        [{ key: 'fan', skill: 'square', forEach: '$.dependencies.plan' }],
        'steps[0].forEach',
        /JSON path/,
      ],
      [
        [{ key: 'nap', kind: 'sleep', seconds: 5, forEach: '$.input.items' }],
        'steps[0].forEach',
        /a sleep step has no forEach/,
      ],
      [
        [{ key: 'hold', kind: 'wait', signal: 'go', timeoutSeconds: 60, forEach: '$.input.x' }],
        'steps[0].forEach',
        /a wait step has no forEach/,
      ],
      [
        [{ key: 'ok', kind: 'approval', forEach: '$.input.x' }],
        'steps[0].forEach',
        /an? approval step has no forEach/,
      ],
    ];
    for (const [steps, field, message] of cases) {
      const response = await define('bad-fan', steps);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
      );
      // Inline runs are checked the same way, and nothing is started.
      const inline = await call('POST', '/workflows', writer, { type: 'bad-fan', steps });
      expect(inline.status).toBe(400);
    }
    expect((await call('GET', '/workflow-definitions/bad-fan', writer)).status).toBe(404);
    expect((await call('GET', '/workflows?type=bad-fan', writer)).body.data.workflows).toEqual([]);

    const good = await define('good-fan', [
      { key: 'plan', skill: 'plan' },
      { key: 'fan', skill: 'square', dependsOn: ['plan'], forEach: '$.steps.plan.output.items' },
      { key: 'direct', skill: 'square', forEach: '$.input.items' },
    ]);
    expect(good.status).toBe(201);
    expect(good.body.data.steps[1].forEach).toBe('$.steps.plan.output.items');
  });

  it('fans 500 elements out to four agents, retries the failed ones, keeps their order', async () => {
    expect(
      (
        await define('squares', [
          { key: 'plan', skill: 'plan' },
          {
            key: 'fan',
            skill: 'square',
            dependsOn: ['plan'],
            forEach: '$.steps.plan.output.items',
            maxAttempts: 3,
            retryBackoff: { initialSeconds: 0 },
          },
          { key: 'sum', skill: 'sum', dependsOn: ['fan'] },
        ])
      ).status,
    ).toBe(201);
    const run = await start('squares', { n: 500 });
    const [plan] = await claim('planner');
    expect(plan.stepKey).toBe('plan');
    const items = Array.from({ length: 500 }, (_, i) => ({ n: i }));
    expect((await complete(plan, { items })).status).toBe(200);

    // The run view before any element ran: the count, all queued, a few tasks shown.
    const before = await view(run.id);
    const fan = step(before, 'fan');
    expect(fan).toMatchObject({
      status: 'waiting',
      waitingFor: { forEach: '$.steps.plan.output.items', elements: 500 },
      fanOut: {
        forEach: '$.steps.plan.output.items',
        elements: 500,
        queued: 500,
        running: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
      },
    });
    expect(fan.fanOut.tasks).toHaveLength(20);
    expect(fan.fanOut.tasks.map((task: Json) => task.index)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    // The view shows an element's own part of its input; the rest is the step's.
    expect(fan.fanOut.tasks[3].input).toEqual({ item: { n: 3 }, index: 3 });
    expect(fan.task.input).toEqual({ input: { n: 500 }, dependencies: { plan: { items } } });
    // Stored once: an element's row keeps only its element and index.
    const stored = await db.query(
      `SELECT input FROM workflow_tasks WHERE run_id = $1 AND element_index = 3`,
      [run.id],
    );
    expect(stored.rows).toEqual([{ input: { item: { n: 3 }, index: 3 } }]);
    expect(JSON.stringify(before).length).toBeLessThan(100_000);

    // Every seventh element fails its first attempt; it succeeds on its retry.
    const attemptsSeen = new Map<number, number[]>();
    const work = async (agentId: string) => {
      for (;;) {
        const tasks = await claim(agentId, { max: 10, waitSeconds: 1 });
        if (tasks.length === 0) {
          const status = (await view(run.id)).status;
          if (status !== 'running') return;
          continue;
        }
        for (const task of tasks) {
          // What the agent gets: the step's input with its element and index.
          expect(task.input.input).toEqual({ n: 500 });
          expect(task.input.dependencies.plan.items).toHaveLength(500);
          const { item, index } = task.input as { item: { n: number }; index: number };
          attemptsSeen.set(index, [...(attemptsSeen.get(index) ?? []), task.attempt]);
          const answer =
            index % 7 === 0 && task.attempt === 1
              ? await fail(task, `element ${index} hiccup`)
              : await complete(task, { square: item.n * item.n, by: agentId });
          expect(answer.status).toBe(200);
        }
      }
    };
    const summing = (async () => {
      for (;;) {
        const [sum] = await claim('planner', { waitSeconds: 5 });
        if (!sum) continue;
        expect(sum.stepKey).toBe('sum');
        const squares = sum.input.dependencies.fan as Json[];
        const total = squares.reduce((acc, out) => acc + (out.square as number), 0);
        expect((await complete(sum, { total, count: squares.length })).status).toBe(200);
        return sum;
      }
    })();
    await Promise.all(['squarer-1', 'squarer-2', 'squarer-3', 'squarer-4'].map(work));
    const sum = await summing;

    const failing = Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 7 === 0);
    expect(attemptsSeen.size).toBe(500);
    for (const [index, attempts] of attemptsSeen)
      expect(attempts).toEqual(index % 7 === 0 ? [1, 2] : [1]);

    const done = await view(run.id);
    expect(done.status).toBe('succeeded');
    const expected = items.map(({ n }) => n * n);
    expect((done.output.fan as Json[]).map((out) => out.square)).toEqual(expected);
    expect(sum.input.dependencies.fan).toEqual(done.output.fan);
    expect(done.output.sum).toEqual({ total: expected.reduce((a, b) => a + b, 0), count: 500 });
    expect(step(done, 'fan')).toMatchObject({
      status: 'succeeded',
      waitingFor: null,
      fanOut: { elements: 500, queued: 0, running: 0, succeeded: 500, failed: 0, cancelled: 0 },
    });
    expect(step(done, 'fan').task.output).toEqual(done.output.fan);

    // Every element, a page at a time, in index order.
    const paged: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        'GET',
        `/workflows/${run.id}/steps/fan/elements?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        writer,
      );
      expect(page.status).toBe(200);
      paged.push(...page.body.data.elements);
      cursor = page.body.meta.nextCursor;
    } while (cursor);
    expect(paged.map((task) => task.index)).toEqual(items.map(({ n }) => n));
    expect(paged.map((task) => task.output)).toEqual(done.output.fan);
    expect(paged.map((task) => task.attempt)).toEqual(items.map(({ n }) => (n % 7 === 0 ? 2 : 1)));
    expect(paged[7].input).toEqual({ item: { n: 7 }, index: 7 });
    const whole = await call('GET', `/tasks/${paged[7].id}`, writer);
    expect(whole.body.data).toMatchObject({
      stepKey: 'fan',
      input: { input: { n: 500 }, item: { n: 7 }, index: 7 },
    });
    expect(whole.body.data.attempts.map((a: Json) => a.status)).toEqual(['failed', 'succeeded']);
    const none = await call('GET', `/workflows/${run.id}/steps/fan/elements?status=failed`, writer);
    expect(none.body).toEqual({ data: { elements: [] }, meta: { nextCursor: null } });
    for (const [path, status] of [
      [`/workflows/${run.id}/steps/plan/elements`, 404],
      [`/workflows/${run.id}/steps/nope/elements`, 404],
      [`/workflows/00000000-0000-7000-8000-000000000000/steps/fan/elements`, 404],
      [`/workflows/${run.id}/steps/fan/elements?cursor=bogus`, 400],
      [`/workflows/${run.id}/steps/fan/elements?status=lost`, 400],
      [`/workflows/${run.id}/steps/fan/elements?limit=201`, 400],
    ] as const) {
      const answer = await call('GET', path, writer);
      expect([path, answer.status]).toEqual([path, status]);
    }
    // A cursor crafted to hold no element index is the cursor's problem, not a malformed value.
    for (const position of [[1.5], [99999999999999999999999], [-1]]) {
      const cursor = Buffer.from(JSON.stringify(position)).toString('base64url');
      const crafted = await call(
        'GET',
        `/workflows/${run.id}/steps/fan/elements?cursor=${cursor}`,
        writer,
      );
      expect([position, crafted.status, crafted.body.type]).toEqual([
        position,
        400,
        'urn:agentmesh:problem:invalid-cursor',
      ]);
    }
    const notFanOut = await call('GET', `/workflows/${run.id}/steps/plan/elements`, writer);
    expect(notFanOut.body).toMatchObject({
      status: 404,
      type: 'urn:agentmesh:problem:fan-out-step-not-found',
      detail: 'The run has no forEach step "plan".',
    });

    const events = await history(run.id);
    const fannedOut = events.filter((event) => event.type === 'workflow.step.fanned_out');
    expect(fannedOut).toHaveLength(1);
    expect(fannedOut[0].data).toMatchObject({
      stepKey: 'fan',
      kind: 'fanout',
      elements: 500,
      forEach: '$.steps.plan.output.items',
    });
    // Each element's claims say which element they leased, as its other task events do.
    const claimedElements = events
      .filter((event) => event.type === 'task.claimed' && event.data.stepKey === 'fan')
      .map((event) => event.data.elementIndex as number);
    expect(claimedElements).toHaveLength(500 + failing.length);
    expect(new Set(claimedElements).size).toBe(500);
    expect(
      events.filter((e) => e.type === 'task.claimed' && e.data.stepKey !== 'fan'),
    ).not.toContainEqual(
      expect.objectContaining({
        data: expect.objectContaining({ elementIndex: expect.anything() }),
      }),
    );
    const retried = events.filter((event) => event.type === 'task.retried');
    expect(retried.map((event) => event.data.elementIndex).sort((a, b) => a - b)).toEqual(failing);
    expect(events.filter((event) => event.type === 'task.queued')).toHaveLength(502);
    const stepEnd = events.filter((event) => event.type === 'workflow.step.succeeded');
    expect(stepEnd.map((event) => event.data.stepKey)).toEqual(['fan']);
    // The step ended before the dependent step was queued.
    const position = (predicate: (event: Json) => boolean) => events.findIndex(predicate);
    expect(position((e) => e.type === 'workflow.step.succeeded')).toBeLessThan(
      position((e) => e.type === 'task.queued' && e.data.stepKey === 'sum'),
    );
  }, 240_000);

  it('an element out of attempts fails the step and the run, cancels the rest; retry reruns only those', async () => {
    expect(
      (
        await define('fragile', [
          {
            key: 'fan',
            skill: 'flaky',
            forEach: '$.input.items',
            maxAttempts: 2,
            retryBackoff: { initialSeconds: 0 },
          },
          { key: 'after', skill: 'hold', dependsOn: ['fan'] },
        ])
      ).status,
    ).toBe(201);
    const run = await start('fragile', { items: ['a', 'b', 'c', 'd', 'e', 'f'] });
    expect(step(run, 'fan').fanOut).toMatchObject({ elements: 6, queued: 6 });
    // Elements 0 and 1 succeed, 2, 3 and 5 are held (claimed), 4 fails twice.
    const byIndex = new Map<number, Json>();
    for (const task of await claim('fragile', { max: 6 })) byIndex.set(task.input.index, task);
    expect([...byIndex.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const index of [0, 1]) {
      const task = byIndex.get(index)!;
      expect((await complete(task, { upper: task.input.item.toUpperCase() })).status).toBe(200);
    }
    const first = await fail(byIndex.get(4)!, 'boom');
    expect(first.body.data).toMatchObject({ status: 'failed', willRetry: true });
    const [again] = await claim('fragile');
    expect(again.input.index).toBe(4);
    expect(again.attempt).toBe(2);
    const last = await fail(again, 'boom again');
    expect(last.body.data).toMatchObject({ status: 'failed', willRetry: false });

    const failed = await view(run.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({
      stepKey: 'fan',
      taskId: again.id,
      attempt: 2,
      reason: 'failed',
      message: 'boom again',
      elementIndex: 4,
    });
    expect(step(failed, 'fan')).toMatchObject({
      status: 'failed',
      fanOut: { elements: 6, queued: 0, running: 0, succeeded: 2, failed: 1, cancelled: 3 },
      task: { error: { code: 'element_failed', elementIndex: 4 } },
    });
    expect(step(failed, 'fan').fanOut.tasks.map((t: Json) => [t.index, t.status])).toEqual([
      [4, 'failed'],
      [2, 'cancelled'],
      [3, 'cancelled'],
      [5, 'cancelled'],
      [0, 'succeeded'],
      [1, 'succeeded'],
    ]);
    expect(step(failed, 'after').status).toBe('cancelled');
    const cancelledElements = await call(
      'GET',
      `/workflows/${run.id}/steps/fan/elements?status=cancelled&limit=2`,
      writer,
    );
    expect(cancelledElements.body.data.elements.map((t: Json) => t.index)).toEqual([2, 3]);
    const rest = await call(
      'GET',
      `/workflows/${run.id}/steps/fan/elements?status=cancelled&limit=2&cursor=${cancelledElements.body.meta.nextCursor}`,
      writer,
    );
    expect(rest.body).toMatchObject({
      data: { elements: [{ index: 5 }] },
      meta: { nextCursor: null },
    });
    // The held elements' holders learn it: their lease is gone.
    expect((await complete(byIndex.get(2)!, { upper: 'C' })).status).toBe(409);
    const events = await history(run.id);
    const stepFailed = events.find((event) => event.type === 'workflow.step.failed')!;
    expect(stepFailed.data).toMatchObject({
      stepKey: 'fan',
      kind: 'fanout',
      error: { code: 'element_failed', elementIndex: 4 },
    });
    expect(events.filter((event) => event.type === 'task.cancelled')).toHaveLength(3);
    expect(events.at(-1)!.type).toBe('workflow.failed');

    // Retry: the two succeeded elements keep their outputs; the four others run again.
    const kept = (
      await db.query<{ id: string; element_index: number }>(
        `SELECT id, element_index FROM workflow_tasks
          WHERE run_id = $1 AND status = 'succeeded' ORDER BY element_index`,
        [run.id],
      )
    ).rows;
    const retried = await call('POST', `/workflows/${run.id}/retry`, writer);
    expect(retried.status).toBe(200);
    expect(step(retried.body.data, 'fan')).toMatchObject({
      status: 'waiting',
      fanOut: { elements: 6, queued: 4, succeeded: 2, failed: 0, cancelled: 0 },
    });
    // The elements it replaced are kept with the input their agents were given.
    for (const replaced of [again, byIndex.get(2)!]) {
      const kept = await call('GET', `/tasks/${replaced.id}`, writer);
      expect(kept.status).toBe(200);
      expect(kept.body.data).toMatchObject({
        input: replaced.input,
        retiredAt: expect.any(String),
      });
    }
    const rerun = await claim('fragile', { max: 10 });
    expect(rerun.map((task) => task.input.index).sort()).toEqual([2, 3, 4, 5]);
    expect(rerun.every((task) => task.attempt === 1)).toBe(true);
    for (const task of rerun)
      expect((await complete(task, { upper: task.input.item.toUpperCase() })).status).toBe(200);
    const [after] = await claim('holder');
    expect(after.input.dependencies.fan).toEqual(
      ['A', 'B', 'C', 'D', 'E', 'F'].map((upper) => ({ upper })),
    );
    expect((await complete(after, null)).status).toBe(200);
    expect((await view(run.id)).status).toBe('succeeded');
    expect(
      (
        await db.query(
          `SELECT id, element_index FROM workflow_tasks
            WHERE run_id = $1 AND element_index IN (0, 1) ORDER BY element_index`,
          [run.id],
        )
      ).rows,
    ).toEqual(kept);
  });

  it('a retry that waits for its concurrency slot keeps the replaced elements with their input', async () => {
    await register('keyed', ['keyed']);
    expect(
      (
        await call('POST', '/workflow-definitions', writer, {
          key: 'keyed-fan',
          concurrency: { key: '$.input.k', limit: 1 },
          steps: [{ key: 'fan', skill: 'keyed', forEach: '$.input.items', maxAttempts: 1 }],
        })
      ).status,
    ).toBe(201);
    const first = await start('keyed-fan', { k: 'x', items: ['a', 'b'] });
    const elements = await claim('keyed', { max: 2 });
    expect(elements).toHaveLength(2);
    expect((await fail(elements[0], 'boom')).status).toBe(200);
    expect((await view(first.id)).status).toBe('failed');
    // Another run of the key takes the slot: the retry waits for it.
    const second = await start('keyed-fan', { k: 'x', items: ['c'] });
    expect((await view(second.id)).waiting).toBeNull();
    const retried = await call('POST', `/workflows/${first.id}/retry`, writer);
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ status: 'pending', waiting: expect.anything() });
    for (const element of elements) {
      const kept = await call('GET', `/tasks/${element.id}`, writer);
      expect(kept.status).toBe(200);
      expect(kept.body.data).toMatchObject({ input: element.input, retiredAt: expect.any(String) });
    }
  });

  it('a retry that waits for its concurrency slot keeps the succeeded elements, reruns the others', async () => {
    expect(
      (
        await call('POST', '/agents', writer, {
          id: 'keeper',
          name: 'keeper',
          skills: [{ id: 'keeper', name: 'keeper' }],
          heartbeatIntervalSeconds: 3600,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/workflow-definitions', writer, {
          key: 'keyed-keep',
          concurrency: { key: '$.input.k', limit: 1 },
          steps: [{ key: 'fan', skill: 'keeper', forEach: '$.input.items', maxAttempts: 1 }],
        })
      ).status,
    ).toBe(201);
    const first = await start('keyed-keep', { k: 'y', items: ['a', 'b', 'c'] });
    const elements = await claim('keeper', { max: 3 });
    expect(elements).toHaveLength(3);
    const byItem = new Map(elements.map((task) => [task.input.item as string, task]));
    expect((await complete(byItem.get('a')!, { done: 'a' })).status).toBe(200);
    expect((await complete(byItem.get('b')!, { done: 'b' })).status).toBe(200);
    expect((await fail(byItem.get('c')!, 'boom')).status).toBe(200);
    expect((await view(first.id)).status).toBe('failed');
    // Another run of the key takes the slot: the retry waits for it.
    const second = await start('keyed-keep', { k: 'y', items: ['d'] });
    const retried = await call('POST', `/workflows/${first.id}/retry`, writer);
    expect(retried.body.data.status).toBe('pending');
    const [other] = await claim('keeper', { max: 5 });
    expect(other.workflowId).toBe(second.id);
    expect((await complete(other, { done: 'd' })).status).toBe(200);
    // The slot freed: the retried run starts with only its failed element to run again.
    let again: Json[] = [];
    const until = Date.now() + 10_000;
    while (again.length === 0 && Date.now() < until) {
      again = await claim('keeper', { max: 5, waitSeconds: 1 });
    }
    expect(again.map((task) => [task.workflowId, task.input.item])).toEqual([[first.id, 'c']]);
    expect(again[0].id).not.toBe(byItem.get('c')!.id);
    for (const item of ['a', 'b']) {
      const kept = await call('GET', `/tasks/${byItem.get(item)!.id}`, writer);
      expect(kept.body.data).toMatchObject({ status: 'succeeded', output: { done: item } });
      expect(kept.body.data.retiredAt ?? null).toBeNull();
    }
    expect((await complete(again[0], { done: 'c' })).status).toBe(200);
    const done = await view(first.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ fan: [{ done: 'a' }, { done: 'b' }, { done: 'c' }] });
  });

  it('fails the step clearly when forEach gives more than 1,000 elements, or no array', async () => {
    expect(
      (
        await define('direct', [
          { key: 'fan', skill: 'hold', forEach: '$.input.items' },
          { key: 'after', skill: 'hold', dependsOn: ['fan'] },
        ])
      ).status,
    ).toBe(201);
    const cases: Array<[Json, string, RegExp]> = [
      [
        { items: Array.from({ length: 1001 }, (_, i) => i) },
        'foreach_too_many',
        /1001 elements; a fan-out runs at most 1000/,
      ],
      [{ items: 'abc' }, 'foreach_not_array', /resolved to a string, not an array/],
      [{ items: { a: 1 } }, 'foreach_not_array', /resolved to an object, not an array/],
      [{ other: [] }, 'foreach_unresolved', /resolved to nothing/],
    ];
    for (const [input, code, message] of cases) {
      const run = await start('direct', input);
      expect(run.status).toBe('failed');
      expect(run.error).toMatchObject({
        stepKey: 'fan',
        code,
        message: expect.stringMatching(message),
      });
      expect(step(run, 'fan')).toMatchObject({
        status: 'failed',
        task: { error: { code } },
        fanOut: { elements: null, queued: 0, succeeded: 0, tasks: [] },
      });
      expect(step(run, 'after').status).toBe('cancelled');
      expect(await elementStatuses(run.id)).toEqual([]);
      const types = (await history(run.id)).map((event) => event.type);
      // No agent ever worked on it: the run fails from pending.
      expect(types).toEqual([
        'workflow.created',
        'workflow.step.fanned_out',
        'workflow.step.failed',
        'workflow.failed',
      ]);
    }
    expect(await claim('holder', { max: 10 })).toEqual([]);
  });

  it('an empty array completes the step at once with []; dependents run', async () => {
    const run = await start('direct', { items: [] });
    expect(step(run, 'fan')).toMatchObject({
      status: 'succeeded',
      task: { output: [] },
      fanOut: { elements: 0, queued: 0, succeeded: 0, tasks: [] },
    });
    expect(step(run, 'after').status).toBe('queued');
    const [after] = await claim('holder');
    expect(after.input.dependencies).toEqual({ fan: [] });
    expect((await complete(after, 'ok')).status).toBe(200);
    expect((await view(run.id)).output).toEqual({ fan: [], after: 'ok' });

    // An empty fan-out that is the last step finishes the run as it starts.
    const alone = await call('POST', '/workflows', writer, {
      type: 'alone',
      steps: [{ key: 'fan', skill: 'hold', forEach: '$.input.none' }],
      input: { none: [] },
    });
    expect(alone.body.data).toMatchObject({ status: 'succeeded', output: { fan: [] } });
  });

  it('elements whose outputs add up to more than a fan-out holds fail the step and the run, clearly', async () => {
    // PostgreSQL holds at most 256 MB in one value: 1,000 elements of 1 MB each once made the
    // last completion a 500, again on every try, and the run could never finish.
    await register('bulky', ['bulky']);
    expect(
      (
        await define('bulky-outputs', [
          { key: 'fan', skill: 'bulky', forEach: '$.input.items' },
          { key: 'after', skill: 'sum', dependsOn: ['fan'] },
        ])
      ).status,
    ).toBe(201);
    const elements = Math.ceil(FAN_OUT_OUTPUT_MAX_BYTES / 1_000_000) + 1;
    const run = await start('bulky-outputs', {
      items: Array.from({ length: elements }, (_, i) => i),
    });
    const output = 'y'.repeat(1_000_000 - 2);
    for (let done = 0; done < elements;) {
      const tasks = await claim('bulky', { max: 10 });
      for (const task of tasks) expect((await complete(task, output)).status).toBe(200);
      done += tasks.length;
    }
    const failed = (await call('GET', `/workflows/${run.id}`, writer)).body.data;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({
      stepKey: 'fan',
      code: 'fan_out_output_too_large',
      message: expect.stringContaining(`${elements} elements`),
    });
    expect(step(failed, 'fan')).toMatchObject({ status: 'failed' });
    expect(step(failed, 'after').status).toBe('cancelled');
  });

  it('1,000 elements over a run input near the body limit start, and cancel', async () => {
    // Each element's row once came back with the whole run input merged in: 1,000 copies of
    // 900 KB, past the statement timeout (503 on every try, though nothing was wrong).
    const items = Array.from({ length: 1000 }, (_, i) => `${i}:${'x'.repeat(890)}`);
    expect(
      (await define('wide-input', [{ key: 'fan', skill: 'square', forEach: '$.input.items' }]))
        .status,
    ).toBe(201);
    const run = await start('wide-input', { items });
    expect(step(run, 'fan').fanOut).toMatchObject({ elements: 1000, queued: 1000 });
    const cancelled = await call('POST', `/workflows/${run.id}/cancel`, writer);
    expect(cancelled.status).toBe(200);
    expect(await elementStatuses(run.id)).toEqual([{ status: 'cancelled', n: 1000 }]);
  });

  it('1,000 elements start; cancelling the run cancels every one of them', async () => {
    const run = await start('direct', { items: Array.from({ length: 1000 }, (_, i) => `e${i}`) });
    expect(step(run, 'fan').fanOut).toMatchObject({ elements: 1000, queued: 1000 });
    // Pending until an agent claims an element, as with any task step.
    expect(run.status).toBe('pending');
    const held = await claim('holder', { max: 10 });
    expect(held).toHaveLength(10);
    const cancelled = await call('POST', `/workflows/${run.id}/cancel`, writer);
    expect(cancelled.status).toBe(200);
    expect(step(cancelled.body.data, 'fan')).toMatchObject({
      status: 'cancelled',
      fanOut: { elements: 1000, queued: 0, running: 0, cancelled: 1000 },
    });
    expect(step(cancelled.body.data, 'fan').fanOut.tasks).toHaveLength(20);
    expect(await elementStatuses(run.id)).toEqual([{ status: 'cancelled', n: 1000 }]);
    expect((await complete(held[0], 'late')).status).toBe(409);
    expect(await claim('holder', { max: 10 })).toEqual([]);
    const events = await history(run.id);
    expect(events.filter((event) => event.type === 'task.cancelled')).toHaveLength(1000);
    expect(events.filter((event) => event.type === 'workflow.step.cancelled')).toHaveLength(1);

    // A bulk cancel reaches them too.
    const other = await start('direct', { items: ['x', 'y', 'z'] });
    const bulk = await call('POST', '/workflows/cancel', writer, { definitionKey: 'direct' });
    expect(bulk.body.data).toEqual({ cancelled: 1 });
    expect(step(await view(other.id), 'fan')).toMatchObject({
      status: 'cancelled',
      fanOut: { cancelled: 3 },
    });
  });
});
