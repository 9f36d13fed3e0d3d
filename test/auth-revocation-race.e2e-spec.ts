import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

const TRIALS = 30;
const CLIENTS = 16;

/**
 * A cache miss that read the key before a revoke committed must not put it back into the cache
 * after the revoke evicted it: the revoked key would then keep working for the cache's TTL.
 */
describe('auth: revocation racing cache misses', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Refused requests count as failed authentications per address (30 a minute): every
    // request below comes from its own address, through a trusted proxy.
    const env = { TRUST_PROXY: '127.0.0.0/8,::1' };
    a = await startTestApp(env, { db });
    b = await startTestApp(env, { db });
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  // An authenticated request stops at validation (400) without any further work; 401 is refused.
  let addresses = 0;
  const probe = (test: TestApp, authorization: string) => {
    addresses += 1;
    const from = `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
    return test.http
      .get('/api/v1/agents?limit=0')
      .set({ authorization, 'x-forwarded-for': from })
      .then((response) => response.status);
  };

  const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

  it('after the revoke answers, every request with the key is refused', async () => {
    const late: Array<{ trial: number; replica: string; status: number }> = [];
    // Key creation is limited to 30 a minute per calling key: a few creators share the trials.
    const creators: Array<{ authorization: string }> = [];
    for (let i = 0; i < Math.ceil(TRIALS / 20); i += 1) {
      const creator = await createKey(a, { scopes: ['keys:admin', 'agents:read'] });
      creators.push({ authorization: creator.authorization });
    }
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const creator = creators[trial % creators.length];
      const { id, authorization } = await createKey(a, { scopes: ['agents:read'] }, creator);
      // Cold cache misses on both replicas, spread around the moment the revoke commits.
      const clients = Array.from({ length: CLIENTS }, async (_, index) => {
        await pause((trial % 8) + (index % 4) * 2);
        return probe(index % 2 === 0 ? a : b, authorization);
      });
      const revoked = await a.http.delete(`/api/v1/api-keys/${id}`).set(creator);
      expect(revoked.status).toBe(204);
      const onA = await Promise.all([probe(a, authorization), probe(a, authorization)]);
      for (const status of onA) if (status !== 401) late.push({ trial, replica: 'a', status });
      await Promise.all(clients);
      // The other replica hears of the revoke through NOTIFY: at once, but not synchronously.
      const refusedOnB = await waitFor(
        async () => ((await probe(b, authorization)) === 401 ? true : undefined),
        2_000,
        'the other replica to refuse the revoked key',
      ).catch(() => false);
      if (!refusedOnB) late.push({ trial, replica: 'b', status: 200 });
      for (const test of [a, b]) {
        const status = await probe(test, authorization);
        if (status !== 401) late.push({ trial, replica: test === a ? 'a' : 'b', status });
      }
    }
    expect(late).toEqual([]);
  });

  it('a claim waiting when its key is revoked takes no task: it answers empty, the key then 401', async () => {
    const skill = 'revoked-wait';
    const registered = await a.http
      .post('/api/v1/agents')
      .set(a.admin)
      .send({ id: 'lp', name: 'lp', skills: [{ id: skill, name: skill }] });
    expect(registered.status).toBe(201);
    for (const [replica, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const { id, authorization } = await createKey(a, { scopes: ['tasks:work'], agentId: 'lp' });
      const waiting = replica.http
        .post('/api/v1/agents/lp/tasks/claim')
        .set({ authorization })
        .send({ max: 1, waitSeconds: 10 })
        .then((response) => response);
      await pause(300);
      // Revoked on one replica while the claim waits on this one or the other.
      expect((await other.http.delete(`/api/v1/api-keys/${id}`).set(a.admin)).status).toBe(204);
      const started = await a.http
        .post('/api/v1/workflows')
        .set(a.admin)
        .send({ type: 'revoked-wait', steps: [{ key: 'only', skill }] });
      expect(started.status).toBe(201);
      const answered = await waiting;
      expect([answered.status, answered.body.data?.tasks ?? []]).toEqual([200, []]);
      // The task is still there for a key that may take it.
      const run = await a.http.get(`/api/v1/workflows/${started.body.data.id}`).set(a.admin);
      expect(run.body.data.steps[0].task.status).toBe('queued');
      const again = await replica.http
        .post('/api/v1/agents/lp/tasks/claim')
        .set({ authorization })
        .send({ max: 1 });
      expect(again.status).toBe(401);
      await a.http.post(`/api/v1/workflows/${started.body.data.id}/cancel`).set(a.admin).send({});
    }
  });
});
