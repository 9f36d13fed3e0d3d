import {
  AgentMeshClient,
  AgentMeshError,
  TaskAbortedError,
  Worker,
  type TaskContext,
  type WorkerEvent,
} from '../packages/sdk/src';
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchLike } from '../packages/sdk/src';
import { waitFor } from './utils/spawn-app';
import { ADMIN_KEY, createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

const LEASE_SECONDS = 3;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
// The SDK's connections in a pool of the test's own, closed before the app so its close never
// waits on a keep-alive connection.
const dispatcher = new Agent();
const fetchVia: FetchLike = (url, init) =>
  undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);

/** The service's answer to a client over its rate: 429, to try again in `seconds`. */
const tooManyRequests = (seconds: number) =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429 }), {
    status: 429,
    headers: { 'content-type': 'application/problem+json', 'retry-after': String(seconds) },
  });

/** SDK workers in this process against the real app listening on a port. */
describe('SDK Worker', () => {
  let test: TestApp;
  let baseUrl: string;
  let client: AgentMeshClient;
  const workers: Worker[] = [];

  beforeAll(async () => {
    test = await startTestApp({ TASK_LEASE_SECONDS: String(LEASE_SECONDS) });
    baseUrl = await listenOnLoopback(test);
    client = new AgentMeshClient({ baseUrl, apiKey: ADMIN_KEY, fetch: fetchVia });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ graceMs: 1_000 })));
  });
  afterAll(async () => {
    await dispatcher.destroy();
    await test?.close();
  });

  const worker = (
    id: string,
    handlers: ConstructorParameters<typeof Worker>[0]['handlers'],
    extra: Partial<ConstructorParameters<typeof Worker>[0]> = {},
  ) => {
    const created = new Worker({
      baseUrl,
      apiKey: ADMIN_KEY,
      agent: { id, name: id },
      handlers,
      pollSeconds: 2,
      logger: quiet,
      fetch: fetchVia,
      ...extra,
    });
    workers.push(created);
    return created;
  };

  /** A Worker with these options, never started (for what its constructor refuses). */
  const unstarted = (options: Partial<ConstructorParameters<typeof Worker>[0]>) =>
    new Worker({ baseUrl, apiKey: ADMIN_KEY, agent: { id: 'never' }, handlers: {}, ...options });

  it('runs a fan-out/fan-in DAG through three workers', async () => {
    const seen: Array<{ step: string; input: unknown; dependencies: unknown }> = [];
    const record = (ctx: TaskContext) =>
      seen.push({ step: ctx.stepKey, input: ctx.input, dependencies: ctx.dependencies });
    await worker('planner', {
      plan: async (_task, ctx) => {
        record(ctx);
        return { outline: ['intro', 'body'] };
      },
    }).start();
    await worker(
      'writer',
      {
        write: async (_task, ctx) => {
          record(ctx);
          const plan = ctx.dependencies.plan as { outline: string[] };
          return `${ctx.stepKey}: ${plan.outline.join('+')}`;
        },
      },
      { concurrency: 2 },
    ).start();
    await worker('reviewer', {
      review: async (_task, ctx) => {
        record(ctx);
        return { approved: true, drafts: Object.keys(ctx.dependencies).sort() };
      },
    }).start();

    await client.definitions.create({
      key: 'article',
      steps: [
        { key: 'plan', skill: 'plan' },
        { key: 'draft-a', skill: 'write', dependsOn: ['plan'] },
        { key: 'draft-b', skill: 'write', dependsOn: ['plan'] },
        { key: 'review', skill: 'review', dependsOn: ['draft-a', 'draft-b'] },
      ],
    });
    const run = await client.workflows.start({ definitionKey: 'article', input: { topic: 'x' } });
    const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 25_000 });

    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({
      plan: { outline: ['intro', 'body'] },
      'draft-a': 'draft-a: intro+body',
      'draft-b': 'draft-b: intro+body',
      review: { approved: true, drafts: ['draft-a', 'draft-b'] },
    });
    expect(seen.map((entry) => entry.step).sort()).toEqual([
      'draft-a',
      'draft-b',
      'plan',
      'review',
    ]);
    expect(seen.every((entry) => JSON.stringify(entry.input) === '{"topic":"x"}')).toBe(true);
    const agents = new Map(done.steps.map((step) => [step.key, step.task?.agentId]));
    expect(agents.get('plan')).toBe('planner');
    expect(agents.get('draft-a')).toBe('writer');
    expect(agents.get('review')).toBe('reviewer');
  });

  it("gives a fan-out element's handler its item and index; other steps have neither", async () => {
    const seen: Array<{ step: string; item: unknown; index: unknown; input: unknown }> = [];
    await worker('fan-planner', {
      'fan-plan': async (_task, ctx) => {
        seen.push({ step: ctx.stepKey, item: ctx.item, index: ctx.index, input: ctx.input });
        return { items: ['a', 'b', 'c'] };
      },
      'fan-each': async (_task, ctx) => {
        seen.push({ step: ctx.stepKey, item: ctx.item, index: ctx.index, input: ctx.input });
        return `${ctx.item as string}${String(ctx.index)}`;
      },
    }).start();
    await client.definitions.create({
      key: 'fan-ctx',
      steps: [
        { key: 'plan', skill: 'fan-plan' },
        {
          key: 'each',
          skill: 'fan-each',
          forEach: '$.steps.plan.output.items',
          dependsOn: ['plan'],
        },
      ],
    });
    const run = await client.workflows.start({ definitionKey: 'fan-ctx', input: { n: 1 } });
    const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 25_000 });
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatchObject({ each: ['a0', 'b1', 'c2'] });
    expect(seen.find((entry) => entry.step === 'plan')).toEqual({
      step: 'plan',
      item: undefined,
      index: undefined,
      input: { n: 1 },
    });
    expect(
      seen
        .filter((entry) => entry.step === 'each')
        .sort((a, b) => Number(a.index) - Number(b.index)),
    ).toEqual([
      { step: 'each', item: 'a', index: 0, input: { n: 1 } },
      { step: 'each', item: 'b', index: 1, input: { n: 1 } },
      { step: 'each', item: 'c', index: 2, input: { n: 1 } },
    ]);
  });

  it('aborts the handler signal when the run is cancelled', async () => {
    let started = false;
    let abortReason: unknown;
    await worker('patient', {
      hold: (_task, ctx) =>
        new Promise((_resolve, reject) => {
          started = true;
          ctx.signal.addEventListener('abort', () => {
            abortReason = ctx.signal.reason;
            reject(ctx.signal.reason as Error);
          });
        }),
    }).start();
    const run = await client.workflows.start({
      type: 'holding',
      steps: [{ key: 'hold', skill: 'hold' }],
    });
    await waitFor(async () => (started ? true : undefined), 15_000, 'the handler to start');
    await client.workflows.cancel(run.id);
    await waitFor(async () => (abortReason ? true : undefined), 15_000, 'the signal to abort');
    expect(abortReason).toBeInstanceOf(TaskAbortedError);
    expect((abortReason as TaskAbortedError).reason).toBe('lease-lost');
    expect((await client.workflows.get(run.id)).status).toBe('cancelled');
  });

  it('keeps the lease of a handler running three lease lengths', async () => {
    const events: WorkerEvent[] = [];
    const slow = worker('slow', {
      slow: async (_task, ctx) => {
        await new Promise((resolve) => setTimeout(resolve, LEASE_SECONDS * 3 * 1000 + 500));
        return { aborted: ctx.signal.aborted };
      },
    });
    slow.on((event) => events.push(event));
    await slow.start();
    const run = await client.workflows.start({
      type: 'slow',
      steps: [{ key: 'slow', skill: 'slow', maxAttempts: 1 }],
    });
    const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 25_000 });
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ slow: { aborted: false } });
    expect(done.steps[0].task?.attempt).toBe(1);
    expect(events.filter((event) => event.kind === 'abandoned')).toEqual([]);
  });

  it('stop() drains: beats draining, finishes the in-flight handler, claims nothing new', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const drainer = worker('drainer', {
      gated: async () => {
        calls += 1;
        await gate;
        return 'finished';
      },
    });
    await drainer.start();
    const first = await client.workflows.start({
      type: 'gated',
      steps: [{ key: 'g', skill: 'gated' }],
    });
    await waitFor(async () => (calls === 1 ? true : undefined), 15_000, 'the first task to start');

    const stopped = drainer.stop({ graceMs: 20_000 });
    await waitFor(
      async () => ((await client.agents.get('drainer')).status === 'draining' ? true : undefined),
      5_000,
      'the agent to be draining',
    );
    const second = await client.workflows.start({
      type: 'gated',
      steps: [{ key: 'g', skill: 'gated' }],
    });
    // Longer than a poll: a worker still claiming would have taken it by now.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(drainer.state).toBe('draining');
    release();
    await stopped;

    expect(drainer.state).toBe('stopped');
    expect(calls).toBe(1);
    const firstRun = await client.workflows.get(first.id);
    expect(firstRun.status).toBe('succeeded');
    expect(firstRun.output).toEqual({ g: 'finished' });
    const secondRun = await client.workflows.get(second.id);
    expect(secondRun.steps[0].status).toBe('queued');
    expect(secondRun.steps[0].task?.agentId ?? null).toBeNull();
  });

  it('stop() past its grace gives tasks back as worker-shutdown, rethrown abort or ignored', async () => {
    let started = 0;
    let unblock!: () => void;
    const ignored = new Promise<void>((resolve) => (unblock = resolve));
    const quitter = worker(
      'quitter',
      {
        // Rethrows the abort the grace period's end gives it.
        rethrows: (_task, ctx) =>
          new Promise((_resolve, reject) => {
            started += 1;
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
          }),
        // Pays no attention: the worker gives its task back itself.
        ignores: async () => {
          started += 1;
          await ignored;
          return 'too late';
        },
      },
      { concurrency: 2 },
    );
    const failed: string[] = [];
    quitter.on((event) => {
      if (event.kind === 'failed' && event.retryable) failed.push(event.task.skill);
    });
    await quitter.start();
    const runs = await Promise.all(
      ['rethrows', 'ignores'].map((skill) =>
        client.workflows.start({ type: skill, steps: [{ key: 's', skill }] }),
      ),
    );
    await waitFor(async () => (started === 2 ? true : undefined), 15_000, 'both tasks to start');
    await quitter.stop({ graceMs: 300 });
    unblock();
    // Either way the listeners hear how the task ended.
    expect(failed.sort()).toEqual(['ignores', 'rethrows']);
    for (const run of runs) {
      const step = (await client.workflows.get(run.id)).steps[0];
      expect(step.status).toBe('queued');
      const detail = await client.tasks.get(step.task!.id);
      expect(detail.attempts[0].error).toMatchObject({ code: 'worker-shutdown' });
    }
  });

  it('stop() while start() is registering: start() ends there, and nothing is claimed', async () => {
    let calls = 0;
    const early = worker('early-stop', {
      'early-stop-job': async () => {
        calls += 1;
        return 'ran';
      },
    });
    const started = early.start();
    // While the registration is on its way (a shutdown hook firing during start-up).
    await early.stop({ graceMs: 1_000 });
    expect(early.state).toBe('stopped');
    await started;
    expect(early.state).toBe('stopped');
    const run = await client.workflows.start({
      type: 'early-stop',
      steps: [{ key: 'e', skill: 'early-stop-job' }],
    });
    // Longer than a poll: a worker still claiming would have taken it by now.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(calls).toBe(0);
    expect(early.state).toBe('stopped');
    const after = await client.workflows.get(run.id);
    expect(after.steps[0].status).toBe('queued');
    // The agent it registered says it is draining, not online with no one behind it.
    expect((await client.agents.get('early-stop')).status).toBe('draining');
  });

  it('fails the task without a retry when its output is not JSON the service takes', async () => {
    await worker('bad-output', {
      circular: async () => {
        const output: Record<string, unknown> = {};
        output.self = output;
        return output;
      },
      polluting: async () => JSON.parse('{"__proto__": {"admin": true}}') as unknown,
    }).start();
    const runs = await Promise.all(
      ['circular', 'polluting'].map((skill) =>
        client.workflows.start({ type: skill, steps: [{ key: 'out', skill, maxAttempts: 3 }] }),
      ),
    );
    for (const run of runs) {
      const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 15_000 });
      expect(done.status).toBe('failed');
      expect(done.steps[0].task).toMatchObject({ attempt: 1, error: { code: 'invalid-output' } });
    }
  });

  it('an output, error message or usage the service refuses never leaves the task hanging', async () => {
    const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const calls = new Map<string, number>();
    const called = (skill: string) => calls.set(skill, (calls.get(skill) ?? 0) + 1);
    await worker(
      'refused-reports',
      {
        // Past the body limit (413): the task fails at once, it is not abandoned to its lease.
        huge: async () => {
          called('huge');
          return 'x'.repeat(2 * 1024 * 1024);
        },
        // Messages the service refuses as they are (a NUL; a cut that splits a surrogate pair).
        nul: async () => {
          called('nul');
          throw new Error('bad\u0000byte');
        },
        emoji: async () => {
          called('emoji');
          throw new Error('a' + '\u{1F600}'.repeat(3000));
        },
        // A progress report the service refuses: the handler hears of it.
        'bad-progress': async (_task, ctx) => {
          called('bad-progress');
          const refused = await ctx.progress({ percent: 150 }).then(
            () => 'accepted',
            (error: unknown) => (error instanceof AgentMeshError ? error.status : 'other'),
          );
          return { refused };
        },
        // Not an Error: its message and code are kept, not "[object Object]".
        'object-thrown': async () => {
          called('object-thrown');
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is tested
          throw { code: 'E1', message: 'obj msg' };
        },
        // Token estimates are not whole numbers: the output still counts.
        'float-usage': async (_task, ctx) => {
          called('float-usage');
          ctx.reportUsage({ inputTokens: 12.5, outputTokens: 3 });
          return { ok: 1 };
        },
      },
      {
        logger: {
          ...quiet,
          warn: (message: string, fields?: Record<string, unknown>) =>
            warnings.push({ message, fields }),
        },
      },
    ).start();
    const runs = await Promise.all(
      ['huge', 'nul', 'emoji', 'float-usage', 'bad-progress', 'object-thrown'].map(
        async (skill) => ({
          skill,
          run: await client.workflows.start({
            type: skill,
            steps: [{ key: 'out', skill, maxAttempts: 2, retryBackoff: { initialSeconds: 0 } }],
          }),
        }),
      ),
    );
    const done = new Map<string, Awaited<ReturnType<typeof client.workflows.waitForCompletion>>>();
    for (const { skill, run } of runs) {
      done.set(skill, await client.workflows.waitForCompletion(run.id, { timeoutMs: 20_000 }));
    }
    expect(done.get('huge')!.status).toBe('failed');
    expect(done.get('huge')!.steps[0].task).toMatchObject({
      attempt: 1,
      error: { code: 'invalid-output' },
    });
    expect(done.get('huge')!.steps[0].task!.error!.message).toMatch(/too large|limit/i);
    expect(done.get('object-thrown')!.steps[0].task!.error).toMatchObject({
      message: 'obj msg',
      code: 'E1',
    });
    expect(done.get('bad-progress')!.output).toEqual({ out: { refused: 400 } });
    expect(done.get('float-usage')!.status).toBe('succeeded');
    expect(done.get('float-usage')!.output).toEqual({ out: { ok: 1 } });
    // Said once, with no error to name (it logged `error: 'undefined'`).
    expect(warnings.filter((w) => /sent again without its usage/.test(w.message))).toEqual([
      { message: expect.any(String), fields: {} },
    ]);
    for (const skill of ['nul', 'emoji']) {
      // Failed by the handler's own error on each attempt, not taken back at the lease's end.
      const run = done.get(skill)!;
      expect(run.status).toBe('failed');
      expect(run.steps[0].task!.error!.message).toMatch(
        skill === 'nul' ? /^bad.byte$/ : /^a\u{1F600}/u,
      );
    }
    expect(Object.fromEntries(calls)).toEqual({
      huge: 1,
      nul: 2,
      emoji: 2,
      'float-usage': 1,
      'bad-progress': 1,
      'object-thrown': 2,
    });
  });

  it('a failed re-registration after the agent was deregistered is retried, never thrown', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    let refusePuts = false;
    const flaky: FetchLike = (url, init) =>
      refusePuts && init?.method === 'PUT'
        ? Promise.reject(new TypeError('fetch failed'))
        : fetchVia(url, init);
    try {
      const running = worker(
        'comes-back',
        { idle: async () => null },
        { fetch: flaky, agent: { id: 'comes-back', heartbeatIntervalSeconds: 1 } },
      );
      await running.start();
      refusePuts = true;
      await client.agents.deregister('comes-back');
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(unhandled).toEqual([]);
      expect(running.state).toBe('running');
      refusePuts = false;
      await waitFor(
        async () => (await client.agents.get('comes-back').catch(() => undefined)) ?? undefined,
        10_000,
        'the worker to register its agent again',
      );
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('refuses a pollSeconds that is not a whole number from 0 to 30; at 0 it polls, not spins', async () => {
    for (const pollSeconds of [NaN, 0.9, -1, 31, Infinity]) {
      expect(() => unstarted({ pollSeconds })).toThrow(/pollSeconds/);
    }
    let claims = 0;
    await worker(
      'poller',
      { poll: async () => 'polled' },
      {
        pollSeconds: 0,
        fetch: (url, init) => {
          if (url.endsWith('/tasks/claim')) claims += 1;
          return fetchVia(url, init);
        },
      },
    ).start();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // A claim a second or so; the tight loop made hundreds (965 in 3 s), using up the key's rate.
    expect(claims).toBeGreaterThanOrEqual(1);
    expect(claims).toBeLessThanOrEqual(5);
    const run = await client.workflows.start({
      type: 'poll',
      steps: [{ key: 'p', skill: 'poll' }],
    });
    expect((await client.workflows.waitForCompletion(run.id, { timeoutMs: 20_000 })).status).toBe(
      'succeeded',
    );
  });

  it('a lease renewal held back past the lease (a long Retry-After) aborts the handler as lease-lost', async () => {
    // Every heartbeat of this worker is answered 429 with a Retry-After longer than the lease:
    // the transport would wait it out while the lease ran out and another agent took the task.
    let abortReason: unknown;
    let started = 0;
    await worker(
      'throttled',
      {
        throttled: (_task, ctx) =>
          new Promise((_resolve, reject) => {
            started = Date.now();
            ctx.signal.addEventListener('abort', () => {
              abortReason = ctx.signal.reason;
              reject(ctx.signal.reason as Error);
            });
          }),
      },
      {
        fetch: async (url, init) =>
          url.endsWith('/heartbeat') && url.includes('/tasks/')
            ? tooManyRequests(50)
            : fetchVia(url, init),
      },
    ).start();
    const run = await client.workflows.start({
      type: 'throttled',
      steps: [{ key: 't', skill: 'throttled', maxAttempts: 1 }],
    });
    await waitFor(async () => (abortReason ? true : undefined), 20_000, 'the signal to abort');
    expect(abortReason).toBeInstanceOf(TaskAbortedError);
    expect((abortReason as TaskAbortedError).reason).toBe('lease-lost');
    expect((abortReason as TaskAbortedError).message).toMatch(/ran out before it could be renewed/);
    // Within the lease (3 s) and the least a renewal is given (5 s), not after the 50 s asked.
    expect(Date.now() - started).toBeLessThan(15_000);
    await client.workflows.cancel(run.id).catch(() => undefined);
  });

  it('stop() keeps to its grace period while the service answers its beats 429', async () => {
    const limited = worker(
      'limited-beats',
      { limited: async () => 'done' },
      {
        fetch: async (url, init) =>
          url.endsWith('/agents/limited-beats/heartbeat')
            ? tooManyRequests(50)
            : fetchVia(url, init),
      },
    );
    await limited.start();
    const stopping = Date.now();
    await limited.stop({ graceMs: 300 });
    // The draining beat would wait out the Retry-After (50 s, four times over).
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(limited.state).toBe('stopped');
  });

  it('register: false works an agent an operator registered, with a tasks:work key alone', async () => {
    await client.agents.register({
      id: 'operated',
      name: 'operated',
      skills: [{ id: 'operated', name: 'operated' }],
    });
    const { key } = await createKey(test, { scopes: ['tasks:work'], agentId: 'operated' });
    // Registering itself (an upsert) needs agents:write: refused, as the key is meant to be.
    await expect(
      worker('operated', { operated: async () => 'x' }, { apiKey: key }).start(),
    ).rejects.toMatchObject({ status: 403 });
    const operated = worker(
      'operated',
      { operated: async (_task, ctx) => ({ worked: ctx.stepKey }) },
      { apiKey: key, register: false },
    );
    await operated.start();
    expect(operated.state).toBe('running');
    const run = await client.workflows.start({
      type: 'operated',
      steps: [{ key: 'o', skill: 'operated' }],
    });
    const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 20_000 });
    expect(done.output).toEqual({ o: { worked: 'o' } });
    // The skills stay the operator's.
    expect((await client.agents.get('operated')).skills.map((skill) => skill.id)).toEqual([
      'operated',
    ]);
    // An agent that is not registered is a 404 at start.
    await expect(
      worker('nobody-registered', { x: async () => 'x' }, { register: false }).start(),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a concurrency that is not a whole number of at least one', () => {
    for (const concurrency of [NaN, Infinity, 0, -1]) {
      expect(() => unstarted({ concurrency })).toThrow(/concurrency/);
    }
  });

  it('fills the slot a completion frees in the same request (claimNext)', async () => {
    let claims = 0;
    let withNext = 0;
    const batch = worker(
      'chain',
      { chain: async (_task, ctx) => ({ step: ctx.stepKey }) },
      {
        fetch: (url, init) => {
          if (url.endsWith('/tasks/claim')) claims += 1;
          if (
            url.endsWith('/complete') &&
            typeof init?.body === 'string' &&
            init.body.includes('"claimNext"')
          ) {
            withNext += 1;
          }
          return fetchVia(url, init);
        },
      },
    );
    // Queued before the worker starts: the first claim takes one, each completion the next.
    const runs = [];
    for (let i = 0; i < 6; i += 1) {
      runs.push(
        await client.workflows.start({ type: 'chain', steps: [{ key: `c${i}`, skill: 'chain' }] }),
      );
    }
    await batch.start();
    for (const run of runs) {
      const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 15_000 });
      expect(done.status).toBe('succeeded');
    }
    expect(withNext).toBe(6);
    // One claim to begin, and the long-poll that waits once the queue is empty.
    expect(claims).toBeLessThanOrEqual(3);
  });

  it('a completion whose answer is lost is sent again with claimNext, and works what it leased', async () => {
    let lost = 0;
    const lossy = worker(
      'lossy',
      { lossy: async (_task, ctx) => ({ step: ctx.stepKey }) },
      {
        fetch: async (url, init) => {
          const response = await fetchVia(url, init);
          const withNext =
            url.endsWith('/complete') &&
            typeof init?.body === 'string' &&
            init.body.includes('"claimNext"');
          if (!withNext || lost > 0) return response;
          const text = await response.text();
          // The first answer that leased a task never arrives: the connection drops.
          if (
            (JSON.parse(text) as { data?: { next?: { tasks?: unknown[] } } }).data?.next?.tasks
              ?.length
          ) {
            lost += 1;
            throw new TypeError('fetch failed');
          }
          return new Response(text, { status: response.status, headers: response.headers });
        },
      },
    );
    const runs = [];
    for (let i = 0; i < 3; i += 1) {
      runs.push(
        await client.workflows.start({ type: 'lossy', steps: [{ key: `l${i}`, skill: 'lossy' }] }),
      );
    }
    await lossy.start();
    for (const run of runs) {
      const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 15_000 });
      expect(done.status).toBe('succeeded');
    }
    expect(lost).toBe(1);
    // Each on its first attempt: the task the lost answer leased was worked under that lease,
    // not left to time out and be claimed again.
    for (const run of runs) {
      const view = await client.workflows.get(run.id);
      expect(view.steps[0].task?.attempt).toBe(1);
    }
  });

  it('tasks that finish together are refilled by one claimNext, never past concurrency', async () => {
    const asked: number[] = [];
    let inFlight = 0;
    let most = 0;
    const batch = worker(
      'together',
      {
        together: async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inFlight -= 1;
          return { ok: true };
        },
      },
      {
        concurrency: 5,
        fetch: (url, init) => {
          if (url.endsWith('/complete') && typeof init?.body === 'string') {
            const body = JSON.parse(init.body) as { claimNext?: { max: number } };
            if (body.claimNext) asked.push(body.claimNext.max);
          }
          return fetchVia(url, init);
        },
      },
    );
    const runs = [];
    for (let i = 0; i < 15; i += 1) {
      runs.push(
        await client.workflows.start({
          type: 'together',
          steps: [{ key: 't', skill: 'together' }],
        }),
      );
    }
    await batch.start();
    for (const run of runs) {
      const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 15_000 });
      expect(done.status).toBe('succeeded');
    }
    expect(most).toBeLessThanOrEqual(5);
    // Five that finish in the same tick ask once for five; one claimNext per task would be 15.
    expect(Math.max(...asked)).toBeGreaterThan(1);
    expect(asked.length).toBeLessThan(10);
  });

  it('an agent the service sees as draining beats itself back instead of claiming in a loop', async () => {
    let claims = 0;
    const counted = worker(
      'comeback',
      { back: async () => 'back' },
      {
        fetch: (url, init) => {
          if (url.endsWith('/tasks/claim')) claims += 1;
          return fetchVia(url, init);
        },
      },
    );
    await counted.start();
    // Someone (an operator, a stale process) marks the agent draining: claims answer [] at once.
    await client.agents.heartbeat('comeback', { status: 'draining' });
    claims = 0;
    const run = await client.workflows.start({
      type: 'back',
      steps: [{ key: 'b', skill: 'back' }],
    });
    const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 20_000 });
    expect(done.status).toBe('succeeded');
    expect((await client.agents.get('comeback')).status).toBe('online');
    // A busy loop makes hundreds of claims before the next scheduled beat; a beat at once, one or two.
    expect(claims).toBeLessThanOrEqual(5);
  });

  it('start() rejects a refused key or a skill without a handler, and leaves no signal handler', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const refused = worker(
      'refused',
      { any: async () => null },
      {
        apiKey: 'amk_not-a-key-0123456789',
        handleSignals: true,
      },
    );
    await expect(refused.start()).rejects.toMatchObject({ status: 401 });
    expect(refused.state).toBe('stopped');

    const partial = worker(
      'partial',
      { known: async () => null },
      {
        agent: { id: 'partial', name: 'Partial', skills: [{ name: 'known' }, { name: 'unknown' }] },
        handleSignals: true,
      },
    );
    await expect(partial.start()).rejects.toThrow('no handler for skill(s) unknown');
    expect(partial.state).toBe('stopped');
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});
