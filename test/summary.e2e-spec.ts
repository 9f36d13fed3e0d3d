/**
 * `GET /workflows/summary` and `GET /webhooks/deliveries/summary`: exact counts of a tenant's
 * runs and deliveries since a time, well past the 200 rows a page holds, against a real
 * PostgreSQL and a real webhook receiver.
 */
import { Client } from 'pg';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';
import { WebhookReceiver } from './webhooks-out-receiver';

const OLDER = 110;
const NEWER = 120;
const STILL_RUNNING = 3;
const DAY_MS = 86_400_000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('summaries', () => {
  let test: TestApp;
  let receiver: WebhookReceiver;
  let worker: { authorization: string };
  /** Before every run of the test; then between the older and the newer runs; then after all. */
  let start = '';
  let mark = '';
  let end = '';
  const runningIds: string[] = [];

  const get = (path: string, headers: Record<string, string> = test.admin) =>
    test.http.get(`/api/v1${path}`).set(headers);

  const post = async (path: string, body: object, headers: Record<string, string> = test.admin) => {
    const response = await test.http.post(`/api/v1${path}`).set(headers).send(body);
    expect(response.status).toBeLessThan(300);
    return response.body.data as Json;
  };

  const startRuns = async (count: number, ids?: string[]) => {
    for (let i = 0; i < count; i++) {
      const run = await post('/workflows', { definitionKey: 'bulk', input: { i } });
      ids?.push(run.id as string);
    }
  };

  /** One run of `single` taken by the agent, then completed or failed for good. */
  const finishOne = async (outcome: 'complete' | 'fail') => {
    await post('/workflows', { definitionKey: 'single' });
    const claimed = await post('/agents/summary-agent/tasks/claim', { max: 1 }, worker);
    const [task] = claimed.tasks as Json[];
    await post(
      `/tasks/${task.id}/${outcome}`,
      outcome === 'complete'
        ? { leaseToken: task.leaseToken, output: { ok: true } }
        : { leaseToken: task.leaseToken, error: { message: 'broken' }, retryable: false },
      worker,
    );
  };

  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    // One attempt now, the next in ten minutes: a failed delivery stays `failed` in the test.
    test = await startTestApp({
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: '0,10m',
    });
    worker = await createKey(test, { scopes: ['tasks:work', 'agents:write'] });
    await test.http
      .put('/api/v1/agents/summary-agent')
      .set(worker)
      .send({ name: 'Summary agent', skills: [{ name: 'work' }] })
      .expect(201);
    await post('/workflow-definitions', { key: 'bulk', steps: [{ key: 'a', skill: 'idle' }] });
    await post('/workflow-definitions', { key: 'single', steps: [{ key: 'a', skill: 'work' }] });
    receiver.script('/down', { status: 500, body: 'down' });
    await post('/webhooks/endpoints', {
      url: `${receiver.url}/up`,
      eventTypes: ['workflow.started', 'workflow.cancelled'],
    });
    await post('/webhooks/endpoints', {
      url: `${receiver.url}/down`,
      eventTypes: ['workflow.failed'],
    });

    start = new Date().toISOString();
    await pause();
    await startRuns(OLDER);
    await pause();
    mark = new Date().toISOString();
    await pause();
    await startRuns(NEWER);
    await finishOne('complete');
    await finishOne('fail');
    const cancelled = await post('/workflows/cancel', { definitionKey: 'bulk' });
    expect(cancelled.cancelled).toBe(OLDER + NEWER);
    await startRuns(STILL_RUNNING, runningIds);

    // Another tenant's runs and deliveries count in that tenant only.
    await post('/tenants', { id: 'elsewhere', name: 'Elsewhere' });
    const elsewhere = { ...test.admin, 'x-tenant-id': 'elsewhere' };
    await post(
      '/webhooks/endpoints',
      { url: `${receiver.url}/up`, eventTypes: ['workflow.*'] },
      elsewhere,
    );
    await post('/workflows', { type: 'other', steps: [{ key: 'a', skill: 'idle' }] }, elsewhere);
    // A delivery is created when its event is dispatched, which under load is up to a dispatch
    // round after the change commits: `end` is taken once every event of the setup is.
    const db = new Client({ connectionString: test.db.url });
    await db.connect();
    try {
      await waitFor(
        async () => {
          const { rows } = await db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM event_outbox',
          );
          return rows[0].n === 0 ? true : undefined;
        },
        30_000,
        'every event of the setup to be dispatched',
      );
    } finally {
      await db.end();
    }
    await pause();
    end = new Date().toISOString();
  });

  afterAll(async () => {
    await test?.close();
    await receiver?.stop();
  });

  it('counts every run created and finished since a time, by status, beyond 200 runs', async () => {
    const total = OLDER + NEWER + 2 + STILL_RUNNING;
    const statuses = await Promise.all(
      runningIds.map(async (id) => (await get(`/workflows/${id}`)).body.data.status as string),
    );
    const unfinished = { scheduled: 0, pending: 0, running: 0, budget_exceeded: 0 };
    for (const status of statuses) unfinished[status as keyof typeof unfinished] += 1;

    const all = await get(`/workflows/summary?since=${encodeURIComponent(start)}`);
    expect(all.status).toBe(200);
    expect(all.body.data).toEqual({
      since: start,
      asOf: expect.any(String),
      created: total,
      createdByStatus: {
        ...unfinished,
        succeeded: 1,
        failed: 1,
        cancelled: OLDER + NEWER,
      },
      finished: OLDER + NEWER + 2,
      finishedByStatus: { succeeded: 1, failed: 1, cancelled: OLDER + NEWER },
    });
    expect(Date.parse(all.body.data.asOf)).toBeGreaterThanOrEqual(Date.parse(end));

    // Since the mark: only the newer runs were created, but every cancel happened after it.
    const newer = await get(`/workflows/summary?since=${encodeURIComponent(mark)}`);
    expect(newer.body.data.created).toBe(NEWER + 2 + STILL_RUNNING);
    expect(newer.body.data.createdByStatus.cancelled).toBe(NEWER);
    expect(newer.body.data.finishedByStatus).toEqual({
      succeeded: 1,
      failed: 1,
      cancelled: OLDER + NEWER,
    });

    const none = await get(`/workflows/summary?since=${encodeURIComponent(end)}`);
    expect(none.body.data.created).toBe(0);
    expect(none.body.data.finished).toBe(0);
  });

  it('counts every delivery created since a time, by status now', async () => {
    const since = encodeURIComponent(start);
    const settled = await waitFor(
      async () => {
        const summary = await get(`/webhooks/deliveries/summary?since=${since}`);
        expect(summary.status).toBe(200);
        const data = summary.body.data as Json;
        return data.byStatus.pending === 0 ? data : undefined;
      },
      60_000,
      'every delivery to be attempted',
    );
    expect(settled).toEqual({
      since: start,
      asOf: expect.any(String),
      // Started: the two runs an agent took; cancelled: the bulk; failed: one.
      total: 2 + OLDER + NEWER + 1,
      byStatus: {
        pending: 0,
        succeeded: 2 + OLDER + NEWER,
        failed: 1,
        dead: 0,
      },
    });
    const none = await get(`/webhooks/deliveries/summary?since=${encodeURIComponent(end)}`);
    expect(none.body.data.total).toBe(0);
  });

  it("keeps each tenant's counts to itself", async () => {
    const elsewhere = { ...test.admin, 'x-tenant-id': 'elsewhere' };
    const runs = await get(`/workflows/summary?since=${encodeURIComponent(start)}`, elsewhere);
    expect(runs.body.data.created).toBe(1);
    expect(runs.body.data.finished).toBe(0);
    const deliveries = await waitFor(
      async () => {
        const summary = await get(
          `/webhooks/deliveries/summary?since=${encodeURIComponent(start)}`,
          elsewhere,
        );
        return summary.body.data.total > 0 ? summary.body.data : undefined;
      },
      30_000,
      "the other tenant's delivery",
    );
    expect(deliveries.total).toBe(1);
  });

  it('answers 400 problem+json for a missing, malformed, future, too old or zoneless since', async () => {
    const now = Date.now();
    const cases: Array<[string, RegExp]> = [
      ['', /since/],
      ['?since=yesterday', /since/],
      [`?since=${new Date(now + 60_000).toISOString()}`, /future/],
      [`?since=${new Date(now - 32 * DAY_MS).toISOString()}`, /31 days/],
      ['?since=2026-01-01T00:00:00', /time zone/],
      [`?since=${encodeURIComponent(start)}&status=running`, /status/],
    ];
    for (const path of ['/workflows/summary', '/webhooks/deliveries/summary']) {
      for (const [query, message] of cases) {
        const response = await get(`${path}${query}`);
        expect({ path, query, status: response.status }).toEqual({ path, query, status: 400 });
        expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(JSON.stringify(response.body.errors)).toMatch(message);
      }
    }
  });

  it('needs workflows:read for runs and webhooks:admin for deliveries', async () => {
    const since = `?since=${encodeURIComponent(start)}`;
    const agentsOnly = await createKey(test, { scopes: ['agents:read'] });
    const runsReader = await createKey(test, { scopes: ['workflows:read'] });
    expect((await get(`/workflows/summary${since}`, agentsOnly)).status).toBe(403);
    expect((await get(`/webhooks/deliveries/summary${since}`, agentsOnly)).status).toBe(403);
    expect((await get(`/workflows/summary${since}`, runsReader)).status).toBe(200);
    expect((await get(`/webhooks/deliveries/summary${since}`, runsReader)).status).toBe(403);
    expect((await test.http.get(`/api/v1/workflows/summary${since}`)).status).toBe(401);
  });

  it('documents both routes with their scopes in the OpenAPI document', async () => {
    const doc = (await test.http.get('/docs-json')).body as Json;
    for (const [path, scope] of [
      ['/api/v1/workflows/summary', 'workflows:read'],
      ['/api/v1/webhooks/deliveries/summary', 'webhooks:admin'],
    ]) {
      const operation = doc.paths[path]?.get as Json;
      expect(operation['x-required-scopes']).toEqual([scope]);
      expect(operation.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'since', required: true })]),
      );
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400']));
    }
  });
});
