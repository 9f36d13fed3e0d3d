import { createHmac, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GITHUB_SECRET = "It's a Secret to Everybody";
/** An address in GitHub's published hook ranges (sent through a trusted proxy header). */
const GITHUB_IP = '140.82.115.1';

interface Claimed {
  id: string;
  workflowId: string;
  stepKey: string;
  input: Json;
  leaseToken: string;
}

/**
 * Steps that wait without an agent, end to end over real HTTP and a real PostgreSQL: signals
 * (before and after the step waits, raced), event waits fed by signed GitHub deliveries,
 * approvals, timeouts, durable sleeps across a restart, and two replicas on one database.
 */
describe('work that waits', () => {
  let db: TestDatabase;
  let test: TestApp;
  let base: string;
  let writer: Headers;
  let reader: Headers;
  let worker: Headers;
  let approver: Headers;
  let pg: Client;

  const env = {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    GITHUB_WEBHOOK_SECRETS: GITHUB_SECRET,
    TRUST_PROXY: '127.0.0.0/8,::1',
  };

  const call = async (method: string, path: string, headers: Json, body?: unknown, at = base) => {
    const response = await fetch(`${at}/api/v1${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const post = (path: string, headers: Headers, body: unknown = {}) =>
    call('POST', path, headers, body);
  const get = (path: string, headers: Headers = reader) => call('GET', path, headers);
  const run = async (id: string) => (await get(`/workflows/${id}`)).body.data as Json;
  const stepOf = async (id: string, key: string) =>
    ((await run(id)).steps as Json[]).find((step) => step.key === key)!;
  const eventsOf = async (id: string): Promise<Json[]> =>
    (await get(`/workflows/${id}/events?limit=200`)).body.data.events as Json[];
  const start = async (steps: Json[], input: Json = {}) => {
    const response = await post('/workflows', writer, { type: 'waits', steps, input });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const claim = async (agentId: string, max = 10): Promise<Claimed[]> => {
    const response = await post(`/agents/${agentId}/tasks/claim`, worker, { max });
    expect(response.status).toBe(200);
    return response.body.data.tasks as Claimed[];
  };
  /** One agent per skill, registered on first use: each test's skills are its own. */
  const agents = new Set<string>();
  const claimStep = async (runId: string, stepKey: string): Promise<Claimed> => {
    const skill = ((await run(runId)).steps as Json[]).find((step) => step.key === stepKey)!
      .skill as string;
    if (!agents.has(skill)) {
      const response = await post('/agents', writer, {
        id: `agent-${skill}`,
        name: skill,
        skills: [{ id: skill, name: skill }],
      });
      expect(response.status).toBe(201);
      agents.add(skill);
    }
    return waitFor(
      async () =>
        (await claim(`agent-${skill}`)).find(
          (task) => task.workflowId === runId && task.stepKey === stepKey,
        ),
      20_000,
      `a claim of ${stepKey}`,
    );
  };
  const complete = (task: Claimed, output: unknown) =>
    post(`/tasks/${task.id}/complete`, worker, { leaseToken: task.leaseToken, output });
  const untilStatus = (id: string, status: string, timeoutMs = 15_000) =>
    waitFor(
      async () => {
        const current = await run(id);
        return current.status === status ? current : undefined;
      },
      timeoutMs,
      `run ${id} ${status}`,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    test = await startTestApp(env, { db });
    base = await listenOnLoopback(test);
    writer = await createKey(test, {
      scopes: ['workflows:write', 'workflows:read', 'agents:write'],
    });
    reader = await createKey(test, { scopes: ['workflows:read'] });
    worker = await createKey(test, { scopes: ['tasks:work'] });
    approver = await createKey(test, { name: 'release-manager', scopes: ['workflows:approve'] });
    // An agent with every skill the signal tests use: it must never be handed a waiting step.
    const registered = await post('/agents', writer, {
      id: 'worker',
      name: 'worker',
      skills: ['build', 'deploy'].map((skill) => ({ id: skill, name: skill })),
    });
    expect(registered.status).toBe(201);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg.end();
    await test.close();
    await db.drop();
  });

  describe('definitions', () => {
    it.each([
      [{ key: 'w', kind: 'wait', timeoutSeconds: 60 }, 'steps[1].signal'],
      [{ key: 'w', kind: 'wait', signal: 'go' }, 'steps[1].timeoutSeconds'],
      [
        { key: 'w', kind: 'wait', signal: 'go', timeoutSeconds: 60, skill: 'build' },
        'steps[1].skill',
      ],
      [{ key: 'w', signal: 'go', skill: 'build' }, 'steps[1].signal'],
      [{ key: 'w', kind: 'sleep', seconds: 5, until: '2030-01-01T00:00:00Z' }, 'steps[1].seconds'],
      [{ key: 'w', kind: 'sleep', until: 'tomorrow' }, 'steps[1].until'],
      // A path reads the run input or a dependency's output, nothing else.
      [{ key: 'w', kind: 'sleep', until: '$.foo.bar' }, 'steps[1].until'],
      [{ key: 'w', kind: 'sleep', until: '$.dependencies.nope.at' }, 'steps[1].until'],
      [{ key: 'w', kind: 'sleep', until: '$.input' }, 'steps[1].until'],
      // A time that does not exist, and one further than a sleep may last.
      [{ key: 'w', kind: 'sleep', until: '2030-02-30T00:00:00Z' }, 'steps[1].until'],
      [{ key: 'w', kind: 'sleep', until: '2030-01-01T24:00:00Z' }, 'steps[1].until'],
      [{ key: 'w', kind: 'sleep', until: '2099-01-01T00:00:00Z' }, 'steps[1].until'],
      [{ key: 'w', kind: 'sleep', seconds: 2_592_001 }, 'steps[1].seconds'],
      [{ key: 'w', kind: 'approval', approvers: ['x'], signal: 'go' }, 'steps[1].signal'],
      [
        { key: 'w', kind: 'wait', timeoutSeconds: 60, event: { type: 'inbound.GitHub' } },
        'steps[1].event.type',
      ],
      // A type no event has (a typo): the run would wait until its timeout.
      [
        { key: 'w', kind: 'wait', timeoutSeconds: 60, event: { type: 'workflow.finsihed' } },
        'steps[1].event.type',
      ],
      [
        { key: 'w', kind: 'wait', timeoutSeconds: 60, event: { type: 'workflows.*' } },
        'steps[1].event.type',
      ],
      [
        {
          key: 'w',
          kind: 'wait',
          timeoutSeconds: 60,
          event: { type: 'inbound.*', match: { 'payload.number': '$.run.x' } },
        },
        'steps[1].event.match',
      ],
      [{ key: 'w', kind: 'nap', seconds: 5 }, 'steps[1].kind'],
      // Approvers are scopes or key ids: key names are not unique, and anyone who may create keys chooses them.
      [{ key: 'w', kind: 'approval', approvers: ['ops-bot'] }, 'steps[1].approvers'],
      [{ key: 'w', kind: 'approval', approvers: ['key:not-a-uuid'] }, 'steps[1].approvers'],
      [{ key: 'w', kind: 'approval', approvers: ['workflows:fly'] }, 'steps[1].approvers'],
      [{ key: 'w', skill: 'build', timeoutSeconds: 90_000 }, 'steps[1].timeoutSeconds'],
    ])('%j is refused with a 400 naming %s', async (step, field) => {
      const before = await pg.query('SELECT count(*)::int AS n FROM workflow_definitions');
      const response = await post('/workflow-definitions', writer, {
        key: 'bad',
        steps: [{ key: 'a', skill: 'build' }, step],
      });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((error: Json) => error.field)).toContain(field);
      const after = await pg.query('SELECT count(*)::int AS n FROM workflow_definitions');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });

    /** The field errors of a definition of this one step, refused with a 400. */
    const refused = async (step: Json) => {
      const response = await post('/workflow-definitions', writer, { key: 'one', steps: [step] });
      expect(response.status).toBe(400);
      return response.body.errors as Json[];
    };

    it('says what type a field wants when a number or a name comes as something else', async () => {
      expect(await refused({ key: 'nap', kind: 'sleep', seconds: '10' })).toEqual([
        { field: 'steps[0].seconds', message: expect.stringMatching(/integer/) },
      ]);
      expect(await refused({ key: 'w', kind: 'wait', signal: 'go', timeoutSeconds: '60' })).toEqual(
        [{ field: 'steps[0].timeoutSeconds', message: expect.stringMatching(/integer/) }],
      );
      expect(await refused({ key: 'w', kind: 'wait', signal: 123, timeoutSeconds: 60 })).toEqual([
        { field: 'steps[0].signal', message: expect.stringMatching(/string/) },
      ]);
    });

    it('says whether a sleep step lacks its time or names two', async () => {
      expect(await refused({ key: 'nap', kind: 'sleep' })).toEqual([
        { field: 'steps[0].seconds', message: 'a sleep step needs seconds or until' },
      ]);
      expect(
        await refused({
          key: 'nap',
          kind: 'sleep',
          seconds: 5,
          until: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      ).toEqual([{ field: 'steps[0].seconds', message: 'seconds or until, not both' }]);
    });

    it("gives a step's timeout limit once, the one of its kind, whatever the value", async () => {
      // A task's attempt may run a day; a wait or an approval may wait 30 days.
      for (const timeoutSeconds of [100_000, 3_000_000])
        expect(await refused({ key: 't', skill: 'build', timeoutSeconds })).toEqual([
          { field: 'steps[0].timeoutSeconds', message: 'must not be greater than 86400 (a day)' },
        ]);
      expect(
        await refused({ key: 'w', kind: 'wait', signal: 'go', timeoutSeconds: 3_000_000 }),
      ).toEqual([
        { field: 'steps[0].timeoutSeconds', message: 'must not be greater than 2592000 (30 days)' },
      ]);
    });

    it('warns of no skill for steps that need no agent', async () => {
      const response = await post('/workflow-definitions', writer, {
        key: 'agentless',
        steps: [
          { key: 'nap', kind: 'sleep', seconds: 5 },
          { key: 'gate', kind: 'approval', dependsOn: ['nap'] },
          { key: 'hold', kind: 'wait', signal: 'go', timeoutSeconds: 60, dependsOn: ['gate'] },
          { key: 'typo', skill: 'bulid', dependsOn: ['hold'] },
        ],
      });
      expect(response.status).toBe(201);
      expect(response.body.warnings).toEqual([
        { field: 'steps[3].skill', message: expect.stringContaining('"bulid"') },
      ]);
    });

    it('keeps each kind with its fields; today’s task steps are unchanged', async () => {
      const response = await post('/workflow-definitions', writer, {
        key: 'kinds',
        steps: [
          { key: 'a', skill: 'build' },
          { key: 'w', kind: 'wait', signal: 'go', timeoutSeconds: 60, dependsOn: ['a'] },
          {
            key: 'p',
            kind: 'approval',
            approvers: ['key:0b7c2a59-3f0e-4c8e-9f43-5a1d2b3c4d5e', 'workflows:read'],
            description: 'Ship?',
            dependsOn: ['w'],
          },
          { key: 's', kind: 'sleep', seconds: 5, dependsOn: ['p'] },
        ],
      });
      expect(response.status).toBe(201);
      expect(response.body.data.steps).toEqual([
        expect.objectContaining({ key: 'a', skill: 'build', maxAttempts: 3 }),
        expect.objectContaining({ key: 'w', kind: 'wait', signal: 'go', onTimeout: 'fail' }),
        expect.objectContaining({
          key: 'p',
          kind: 'approval',
          approvers: ['key:0b7c2a59-3f0e-4c8e-9f43-5a1d2b3c4d5e', 'workflows:read'],
        }),
        expect.objectContaining({ key: 's', kind: 'sleep', seconds: 5 }),
      ]);
      expect(response.body.data.steps[0]).not.toHaveProperty('kind');
    });
  });

  describe('signals', () => {
    const flow = [
      { key: 'build', skill: 'build' },
      { key: 'gate', kind: 'wait', signal: 'go', timeoutSeconds: 600, dependsOn: ['build'] },
      { key: 'deploy', skill: 'deploy', dependsOn: ['gate'] },
    ];

    it('a repeated signal is the same one when its payload is the same JSON (-0 is 0)', async () => {
      const started = await start(flow);
      // Sent as text: JSON.stringify would write -0 as 0.
      const send = async () => {
        const response = await fetch(`${base}/api/v1/workflows/${started.id}/signals`, {
          method: 'POST',
          headers: { ...writer, 'content-type': 'application/json' },
          body: '{"name":"noise","payload":{"x":-0,"list":[1.50,-0.0]},"signalId":"retried"}',
        });
        return { status: response.status, body: (await response.json()) as Json };
      };
      const first = await send();
      expect(first.status).toBe(200);
      expect((first.body.data as Json).duplicate).toBe(false);
      const again = await send();
      expect(again.status).toBe(200);
      expect((again.body.data as Json).duplicate).toBe(true);
      await post(`/workflows/${started.id}/cancel`, writer, {});
    });

    it('what ends a wait is in the history before the tasks it wakes', async () => {
      const started = await start([
        { key: 'ap', kind: 'approval' },
        { key: 'w', kind: 'wait', signal: 's', timeoutSeconds: 60 },
        { key: 't', skill: 'woken-order', dependsOn: ['ap'] },
        { key: 't2', skill: 'woken-order', dependsOn: ['w'] },
      ]);
      const id = started.id as string;
      await waitFor(
        async () => ((await stepOf(id, 'w')).status === 'waiting' ? true : undefined),
        5_000,
        'the wait to start',
      );
      expect((await post(`/workflows/${id}/steps/ap/approve`, approver, {})).status).toBe(200);
      expect((await post(`/workflows/${id}/signals`, writer, { name: 's' })).status).toBe(200);
      const order = (await eventsOf(id)).map((event) =>
        [event.type as string, (event.data as Json).stepKey as string | undefined]
          .filter((part) => part !== undefined)
          .join(' '),
      );
      const at = (entry: string) => {
        expect(order).toContain(entry);
        return order.indexOf(entry);
      };
      expect(at('workflow.step.succeeded ap')).toBeLessThan(at('task.queued t'));
      expect(at('workflow.signal.received')).toBeLessThan(at('task.queued t2'));
      expect(at('workflow.step.succeeded w')).toBeLessThan(at('task.queued t2'));
      await post(`/workflows/${id}/cancel`, writer, {});
    });

    it('a signal sent before the step waits is kept, then consumed when it starts', async () => {
      const started = await start(flow);
      const sent = await post(`/workflows/${started.id}/signals`, writer, {
        name: 'go',
        payload: { by: 'ci' },
        signalId: 'ci-1',
      });
      expect(sent.status).toBe(200);
      expect(sent.body.data).toMatchObject({ signalId: 'ci-1', consumedBy: [], duplicate: false });
      // The same signalId again: the first answer, nothing new.
      const again = await post(`/workflows/${started.id}/signals`, writer, {
        name: 'go',
        payload: { by: 'ci' },
        signalId: 'ci-1',
      });
      expect(again.body.data).toMatchObject({ signalId: 'ci-1', duplicate: true });
      const other = await post(`/workflows/${started.id}/signals`, writer, {
        name: 'go',
        payload: { by: 'someone else' },
        signalId: 'ci-1',
      });
      expect(other.status).toBe(409);
      const stored = await pg.query(
        'SELECT count(*)::int AS n FROM workflow_signals WHERE run_id = $1',
        [started.id],
      );
      expect(stored.rows[0].n).toBe(1);
      expect((await stepOf(started.id, 'gate')).status).toBe('pending');

      const build = await claimStep(started.id, 'build');
      expect((await complete(build, 'built')).status).toBe(200);
      const gate = await stepOf(started.id, 'gate');
      expect(gate).toMatchObject({
        kind: 'wait',
        status: 'succeeded',
        task: { output: { by: 'ci' } },
      });
      const deploy = await claimStep(started.id, 'deploy');
      expect(deploy.input.dependencies).toEqual({ gate: { by: 'ci' } });
      expect((await complete(deploy, 'ok')).status).toBe(200);
      const done = await untilStatus(started.id, 'succeeded');
      expect(done.output).toEqual({ build: 'built', gate: { by: 'ci' }, deploy: 'ok' });
      const types = (await eventsOf(started.id)).map((event) => event.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'workflow.signal.received',
          'workflow.step.waiting',
          'workflow.step.succeeded',
        ]),
      );
      expect(types.indexOf('workflow.step.waiting')).toBeLessThan(
        types.indexOf('workflow.step.succeeded'),
      );
    });

    it('a waiting step shows what it waits for and its deadline, and the signal completes it', async () => {
      const started = await start(flow);
      const build = await claimStep(started.id, 'build');
      await complete(build, 'built');
      const gate = await stepOf(started.id, 'gate');
      expect(gate).toMatchObject({
        kind: 'wait',
        status: 'waiting',
        waitingFor: { signal: 'go', onTimeout: 'fail' },
        task: { status: 'waiting', agentId: null },
      });
      const deadline = Date.parse(gate.deadline);
      expect(deadline).toBeGreaterThan(Date.now() + 590_000);
      expect(deadline).toBeLessThan(Date.now() + 610_000);
      // No agent can claim it, whatever skills it has.
      expect((await claim('worker')).filter((task) => task.workflowId === started.id)).toEqual([]);
      await expect(
        pg.query(
          `UPDATE workflow_tasks SET status = 'queued' WHERE run_id = $1 AND step_key = 'gate'`,
          [started.id],
        ),
      ).rejects.toThrow(/workflow_tasks_kind_check/);

      const wrong = await post(`/workflows/${started.id}/signals`, writer, { name: 'stop' });
      expect(wrong.body.data.consumedBy).toEqual([]);
      expect((await stepOf(started.id, 'gate')).status).toBe('waiting');
      const sent = await post(`/workflows/${started.id}/signals`, writer, {
        name: 'go',
        payload: 7,
      });
      expect(sent.body.data.consumedBy).toEqual(['gate']);
      expect(await stepOf(started.id, 'gate')).toMatchObject({
        status: 'succeeded',
        waitingFor: null,
        task: { output: 7 },
      });
    });

    it('refuses bad signals with a 4xx that changes nothing', async () => {
      const started = await start(flow);
      expect((await post(`/workflows/${started.id}/signals`, writer, {})).status).toBe(400);
      expect(
        (await post(`/workflows/${started.id}/signals`, writer, { name: 'go', extra: 1 })).status,
      ).toBe(400);
      expect(
        (await post(`/workflows/${started.id}/signals`, writer, { name: 'go', signalId: 'a b' }))
          .status,
      ).toBe(400);
      expect(
        (await post(`/workflows/${randomUUID()}/signals`, writer, { name: 'go' })).status,
      ).toBe(404);
      expect((await post(`/workflows/not-a-uuid/signals`, writer, { name: 'go' })).status).toBe(
        404,
      );
      expect((await post(`/workflows/${started.id}/signals`, reader, { name: 'go' })).status).toBe(
        403,
      );
      const stored = await pg.query(
        'SELECT count(*)::int AS n FROM workflow_signals WHERE run_id = $1',
        [started.id],
      );
      expect(stored.rows[0].n).toBe(0);
      expect((await post(`/workflows/${started.id}/cancel`, writer)).status).toBe(200);
      expect((await post(`/workflows/${started.id}/signals`, writer, { name: 'go' })).status).toBe(
        409,
      );
    });

    it('the step starting to wait and the signal arriving, raced, never miss each other', async () => {
      const runs = await Promise.all(Array.from({ length: 12 }, () => start(flow)));
      const ids = new Set(runs.map((started) => started.id as string));
      const builds: Claimed[] = [];
      await waitFor(
        async () => {
          const claimed = await claim('worker', 10);
          builds.push(
            ...claimed.filter((task) => ids.has(task.workflowId) && task.stepKey === 'build'),
          );
          return builds.length >= runs.length ? true : undefined;
        },
        10_000,
        'the builds',
      );
      await Promise.all(
        builds.map((build, i) =>
          Promise.all([
            complete(build, i),
            post(`/workflows/${build.workflowId}/signals`, writer, { name: 'go', payload: i }),
          ]),
        ),
      );
      for (const build of builds) {
        const gate = await stepOf(build.workflowId, 'gate');
        expect(gate.status).toBe('succeeded');
      }
      const kept = await pg.query(
        `SELECT count(*)::int AS n FROM workflow_signals WHERE run_id = ANY($1::uuid[]) AND consumed_at IS NULL`,
        [builds.map((build) => build.workflowId)],
      );
      expect(kept.rows[0].n).toBe(0);
    });
  });

  describe('timeouts and sleeps', () => {
    it('a wait times out: fail fails the run, succeed moves it on', async () => {
      const failing = await start([
        { key: 'gate', kind: 'wait', signal: 'never', timeoutSeconds: 1 },
      ]);
      const passing = await start([
        { key: 'gate', kind: 'wait', signal: 'never', timeoutSeconds: 1, onTimeout: 'succeed' },
      ]);
      expect(failing.status).toBe('running');
      const failed = await untilStatus(failing.id, 'failed');
      expect(failed.error).toMatchObject({
        stepKey: 'gate',
        reason: 'timed_out',
        code: 'wait_timeout',
      });
      expect(failed.steps[0].status).toBe('timed_out');
      const passed = await untilStatus(passing.id, 'succeeded');
      expect(passed.output).toEqual({ gate: { timedOut: true } });
    });

    it('a sleep until a time read from the input ends then', async () => {
      const wakeAt = new Date(Date.now() + 1500).toISOString();
      const started = await start([{ key: 'nap', kind: 'sleep', until: '$.input.wakeAt' }], {
        wakeAt,
      });
      expect(started.steps[0]).toMatchObject({ status: 'waiting', deadline: wakeAt });
      const done = await untilStatus(started.id, 'succeeded');
      expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(wakeAt));
      expect(done.output).toEqual({ nap: { sleptUntil: wakeAt } });
      const bad = await start([{ key: 'nap', kind: 'sleep', until: '$.input.missing' }]);
      expect((await untilStatus(bad.id, 'failed')).error).toMatchObject({ code: 'invalid_until' });
      // A value that is not an ISO 8601 time, or names a day that does not exist, is not one;
      // nor one before year 1 or after 9999 in UTC (PostgreSQL writes neither as sent).
      for (const value of [
        'Dec 1 2030',
        '2030-02-30T00:00:00Z',
        '0000-06-01T00:00:00Z',
        '0001-01-01T00:30:00+01:00',
        '9999-12-31T23:59:59-01:00',
      ]) {
        const lax = await start([{ key: 'nap', kind: 'sleep', until: '$.input.at' }], {
          at: value,
        });
        expect((await untilStatus(lax.id, 'failed')).error).toMatchObject({
          code: 'invalid_until',
        });
      }
      // A sleep until a dependency's output names the dependency.
      const after = await start([
        { key: 'first', kind: 'sleep', seconds: 1 },
        {
          key: 'nap',
          kind: 'sleep',
          until: '$.dependencies.first.sleptUntil',
          dependsOn: ['first'],
        },
      ]);
      await untilStatus(after.id, 'succeeded');
    });

    it("an agent's output that names no usable time is taken, and fails the sleep after it", async () => {
      const started = await start([
        { key: 'plan', skill: 'sleep-planner' },
        { key: 'nap', kind: 'sleep', until: '$.dependencies.plan.at', dependsOn: ['plan'] },
      ]);
      const plan = await claimStep(started.id, 'plan');
      // Year 0 parses, and no timestamp column holds it: the completion once failed with it.
      expect((await complete(plan, { at: '0000-01-01T00:00:00Z' })).status).toBe(200);
      const failed = await untilStatus(started.id, 'failed');
      expect(failed.error).toMatchObject({ stepKey: 'nap', code: 'invalid_until' });
      expect(failed.steps.find((step: Json) => step.key === 'plan').status).toBe('succeeded');
    });

    it('a sleep spans a service restart: the row, not a timer, wakes it', async () => {
      const started = await start([
        { key: 'nap', kind: 'sleep', seconds: 3 },
        { key: 'after', skill: 'r-notes', dependsOn: ['nap'] },
      ]);
      await test.app.close();
      await new Promise((resolve) => setTimeout(resolve, 3500));
      const row = await pg.query(
        `SELECT status FROM workflow_tasks WHERE run_id = $1 AND step_key = 'nap'`,
        [started.id],
      );
      expect(row.rows[0].status).toBe('waiting');
      test = await startTestApp(env, { db });
      base = await listenOnLoopback(test);
      await waitFor(
        async () => ((await stepOf(started.id, 'nap')).status === 'succeeded' ? true : undefined),
        10_000,
        'the sleep to end',
      );
      expect((await stepOf(started.id, 'after')).status).toBe('queued');
    });

    it('woken tasks rank as the fair queue ranks any: by flow when keyed, at their time when not', async () => {
      const steps = [
        { key: 'nap', kind: 'sleep', until: '$.input.until' },
        { key: 'after', skill: 'r-fair', dependsOn: ['nap'] },
      ];
      for (const definition of [
        { key: 'sleepy-keyed', steps, concurrency: { key: '$.input.repo', limit: 100 } },
        { key: 'sleepy-plain', steps },
      ]) {
        expect((await post('/workflow-definitions', writer, definition)).status).toBe(201);
      }
      // Due together, so woken by one sweep: two runs of one flow, one of another, one unkeyed.
      const until = new Date(Date.now() + 2000).toISOString();
      const runs: string[] = [];
      for (const [definitionKey, repo] of [
        ['sleepy-keyed', 'a'],
        ['sleepy-keyed', 'a'],
        ['sleepy-keyed', 'b'],
        ['sleepy-plain', undefined],
      ]) {
        const response = await post('/workflows', writer, {
          definitionKey,
          input: { until, ...(repo ? { repo } : {}) },
        });
        expect(response.status).toBe(201);
        runs.push(response.body.data.id as string);
      }
      const queued = async () => {
        const { rows } = await pg.query<{
          runId: string;
          flow: string | null;
          runFlow: string | null;
          fairAt: Date;
          availableAt: Date;
        }>(
          `SELECT t.run_id AS "runId", t.fair_flow AS flow, t.fair_at AS "fairAt",
                  t.available_at AS "availableAt",
                  CASE WHEN r.concurrency_key IS NOT NULL
                       THEN r.type || E'\n' || r.concurrency_key END AS "runFlow"
             FROM workflow_tasks t JOIN workflow_runs r ON r.id = t.run_id
            WHERE t.run_id = ANY($1::uuid[]) AND t.step_key = 'after' AND t.status = 'queued'`,
          [runs],
        );
        return rows.length === runs.length ? rows : undefined;
      };
      const rows = await waitFor(queued, 15_000, 'every run to wake and queue its task');
      const of = (index: number) => rows.find((row) => row.runId === runs[index])!;
      // Keyed: each task in its run's flow; the flow's second task a turn (1 s) after its first.
      for (const index of [0, 1, 2]) {
        expect(of(index).flow).not.toBeNull();
        expect(of(index).flow).toBe(of(index).runFlow);
      }
      expect(of(0).flow).toBe(of(1).flow);
      expect(of(2).flow).not.toBe(of(0).flow);
      const [first, second] = [of(0), of(1)].sort(
        (x, y) => x.fairAt.getTime() - y.fairAt.getTime(),
      );
      expect(second.fairAt.getTime() - first.fairAt.getTime()).toBe(1000);
      // Unkeyed: no flow, ranked at its own time.
      expect(of(3)).toMatchObject({ flow: null, runFlow: null });
      expect(of(3).fairAt).toEqual(of(3).availableAt);
    });
  });

  describe('approvals', () => {
    const flow = (extra: Json = {}) => [
      { key: 'build', skill: 'a-build' },
      { key: 'ship', kind: 'approval', description: 'Ship it?', dependsOn: ['build'], ...extra },
      { key: 'deploy', skill: 'a-deploy', dependsOn: ['ship'] },
    ];
    const toApproval = async (extra: Json = {}) => {
      const started = await start(flow(extra));
      const build = await claimStep(started.id, 'build');
      await complete(build, 'built');
      return started.id as string;
    };

    it('approve: requested with its URLs, decided by a workflows:approve key, audited', async () => {
      const id = await toApproval({ timeoutSeconds: 3600 });
      const step = await stepOf(id, 'ship');
      expect(step).toMatchObject({
        kind: 'approval',
        status: 'waiting',
        waitingFor: { approvers: [] },
      });
      const requested = (await eventsOf(id)).find(
        (event) => event.type === 'workflow.approval.requested',
      )!;
      expect(requested.data).toMatchObject({
        workflowId: id,
        stepKey: 'ship',
        description: 'Ship it?',
        approveUrl: expect.stringMatching(
          new RegExp(`/api/v1/workflows/${id}/steps/ship/approve$`),
        ),
        rejectUrl: expect.stringMatching(new RegExp(`/api/v1/workflows/${id}/steps/ship/reject$`)),
      });
      // A writer is no approver; neither is a step that is not an approval.
      expect((await post(`/workflows/${id}/steps/ship/approve`, writer, {})).status).toBe(403);
      expect((await post(`/workflows/${id}/steps/build/approve`, approver, {})).status).toBe(404);
      expect(
        (await post(`/workflows/${id}/steps/ship/approve`, approver, { comment: 5 })).status,
      ).toBe(400);
      const approved = await post(`/workflows/${id}/steps/ship/approve`, approver, {
        comment: 'LGTM',
      });
      expect(approved.status).toBe(200);
      const ship = approved.body.data.steps.find((s: Json) => s.key === 'ship');
      expect(ship).toMatchObject({
        status: 'succeeded',
        task: { output: { approvedBy: 'release-manager', comment: 'LGTM' } },
      });
      expect((await post(`/workflows/${id}/steps/ship/approve`, approver, {})).status).toBe(409);
      const decided = (await eventsOf(id)).find(
        (event) => event.type === 'workflow.approval.decided',
      )!;
      expect(decided.data).toMatchObject({
        decision: 'approved',
        comment: 'LGTM',
        decidedBy: { name: 'release-manager' },
      });
      const audit = await pg.query(
        `SELECT action, actor_id, after FROM audit_entries WHERE action LIKE 'workflow.approval.%' AND after->>'stepKey' = 'ship'
          AND resource_id = $1`,
        [ship.task.id],
      );
      expect(audit.rows).toEqual([
        expect.objectContaining({
          action: 'workflow.approval.approve',
          after: expect.objectContaining({ decision: 'approved', comment: 'LGTM' }),
        }),
      ]);
      await claimStep(id, 'deploy');
    });

    it('an approver named by key id or scope may decide; reject fails the step and the run', async () => {
      const opsBot = await createKey(test, { name: 'ops-bot', scopes: ['agents:read'] });
      const id = await toApproval({ approvers: [`key:${opsBot.id}`, 'agents:read'] });
      const other = await createKey(test, { name: 'someone', scopes: ['agents:write'] });
      expect(
        (await post(`/workflows/${id}/steps/ship/reject`, other, { comment: 'no' })).status,
      ).toBe(403);
      expect((await post(`/workflows/${id}/steps/ship/reject`, opsBot, {})).status).toBe(400);
      const rejected = await post(`/workflows/${id}/steps/ship/reject`, opsBot, {
        comment: 'Not today',
      });
      expect(rejected.status).toBe(200);
      expect(rejected.body.data).toMatchObject({
        status: 'failed',
        error: { stepKey: 'ship', reason: 'failed', message: 'Not today', code: 'rejected' },
      });
      expect(rejected.body.data.steps.map((s: Json) => s.status)).toEqual([
        'succeeded',
        'failed',
        'cancelled',
      ]);
      const decided = (await eventsOf(id)).find(
        (event) => event.type === 'workflow.approval.decided',
      )!;
      expect(decided.data).toMatchObject({ decision: 'rejected', comment: 'Not today' });
    });

    it('a key named like a listed approver cannot decide: approvers are key ids, never names', async () => {
      const deployer = await createKey(test, { name: 'deployer', scopes: ['workflows:read'] });
      const id = await toApproval({ approvers: [`key:${deployer.id}`] });
      // A key admin without workflows:approve mints a key with the same name and the scopes it holds.
      const keyAdmin = await createKey(test, {
        name: 'key admin',
        scopes: ['keys:admin', 'workflows:read'],
      });
      const impostor = await createKey(
        test,
        { name: 'deployer', scopes: ['workflows:read'] },
        { authorization: keyAdmin.authorization },
      );
      const forbidden = await post(`/workflows/${id}/steps/ship/approve`, impostor, {});
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.type).toMatch(/approval-forbidden/);
      expect((await stepOf(id, 'ship')).status).toBe('waiting');
      const approved = await post(`/workflows/${id}/steps/ship/approve`, deployer, {});
      expect(approved.status).toBe(200);
      expect((await stepOf(id, 'ship')).task.output).toMatchObject({
        approvedBy: 'deployer',
        keyId: deployer.id,
      });
    });

    it('an approval that times out fails the run', async () => {
      const started = await start([{ key: 'ship', kind: 'approval', timeoutSeconds: 1 }]);
      const failed = await untilStatus(started.id, 'failed');
      expect(failed.error).toMatchObject({
        stepKey: 'ship',
        reason: 'timed_out',
        code: 'approval_timeout',
      });
      expect((await post(`/workflows/${started.id}/steps/ship/approve`, approver, {})).status).toBe(
        409,
      );
    });
  });

  describe('event waits', () => {
    const delivery = (action: string, number: number) => {
      const body = Buffer.from(
        JSON.stringify({ action, pull_request: { number, merged: action === 'closed' } }),
      );
      return fetch(`${base}/api/v1/hooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
          'x-forwarded-for': GITHUB_IP,
        },
        body,
      });
    };

    it('review flow: task → wait for the PR of the run to close (signed delivery) → task', async () => {
      const started = await start(
        [
          { key: 'review', skill: 'review' },
          {
            key: 'merged',
            kind: 'wait',
            timeoutSeconds: 600,
            dependsOn: ['review'],
            event: {
              type: 'inbound.github.pull_request',
              match: { 'payload.pull_request.number': '$.input.pr', 'payload.action': 'closed' },
            },
          },
          { key: 'notes', skill: 'notes', dependsOn: ['merged'] },
        ],
        { pr: 42 },
      );
      const review = await claimStep(started.id, 'review');
      await complete(review, { verdict: 'approve' });
      expect(await stepOf(started.id, 'merged')).toMatchObject({
        status: 'waiting',
        waitingFor: {
          event: {
            type: 'inbound.github.pull_request',
            match: { 'payload.pull_request.number': 42, 'payload.action': 'closed' },
          },
        },
      });
      // Another PR, and this PR's other actions: no match.
      expect((await delivery('closed', 41)).status).toBeLessThan(300);
      expect((await delivery('synchronize', 42)).status).toBeLessThan(300);
      await waitFor(
        async () => {
          const { rows } = await pg.query(
            `SELECT count(*)::int AS n FROM events e WHERE e.type = 'inbound.github.pull_request'
                AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)`,
          );
          return rows[0].n >= 2 ? true : undefined;
        },
        10_000,
        'the deliveries to be dispatched',
      );
      expect((await stepOf(started.id, 'merged')).status).toBe('waiting');

      expect((await delivery('closed', 42)).status).toBeLessThan(300);
      const notes = await claimStep(started.id, 'notes');
      expect(notes.input.dependencies.merged).toMatchObject({
        source: 'github',
        event: 'pull_request',
        payload: { action: 'closed', pull_request: { number: 42 } },
      });
      const left = await pg.query(
        'SELECT count(*)::int AS n FROM workflow_event_waits WHERE run_id = $1',
        [started.id],
      );
      expect(left.rows[0].n).toBe(0);
    });

    it('cancelling a run cancels its waiting steps and drops their index entries', async () => {
      const started = await start([
        {
          key: 'merged',
          kind: 'wait',
          timeoutSeconds: 600,
          event: {
            type: 'inbound.github.pull_request',
            match: { 'payload.pull_request.number': 7 },
          },
        },
      ]);
      const indexed = () =>
        pg
          .query('SELECT count(*)::int AS n FROM workflow_event_waits WHERE run_id = $1', [
            started.id,
          ])
          .then(({ rows }) => rows[0].n as number);
      expect(await indexed()).toBe(1);
      const cancelled = await post(`/workflows/${started.id}/cancel`, writer);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.data.steps[0]).toMatchObject({ status: 'cancelled', waitingFor: null });
      expect(await indexed()).toBe(0);
      const types = (await eventsOf(started.id)).map((event) => event.type);
      expect(types.slice(-2)).toEqual(['workflow.step.cancelled', 'workflow.cancelled']);
    });

    it('a bulk cancel cancels waiting steps as a single cancel does: none is left to wake', async () => {
      const defined = await post('/workflow-definitions', writer, {
        key: 'bulk-waits',
        steps: [
          { key: 'gate', kind: 'approval', timeoutSeconds: 2 },
          { key: 'nap', kind: 'sleep', seconds: 2 },
          { key: 'go', kind: 'wait', signal: 'go', timeoutSeconds: 2 },
          {
            key: 'merged',
            kind: 'wait',
            timeoutSeconds: 600,
            event: { type: 'inbound.github.pull_request', match: { 'payload.number': 9 } },
          },
        ],
      });
      expect(defined.status).toBe(201);
      const started = await post('/workflows', writer, { definitionKey: 'bulk-waits' });
      expect(started.status).toBe(201);
      const id = started.body.data.id as string;
      const bulk = await post('/workflows/cancel', writer, { definitionKey: 'bulk-waits' });
      expect(bulk.body.data).toEqual({ cancelled: 1 });
      const cancelled = await run(id);
      expect(cancelled.status).toBe('cancelled');
      expect((cancelled.steps as Json[]).map((step) => [step.key, step.status])).toEqual([
        ['gate', 'cancelled'],
        ['nap', 'cancelled'],
        ['go', 'cancelled'],
        ['merged', 'cancelled'],
      ]);
      const types = (await eventsOf(id)).map((event) => event.type);
      expect(types.filter((type) => type === 'workflow.step.cancelled')).toHaveLength(4);
      expect(types.at(-1)).toBe('workflow.cancelled');
      const left = await pg.query(
        `SELECT (SELECT count(*) FROM workflow_event_waits WHERE run_id = $1)::int AS waits,
                (SELECT count(*) FROM workflow_tasks
                  WHERE run_id = $1 AND status = 'waiting')::int AS waiting`,
        [id],
      );
      expect(left.rows[0]).toEqual({ waits: 0, waiting: 0 });
      // Past the steps' deadlines nothing of theirs fires.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await eventsOf(id)).toHaveLength(types.length);
    });

    it('a step left waiting in a finished run is cancelled when due, and holds no other back', async () => {
      // What a bulk cancel once left: the run cancelled, its sleep still waiting.
      const left = await start([{ key: 'nap', kind: 'sleep', seconds: 1 }]);
      await pg.query(
        `UPDATE workflow_runs SET status = 'cancelled', finished_at = now() WHERE id = $1`,
        [left.id],
      );
      const other = await start([{ key: 'nap', kind: 'sleep', seconds: 1 }]);
      await untilStatus(other.id, 'succeeded');
      await waitFor(
        async () => ((await stepOf(left.id, 'nap')).status === 'cancelled' ? true : undefined),
        10_000,
        'the step left waiting cancelled',
      );
      const types = (await eventsOf(left.id)).map((event) => event.type);
      expect(types.at(-1)).toBe('workflow.step.cancelled');
      expect(types).not.toContain('workflow.step.succeeded');
    });

    it('a claimed task whose lease runs out in a finished run is cancelled, and holds no timer back', async () => {
      // A task left claimed in a finished run, its lease then running out: the reaper ends it
      // without failing (again) a run that has finished, and goes on to the due sleeps.
      const left = await start([{ key: 'work', skill: 'reaped', maxAttempts: 1 }]);
      const task = await claimStep(left.id, 'work');
      await pg.query(
        `UPDATE workflow_runs SET status = 'cancelled', finished_at = now() WHERE id = $1`,
        [left.id],
      );
      await pg.query(
        `UPDATE workflow_tasks SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
        [task.id],
      );
      const other = await start([{ key: 'nap', kind: 'sleep', seconds: 1 }]);
      await untilStatus(other.id, 'succeeded');
      await waitFor(
        async () => ((await stepOf(left.id, 'work')).status === 'cancelled' ? true : undefined),
        10_000,
        'the task left claimed cancelled',
      );
      const types = (await eventsOf(left.id)).map((event) => event.type);
      expect(types.at(-1)).toBe('task.cancelled');
      expect(types).not.toContain('workflow.failed');
      expect((await run(left.id)).status).toBe('cancelled');
    });

    it('matching is by index: waits of other keys are not read', async () => {
      await pg.query('SET enable_seqscan = off');
      const forced = JSON.stringify(
        (
          await pg.query(`EXPLAIN (FORMAT JSON)
        SELECT w.task_id FROM workflow_event_waits w
         WHERE w.tenant_id = 'default' AND w.event_type = 'inbound.github.pull_request' AND w.match_key = 'x'`)
        ).rows[0],
      );
      await pg.query('RESET enable_seqscan');
      expect(forced).toContain('workflow_event_waits_lookup');
    });

    it("waits for other runs' events with a * pattern", async () => {
      const watcher = await start([
        {
          key: 'other-done',
          kind: 'wait',
          timeoutSeconds: 600,
          event: { type: 'workflow.*', match: { type: 'watched', status: 'succeeded' } },
        },
      ]);
      const watched = await post('/workflows', writer, {
        type: 'watched',
        steps: [{ key: 'only', skill: 's-notes' }],
      });
      const only = await claimStep(watched.body.data.id, 'only');
      await complete(only, 1);
      const done = await untilStatus(watcher.id, 'succeeded');
      expect(done.output['other-done']).toMatchObject({
        workflowId: watched.body.data.id,
        status: 'succeeded',
      });
    });
  });

  describe('replicas', () => {
    it('a signal on replica A completes a wait observed on replica B', async () => {
      const other = await startTestApp({ ...env, WORKERS: 'off' }, { db });
      try {
        const otherBase = await listenOnLoopback(other);
        const started = await start([
          { key: 'gate', kind: 'wait', signal: 'go', timeoutSeconds: 600 },
          { key: 'after', skill: 'x-notes', dependsOn: ['gate'] },
        ]);
        const onB = async () =>
          (
            (await call('GET', `/workflows/${started.id}`, reader, undefined, otherBase)).body.data
              .steps as Json[]
          )[0];
        expect((await onB()).status).toBe('waiting');
        expect(
          (await post(`/workflows/${started.id}/signals`, writer, { name: 'go', payload: 'A' }))
            .status,
        ).toBe(200);
        expect(await onB()).toMatchObject({ status: 'succeeded', task: { output: 'A' } });
      } finally {
        await other.close();
      }
    });
  });
});
