import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Two replicas on one database. Wake-ups are sent after commit (one NOTIFY per event-loop
 * turn, outside the business transaction): a claim long-polling on one replica must still be
 * woken at once by a run started on the other, and the other's outbox dispatcher too.
 */
describe('two replicas', () => {
  let a: TestApp;
  let b: TestApp;
  const urls: string[] = [];

  beforeAll(async () => {
    // Discovery pages kept a minute: only a registry change seen through NOTIFY refreshes them.
    const env = { RATE_LIMIT_PER_MINUTE: '1000000', DISCOVERY_CACHE: '60s' };
    a = await startTestApp(env);
    // B serves only the API: its claims must be woken by A's commits.
    b = await startTestApp({ ...env, WORKERS: 'off' }, { db: a.db });
    for (const app of [a, b]) {
      urls.push(await listenOnLoopback(app));
    }
  });

  afterAll(async () => {
    await b.app.close();
    await a.close();
  });

  const post = async (base: string, path: string, headers: Json, body: unknown) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const get = async (base: string, path: string, headers: Json) => {
    const response = await fetch(`${base}/api/v1${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Json };
  };

  it('discovery on one replica follows registry changes made on the other at once', async () => {
    const discover = async () => {
      const response = await get(urls[1], '/agents?skill=cached', b.admin);
      expect(response.status).toBe(200);
      return (response.body.data.agents as Json[]).map((agent) => ({
        id: agent.id as string,
        status: agent.status as string,
        inFlight: agent.inFlight as number | null,
      }));
    };
    const register = (id: string) =>
      post(urls[0], '/agents', a.admin, { id, name: id, skills: [{ id: 'cached', name: 'c' }] });
    expect((await register('cache-a')).status).toBe(201);
    expect(await discover()).toEqual([{ id: 'cache-a', status: 'online', inFlight: null }]);
    // The registration's notification may reach B after that first read and refill its page:
    // let it land, and read once more, so the page that follows is the one B keeps.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
    await settle();
    expect(await discover()).toEqual([{ id: 'cache-a', status: 'online', inFlight: null }]);
    // A beat that changes nothing but its figures is not a registry change: B's page stands
    // (given the time a notification would take to reach B, were it one).
    const beat = (status: string, inFlight: number) =>
      post(urls[0], '/agents/cache-a/heartbeat', a.admin, { status, inFlight });
    expect((await beat('healthy', 3)).status).toBe(200);
    await settle();
    expect(await discover()).toEqual([{ id: 'cache-a', status: 'online', inFlight: null }]);

    const seen = (expected: Json[]) =>
      waitFor(
        async () => JSON.stringify(await discover()) === JSON.stringify(expected) || undefined,
        5_000,
        `discovery on B to show ${JSON.stringify(expected)}`,
      );
    expect((await register('cache-b')).status).toBe(201);
    await seen([
      { id: 'cache-a', status: 'online', inFlight: 3 },
      { id: 'cache-b', status: 'online', inFlight: null },
    ]);
    expect((await beat('draining', 1)).status).toBe(200);
    await seen([
      { id: 'cache-a', status: 'draining', inFlight: 1 },
      { id: 'cache-b', status: 'online', inFlight: null },
    ]);
    const gone = await fetch(`${urls[0]}/api/v1/agents/cache-b`, {
      method: 'DELETE',
      headers: a.admin,
    });
    expect(gone.status).toBe(204);
    await seen([{ id: 'cache-a', status: 'draining', inFlight: 1 }]);
  });

  it('a claim waiting on one replica is woken by a run started on the other', async () => {
    const registered = await post(urls[0], '/agents', a.admin, {
      id: 'replica-agent',
      name: 'R',
      skills: [{ id: 'relay', name: 'relay' }],
    });
    expect(registered.status).toBe(201);
    const worker = await createKey(a, { scopes: ['tasks:work'], agentId: 'replica-agent' });
    const headers = { authorization: worker.authorization };
    const waited = Date.now();
    const claim = post(urls[1], '/agents/replica-agent/tasks/claim', headers, {
      waitSeconds: 20,
    });
    await new Promise((done) => setTimeout(done, 300));
    const started = await post(urls[0], '/workflows', a.admin, {
      type: 'relay',
      steps: [{ key: 'one', skill: 'relay' }],
    });
    expect(started.status).toBe(201);
    const claimed = await claim;
    expect(claimed.status).toBe(200);
    expect(claimed.body.data.tasks).toHaveLength(1);
    // Woken, not timed out: far below the 20 s wait (no tight polling in between).
    expect(Date.now() - waited).toBeLessThan(5_000);
  });
});
