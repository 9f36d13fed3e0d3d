import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AgentMeshClient,
  AgentMeshError,
  type RetryInfo,
  type SignedReceipt,
} from '../packages/sdk/src';
import { waitFor } from './utils/spawn-app';
import { ADMIN_KEY, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

interface Arrival {
  method: string;
  path: string;
  body: string;
  at: number;
}

/**
 * A real HTTP proxy in front of the app that answers the first `throttled` requests of a path
 * with 429 and `Retry-After`, as a rate limiter in front of the service would.
 */
function throttlingProxy(target: string, retryAfter: string, throttled = 1) {
  const arrivals: Arrival[] = [];
  const refusedAt: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      arrivals.push({
        method: request.method ?? '',
        path: request.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const seen = arrivals.filter((a) => a.path === request.url).length;
      if (seen <= throttled) {
        response.writeHead(429, {
          'content-type': 'application/problem+json',
          'retry-after': retryAfter,
        });
        response.end(
          JSON.stringify({
            type: 'urn:agentmesh:problem:rate-limited',
            title: 'Too Many Requests',
            status: 429,
          }),
          () => refusedAt.push(Date.now()),
        );
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers.set(name, value);
      }
      fetch(`${target}${request.url}`, {
        method: request.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      })
        .then(async (answer) => {
          response.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
          });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  return {
    arrivals,
    refusedAt,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SDK AgentMeshClient', () => {
  let test: TestApp;
  let baseUrl: string;
  let client: AgentMeshClient;

  beforeAll(async () => {
    test = await startTestApp();
    baseUrl = await listenOnLoopback(test);
    client = new AgentMeshClient({ baseUrl, apiKey: ADMIN_KEY });
  });
  afterAll(() => test?.close());

  /**
   * A client whose first call to a path ending in `pathEnd` reaches the service but whose answer
   * is read by nobody (the connection drops on its way back); `firstAnswer` is that answer.
   */
  const losingFirstAnswer = (pathEnd: string) => {
    const lossy = {
      sent: 0,
      firstAnswer: undefined as unknown,
      client: new AgentMeshClient({
        baseUrl,
        apiKey: ADMIN_KEY,
        retry: { initialDelayMs: 10 },
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          if (!url.endsWith(pathEnd)) return response;
          lossy.sent += 1;
          if (lossy.sent > 1) return response;
          lossy.firstAnswer = await response.json();
          throw new TypeError('fetch failed');
        },
      }),
    };
    return lossy;
  };

  /** An agent `id` with the one skill `skill`, and three single-step runs of it queued. */
  const agentWithThreeTasks = async (id: string, skill: string) => {
    await client.agents.register({ id, name: id, skills: [{ id: skill, name: skill }] });
    for (let i = 0; i < 3; i += 1) {
      await client.workflows.start({ type: skill, steps: [{ key: 'a', skill }] });
    }
  };

  it('answers with the data of typed resources and pages of lists', async () => {
    const agent = await client.agents.register({
      id: 'client-a',
      name: 'Client A',
      skills: [{ name: 'echo' }],
    });
    expect(agent).toMatchObject({ id: 'client-a', status: 'online' });
    const beat = await client.agents.heartbeat('client-a', { status: 'healthy', inFlight: 0 });
    expect(beat.status).toBe('online');
    const page = await client.agents.list({ skill: 'echo', limit: 1 });
    expect(page.items.map((a) => a.id)).toEqual(['client-a']);
    expect(page.nextCursor).toBeNull();

    const definition = await client.definitions.create({
      key: 'client-def',
      steps: [{ key: 'one', skill: 'echo' }],
    });
    expect(definition).toMatchObject({ key: 'client-def', version: 1 });
    const run = await client.workflows.start({ definitionKey: 'client-def', input: { n: 1 } });
    expect(run).toMatchObject({ definitionKey: 'client-def', input: { n: 1 } });
    const cancelled = await client.workflows.cancel(run.id);
    expect(cancelled.status).toBe('cancelled');
    const events = [];
    for await (const event of client.workflows.allEvents(run.id)) events.push(event.type);
    expect(events).toContain('workflow.cancelled');

    const key = await client.apiKeys.create({ name: 'reader', scopes: ['agents:read'] });
    expect(key.key).toEqual(expect.any(String));
    const reader = new AgentMeshClient({ baseUrl, apiKey: key.key });
    expect((await reader.agents.get('client-a')).id).toBe('client-a');
    const audit = await client.audit.list({ resourceType: 'agent', limit: 5 });
    expect(audit.items.length).toBeGreaterThan(0);
  });

  it('turns problem+json into AgentMeshError with the problem fields', async () => {
    const missing = await client.workflows
      .get('00000000-0000-4000-8000-000000000000')
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AgentMeshError);
    expect(missing).toMatchObject({ status: 404, correlationId: expect.any(String) });

    const invalid = (await client.agents
      .register({ name: '', skills: [] })
      .catch((e: unknown) => e)) as AgentMeshError;
    expect(invalid).toBeInstanceOf(AgentMeshError);
    expect(invalid.status).toBe(400);
    expect(invalid.type).toMatch(/^urn:agentmesh:problem:/);
    expect(invalid.title).toEqual(expect.any(String));
    expect(invalid.errors.map((e) => e.field)).toContain('name');

    const denied = new AgentMeshClient({ baseUrl, apiKey: 'amk_not-a-key-0123456789' });
    await expect(denied.agents.list()).rejects.toMatchObject({ status: 401 });
  });

  it('waits Retry-After before retrying a 429, a claim too, under its claimId', async () => {
    const proxy = throttlingProxy(baseUrl, '1');
    const retries: RetryInfo[] = [];
    try {
      const through = new AgentMeshClient({
        baseUrl: await proxy.listen(),
        apiKey: ADMIN_KEY,
        onRetry: (info) => retries.push(info),
      });
      const page = await through.agents.list({ limit: 1 });
      expect(page.items).toEqual(expect.any(Array));
      const [refused, accepted] = proxy.arrivals;
      expect(proxy.arrivals).toHaveLength(2);
      expect(retries).toMatchObject([{ retry: 1, delayMs: 1_000 }]);
      expect(accepted.at - proxy.refusedAt[0]).toBeGreaterThanOrEqual(990);
      expect(refused.path).toBe(accepted.path);

      // client-a, registered by the first test.
      expect(await through.tasks.claim('client-a', { max: 1, waitSeconds: 0 })).toEqual([]);
      const claims = proxy.arrivals.filter((a) => a.path.endsWith('/tasks/claim'));
      expect(claims).toHaveLength(2);
      const [{ claimId }, again] = claims.map((a) => JSON.parse(a.body) as { claimId: string });
      expect(claimId).toMatch(/^[0-9a-f-]{36}$/);
      expect(again.claimId).toBe(claimId);
    } finally {
      await proxy.close();
    }
  });

  it('sends a claim again when its answer is lost, and gets what the first leased', async () => {
    await agentWithThreeTasks('client-lost-claim', 'lost-claim-skill');
    const lossy = losingFirstAnswer('/tasks/claim');
    const tasks = await lossy.client.tasks.claim('client-lost-claim', { max: 2, waitSeconds: 0 });
    expect(lossy.sent).toBe(2);
    const leased = (
      lossy.firstAnswer as { data: { tasks: Array<{ id: string; leaseToken: string }> } }
    ).data.tasks;
    expect(leased).toHaveLength(2);
    expect(tasks.map(({ id, leaseToken }) => ({ id, leaseToken }))).toEqual(
      leased.map(({ id, leaseToken }) => ({ id, leaseToken })),
    );
  });

  it('sends completeAndClaimNext again when its answer is lost, and gets what the first leased', async () => {
    await agentWithThreeTasks('client-lossy', 'lossy-skill');
    const [task] = await client.tasks.claim('client-lossy', { max: 1, waitSeconds: 0 });
    const lossy = losingFirstAnswer('/complete');
    const answer = await lossy.client.tasks.completeAndClaimNext(task.id, {
      leaseToken: task.leaseToken,
      claimNext: { max: 2 },
    });
    expect(lossy.sent).toBe(2);
    const leased = (lossy.firstAnswer as { data: { next: { tasks: Array<{ id: string }> } } }).data
      .next.tasks;
    expect(leased).toHaveLength(2);
    expect(answer.next.tasks.map((next) => next.id).sort()).toEqual(
      leased.map((next) => next.id).sort(),
    );
  });

  it('waitForCompletion waits out an outage longer than one call retries, within its timeout', async () => {
    const run = await client.workflows.start({
      type: 'outage-wait',
      steps: [{ key: 'a', skill: 'outage-wait' }],
    });
    // The service is unreachable for the next ten reads of the run (a restart, a rolling
    // deploy): more than one call's retries (four attempts) ride out.
    let refused = 0;
    const waiting = new AgentMeshClient({
      baseUrl,
      apiKey: ADMIN_KEY,
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
      fetch: async (url, init) => {
        if (url.endsWith(`/workflows/${run.id}`) && refused < 10) {
          refused += 1;
          throw new TypeError('fetch failed');
        }
        return fetch(url, init);
      },
    });
    await client.agents.register({
      id: 'outage-agent',
      name: 'outage-agent',
      skills: [{ id: 'outage-wait', name: 'outage-wait' }],
    });
    const [task] = await client.tasks.claim('outage-agent', { max: 1, waitSeconds: 5 });
    await client.tasks.complete(task.id, { leaseToken: task.leaseToken, output: { ok: 1 } });
    const done = await waiting.workflows.waitForCompletion(run.id, {
      timeoutMs: 20_000,
      maxIntervalMs: 50,
    });
    expect(refused).toBe(10);
    expect(done.status).toBe('succeeded');

    // An outage that outlasts the timeout ends in WaitTimeoutError, naming the last failure.
    const down = new AgentMeshClient({
      baseUrl,
      apiKey: ADMIN_KEY,
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(
      down.workflows.waitForCompletion(run.id, { timeoutMs: 300, maxIntervalMs: 50 }),
    ).rejects.toMatchObject({
      name: 'WaitTimeoutError',
      message: expect.stringMatching(/fetch failed/),
    });
    // A service asking to be left alone longer than the wait has left (503, Retry-After 30)
    // ends the wait at its timeout, not after the retries it asked for.
    const busy = new AgentMeshClient({
      baseUrl,
      apiKey: ADMIN_KEY,
      fetch: async () =>
        new Response(JSON.stringify({ type: 'about:blank', title: 'busy', status: 503 }), {
          status: 503,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '30' },
        }),
    });
    const started = Date.now();
    await expect(
      busy.workflows.waitForCompletion(run.id, { timeoutMs: 300, maxIntervalMs: 50 }),
    ).rejects.toMatchObject({
      name: 'WaitTimeoutError',
      message: expect.stringContaining(`run ${run.id} is unknown`),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    // A run no agent takes, with the service up: the timeout says how it stands, with no cause
    // (the last read, given what little was left of the wait, is not an outage).
    const idle = await client.workflows.start({
      type: 'never-taken',
      steps: [{ key: 'a', skill: 'no-agent-has-it' }],
    });
    const timedOut = await client.workflows.waitForCompletion(idle.id, { timeoutMs: 1_000 }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(timedOut).toMatchObject({
      name: 'WaitTimeoutError',
      message: `run ${idle.id} is still pending after 1000 ms`,
    });
    expect(timedOut?.cause).toBeUndefined();
    await client.workflows.cancel(idle.id);
    // What is not an outage is not waited out: an unknown run is a 404 at once.
    await expect(
      client.workflows.waitForCompletion('00000000-0000-4000-8000-000000000000', {
        timeoutMs: 20_000,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('gives up at once when Retry-After is longer than it will wait', async () => {
    const proxy = throttlingProxy(baseUrl, '3600');
    try {
      const through = new AgentMeshClient({ baseUrl: await proxy.listen(), apiKey: ADMIN_KEY });
      await expect(through.agents.list()).rejects.toMatchObject({
        status: 429,
        retryAfterMs: 3_600_000,
      });
      expect(proxy.arrivals).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
  describe('resources of every route', () => {
    const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
    const statusOf = (error: unknown) => (error as AgentMeshError).status;

    beforeAll(async () => {
      await client.agents.register({
        id: 'sdk-worker',
        name: 'SDK worker',
        skills: [{ name: 'sdk-plan' }, { name: 'sdk-square' }],
        heartbeatIntervalSeconds: 3600,
      });
      await client.definitions.create({
        key: 'sdk-gate',
        steps: [
          { key: 'w', kind: 'wait', signal: 'go', timeoutSeconds: 300 },
          { key: 'ok', kind: 'approval', approvers: ['workflows:read'], dependsOn: ['w'] },
        ],
      });
    });

    it('signals a wait step, approves, rejects and retries an approval, and reads the receipt', async () => {
      const approved = await client.workflows.start({ definitionKey: 'sdk-gate', input: {} });
      const signal = await client.workflows.signal(approved.id, {
        name: 'go',
        payload: { ship: true },
        signalId: 'sdk-go-1',
      });
      expect(signal).toMatchObject({
        workflowId: approved.id,
        signalId: 'sdk-go-1',
        name: 'go',
        duplicate: false,
      });
      expect(signal.consumedBy).toHaveLength(1);
      const again = await client.workflows.signal(approved.id, {
        name: 'go',
        payload: { ship: true },
        signalId: 'sdk-go-1',
      });
      expect(again.duplicate).toBe(true);
      const waited = await client.workflows.get(approved.id);
      expect(waited.steps.find((step) => step.key === 'w')?.status).toBe('succeeded');

      await client.workflows.approve(approved.id, 'ok', { comment: 'ship it' });
      expect(
        (await client.workflows.waitForCompletion(approved.id, { timeoutMs: 30_000 })).status,
      ).toBe('succeeded');
      const signed = await waitFor<SignedReceipt>(
        () => client.workflows.receipt(approved.id).catch(() => undefined),
        30_000,
        'the receipt',
      );
      expect(signed).toMatchObject({ signature: expect.any(String), keyId: expect.any(String) });
      expect(signed.receipt).toMatchObject({ workflowId: approved.id });

      const rejected = await client.workflows.start({ definitionKey: 'sdk-gate', input: {} });
      await client.workflows.signal(rejected.id, { name: 'go' });
      await client.workflows.reject(rejected.id, 'ok', { comment: 'not today' });
      const failed = await client.workflows.waitForCompletion(rejected.id, { timeoutMs: 30_000 });
      expect(failed.status).toBe('failed');
      expect(failed.steps.find((step) => step.key === 'ok')?.status).toBe('failed');
      const retried = await client.workflows.retry(rejected.id);
      expect(retried.status).not.toBe('failed');
      await client.workflows.approve(rejected.id, 'ok');
      expect(
        (await client.workflows.waitForCompletion(rejected.id, { timeoutMs: 30_000 })).status,
      ).toBe('succeeded');
      await expect(
        client.workflows.reject(rejected.id, 'ok', { comment: 'late' }),
      ).rejects.toMatchObject({ status: 409 });
    });

    it('sets a budget, lists fan-out elements, agent tasks and usage, and releases an agent', async () => {
      await client.definitions.create({
        key: 'sdk-fan',
        steps: [
          { key: 'plan', skill: 'sdk-plan' },
          {
            key: 'fan',
            skill: 'sdk-square',
            forEach: '$.steps.plan.output.items',
            dependsOn: ['plan'],
          },
        ],
      });
      const run = await client.workflows.start({ definitionKey: 'sdk-fan', input: {} });
      const budgeted = await client.workflows.setBudget(run.id, { tokens: 10_000, costUsd: 5 });
      expect(budgeted.budget).toMatchObject({ tokens: 10_000, costUsd: 5 });

      const usage = { inputTokens: 10, outputTokens: 5, costUsd: 0.01 };
      const [plan] = await client.tasks.claim('sdk-worker', { max: 1, waitSeconds: 0 });
      expect(plan.stepKey).toBe('plan');
      await client.tasks.complete(plan.id, {
        leaseToken: plan.leaseToken,
        output: { items: [1, 2, 3] },
        usage,
      });
      const firstPage = await client.workflows.elements(run.id, 'fan', { limit: 2 });
      expect(firstPage.items).toHaveLength(2);
      expect(firstPage.nextCursor).toEqual(expect.any(String));
      const elements = [];
      for await (const element of client.workflows.iterateElements(run.id, 'fan', { limit: 2 }))
        elements.push(element);
      expect(elements).toHaveLength(3);

      const squares = await client.tasks.claim('sdk-worker', { max: 3, waitSeconds: 0 });
      expect(squares).toHaveLength(3);
      for (const task of squares)
        await client.tasks.complete(task.id, { leaseToken: task.leaseToken, output: 1, usage });
      expect((await client.workflows.waitForCompletion(run.id, { timeoutMs: 30_000 })).status).toBe(
        'succeeded',
      );
      expect(await client.tasks.get(plan.id)).toMatchObject({
        id: plan.id,
        status: 'succeeded',
        output: { items: [1, 2, 3] },
      });
      const done = await client.workflows.elements(run.id, 'fan', { status: 'succeeded' });
      expect(done.items).toHaveLength(3);

      const page = await client.agents.tasks('sdk-worker', { status: 'succeeded', limit: 2 });
      expect(page.items).toHaveLength(2);
      expect(page.items[0]).toMatchObject({ status: 'succeeded', workflowId: run.id });
      const tasks = [];
      for await (const task of client.agents.iterateTasks('sdk-worker', { limit: 2 }))
        tasks.push(task.id);
      expect(tasks.sort()).toEqual([plan.id, ...squares.map((task) => task.id)].sort());
      await expect(client.agents.tasks('sdk-nobody')).rejects.toMatchObject({ status: 404 });

      const byAgent = await client.usage.report({ workflowId: run.id, groupBy: 'agent' });
      expect(byAgent.items).toEqual([
        expect.objectContaining({
          key: 'sdk-worker',
          inputTokens: 40,
          outputTokens: 20,
          reports: 4,
        }),
      ]);
      const days = [];
      for await (const group of client.usage.iterate({ from: hourAgo(), limit: 1 }))
        days.push(group);
      expect(days.reduce((sum, group) => sum + group.tokens, 0)).toBeGreaterThanOrEqual(60);

      expect(await client.agents.release('sdk-worker', { skill: 'sdk-plan' })).toEqual({
        agentId: 'sdk-worker',
        released: [],
      });
      expect(await client.agents.release('sdk-worker')).toEqual({
        agentId: 'sdk-worker',
        released: [],
      });
    });

    it('round-trips schedules, rate limits and routing settings', async () => {
      const schedule = await client.schedules.create({
        key: 'sdk-nightly',
        definitionKey: 'sdk-gate',
        cron: '0 3 * * *',
        timezone: 'UTC',
      });
      expect(schedule).toMatchObject({ key: 'sdk-nightly', enabled: true });
      expect(schedule.nextFireTimes).toHaveLength(5);
      expect((await client.schedules.list()).items.map((s) => s.key)).toContain('sdk-nightly');
      const schedules = [];
      for await (const item of client.schedules.iterate({ limit: 1 })) schedules.push(item.key);
      expect(schedules).toContain('sdk-nightly');
      const updated = await client.schedules.update('sdk-nightly', { cron: '30 4 * * *' });
      expect(updated.cron).toBe('30 4 * * *');
      expect((await client.schedules.pause('sdk-nightly')).enabled).toBe(false);
      expect((await client.schedules.get('sdk-nightly')).enabled).toBe(false);
      expect((await client.schedules.resume('sdk-nightly')).enabled).toBe(true);
      await client.schedules.delete('sdk-nightly');
      expect(statusOf(await client.schedules.get('sdk-nightly').catch((e: unknown) => e))).toBe(
        404,
      );

      const limit = await client.rateLimits.create({ key: 'sdk-llm', perMinute: 60, burst: 10 });
      expect(limit).toMatchObject({ key: 'sdk-llm', perMinute: 60, burst: 10 });
      expect((await client.rateLimits.get('sdk-llm')).perMinute).toBe(60);
      expect((await client.rateLimits.list()).items.map((l) => l.key)).toContain('sdk-llm');
      const limits = [];
      for await (const item of client.rateLimits.iterate()) limits.push(item.key);
      expect(limits).toContain('sdk-llm');
      expect(await client.rateLimits.update('sdk-llm', { perMinute: 120 })).toMatchObject({
        perMinute: 120,
        burst: 10,
      });
      await client.rateLimits.delete('sdk-llm');
      expect(statusOf(await client.rateLimits.get('sdk-llm').catch((e: unknown) => e))).toBe(404);

      const settings = await client.routing.settings();
      const changed = await client.routing.updateSettings({
        quarantineMinSamples: settings.quarantineMinSamples + 1,
        outcomeWindow: Math.max(settings.outcomeWindow, settings.quarantineMinSamples + 1),
      });
      expect(changed.quarantineMinSamples).toBe(settings.quarantineMinSamples + 1);
      expect((await client.routing.settings()).quarantineMinSamples).toBe(
        settings.quarantineMinSamples + 1,
      );
      const invalid = await client.routing
        .updateSettings({ quarantineThreshold: 1 })
        .catch((e: unknown) => e);
      expect(statusOf(invalid)).toBe(400);
      await client.routing.updateSettings({
        quarantineMinSamples: settings.quarantineMinSamples,
        outcomeWindow: settings.outcomeWindow,
      });
    });

    it('answers skills, summaries, dispatch pauses and bulk cancels', async () => {
      expect((await client.apiKeys.whoami()).scopes.length).toBeGreaterThan(0);
      const types = await client.events.types();
      expect(types.items.map((t) => t.type)).toContain('workflow.succeeded');
      const skills = await client.skills.list();
      expect(skills.items).toContainEqual(
        expect.objectContaining({ skill: 'sdk-square', agentsOnline: 1, agentsTotal: 1 }),
      );
      const agents = await client.agents.summary();
      expect(Object.values(agents.byStatus ?? {}).reduce((sum, n) => sum + n, 0)).toBe(
        agents.total,
      );
      expect(agents.bySkill).toContainEqual({
        skill: 'sdk-square',
        total: 1,
        healthy: 1,
        unhealthy: 0,
        quarantined: 0,
      });
      expect((await client.agents.summary({ skills: 1 })).bySkill).toHaveLength(1);
      const tooMany = await client.agents.summary({ skills: 0 }).catch((e: unknown) => e);
      expect(statusOf(tooMany)).toBe(400);

      const since = hourAgo();
      const before = await client.workflows.summary({ since });
      await client.definitions.create({
        key: 'sdk-bulk',
        steps: [{ key: 'x', skill: 'sdk-none' }],
      });
      expect(await client.definitions.pause('sdk-bulk')).toMatchObject({
        key: 'sdk-bulk',
        paused: true,
      });
      expect(await client.definitions.resume('sdk-bulk')).toMatchObject({ paused: false });
      await client.workflows.start({ definitionKey: 'sdk-bulk', input: {} });
      await client.workflows.start({ definitionKey: 'sdk-bulk', input: {} });
      expect(await client.workflows.bulkCancel({ definitionKey: 'sdk-bulk' })).toEqual({
        cancelled: 2,
      });
      expect(
        (await client.workflows.list({ status: 'cancelled' })).items.length,
      ).toBeGreaterThanOrEqual(2);
      const invalid = await client.workflows.bulkCancel({}).catch((e: unknown) => e);
      expect(statusOf(invalid)).toBe(400);

      const runs = await client.workflows.summary({ since });
      expect(runs).toMatchObject({ since: expect.any(String), asOf: expect.any(String) });
      expect(runs.created).toBe(before.created + 2);
      expect(runs.finishedByStatus?.cancelled).toBe((before.finishedByStatus?.cancelled ?? 0) + 2);
      const deliveries = await client.webhooks.deliveriesSummary({ since });
      expect(deliveries).toMatchObject({ total: 0 });
      expect(await client.webhooks.deliveries.summary({ since })).toMatchObject({ total: 0 });
      const endpoint = await client.webhooks.endpoints.create({
        url: 'https://hooks.example.com/agentmesh',
        eventTypes: ['schedule.fired'],
      });
      const until = new Date().toISOString();
      expect(await client.webhooks.endpoints.recover(endpoint.id, { since, until })).toEqual({
        requeued: 0,
      });
      const backwards = await client.webhooks.endpoints
        .recover(endpoint.id, { since: until, until: since })
        .catch((e: unknown) => e);
      expect(statusOf(backwards)).toBe(400);
      const future = await client.workflows
        .summary({ since: new Date(Date.now() + 3_600_000).toISOString() })
        .catch((e: unknown) => e);
      expect(statusOf(future)).toBe(400);
    });
  });
});
