import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { QuarantineService } from '../src/agents/quarantine.service';
import { UnitOfWork } from '../src/database/unit-of-work';
import type { DomainEvent } from '../src/events/domain-event';
import { someoneWaitsForALock } from './utils/databases';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Until `done` settled or a session waits for a lock: the moment the first may go on. */
async function untilSettledOrWaiting(done: Promise<unknown>, db: Client): Promise<void> {
  let settled = false;
  void done.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = Date.now() + 10_000;
  while (!settled && !(await someoneWaitsForALock(db))) {
    if (Date.now() > deadline) throw new Error('neither finished nor waited for a lock');
    await sleep(20);
  }
}

/** A task failure of `agentId` for `skill`, as the outbox hands it to the quarantine. */
function failure(agentId: string, skill: string): DomainEvent {
  return {
    id: randomUUID(),
    position: '0',
    tenantId: 'default',
    type: 'task.failed',
    occurredAt: new Date(),
    subject: { type: 'task', id: randomUUID() },
    data: { agentId, skill },
    correlationId: null,
  };
}

/**
 * "Never quarantine the last healthy agent of a skill" across two replicas: two agents both bad
 * for one skill, judged at the same time by two replicas (each replica's transaction open while
 * the other decides), never both end quarantined: one is, the other's quarantine is deferred.
 */
describe('quarantine across replicas', () => {
  const apps: TestApp[] = [];
  let db: Client;
  let operator: Headers;

  beforeAll(async () => {
    // The outbox is not dispatched (WORKERS=off): each replica judges exactly what it is handed.
    const env = { RATE_LIMIT_PER_MINUTE: '1000000', DB_POOL_SIZE: '4', WORKERS: 'off' };
    apps.push(await startTestApp(env));
    apps.push(await startTestApp(env, { db: apps[0].db }));
    operator = {
      authorization: (await createKey(apps[0], { scopes: ['agents:write', 'agents:read'] }))
        .authorization,
    };
    db = new Client({ connectionString: apps[0].db.url });
    await db.connect();
    const settled = await apps[0].http.patch('/api/v1/routing/settings').set(operator).send({
      quarantineThreshold: 0.5,
      quarantineMinSamples: 10,
      outcomeWindow: 20,
      quarantineCooldownSeconds: 600,
    });
    expect(settled.status).toBe(200);
  });

  afterAll(async () => {
    await db?.end();
    await apps[1]?.app.close();
    await apps[0]?.close();
  });

  const register = async (id: string, skill: string) => {
    const response = await apps[0].http
      .post('/api/v1/agents')
      .set(operator)
      .send({ id, name: id, skills: [{ id: skill, name: skill }], heartbeatIntervalSeconds: 3600 });
    expect(response.status).toBe(201);
  };

  const beat = async (id: string, status: 'healthy' | 'draining') => {
    const response = await apps[1].http
      .post(`/api/v1/agents/${id}/heartbeat`)
      .set(operator)
      .send({ status });
    expect(response.status).toBe(200);
  };

  /** Nine failures in a row: the next one puts the agent at 0 in 10 (lower bound 0). */
  const nineFailures = (agentId: string, skill: string) =>
    db.query(
      `INSERT INTO agent_skill_outcomes (tenant_id, agent_id, skill_id, recent)
       VALUES ('default', $1, $2, array_fill(false, ARRAY[9]))`,
      [agentId, skill],
    );

  /** Runs `first` in a transaction of replica 0 kept open until `second` (replica 1) settled or waits for a lock. */
  const interleave = async (
    first: (tx: Parameters<Parameters<UnitOfWork['run']>[0]>[0]) => Promise<unknown>,
    second: () => Promise<unknown>,
  ) => {
    let held!: () => void;
    const holding = new Promise<void>((done) => (held = done));
    let goOn!: () => void;
    const proceed = new Promise<void>((done) => (goOn = done));
    const one = apps[0].app.get(UnitOfWork).run(async (tx) => {
      await first(tx);
      held();
      await proceed;
    });
    await holding;
    const two = second();
    await untilSettledOrWaiting(two, db);
    goOn();
    const results = await Promise.allSettled([one, two]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
  };

  const standing = async (skill: string) => {
    const quarantined = await db.query<{ agent_id: string }>(
      `SELECT agent_id FROM agent_quarantines WHERE skill_id = $1 AND until > now() ORDER BY 1`,
      [skill],
    );
    const deferred = await db.query<{ agent_id: string }>(
      `SELECT agent_id FROM agent_quarantine_deferrals WHERE skill_id = $1 ORDER BY 1`,
      [skill],
    );
    return {
      quarantined: quarantined.rows.map((r) => r.agent_id),
      deferred: deferred.rows.map((r) => r.agent_id),
    };
  };

  const events = async (type: string, skill: string) => {
    const { rows } = await db.query<{ data: Json }>(
      `SELECT data FROM events WHERE type = $1 AND data->>'skill' = $2 ORDER BY id`,
      [type, skill],
    );
    return rows.map((row) => row.data);
  };

  it('two failures judged at once on two replicas quarantine one agent and defer the other', async () => {
    await register('race-a', 'race');
    await register('race-b', 'race');
    await nineFailures('race-a', 'race');
    await nineFailures('race-b', 'race');
    const [q0, q1] = apps.map((app) => app.app.get(QuarantineService));
    await interleave(
      (tx) => q0.record(tx, [failure('race-a', 'race')]),
      () => apps[1].app.get(UnitOfWork).run((tx) => q1.record(tx, [failure('race-b', 'race')])),
    );
    expect(await standing('race')).toEqual({ quarantined: ['race-a'], deferred: ['race-b'] });
    expect(await events('agent.quarantined', 'race')).toHaveLength(1);
    expect(await events('agent.quarantine.deferred', 'race')).toEqual([
      {
        agentId: 'race-b',
        skill: 'race',
        lowerBound: 0,
        successes: 0,
        samples: 10,
        threshold: 0.5,
        reason: 'last_healthy_agent',
      },
    ]);
  });

  it('a deferral reviewed on one replica while the other quarantines its cover stays deferred', async () => {
    await register('sweep-a', 'sweep');
    await register('sweep-b', 'sweep');
    await nineFailures('sweep-a', 'sweep');
    await nineFailures('sweep-b', 'sweep');
    // sweep-b fails while sweep-a drains: sweep-b is the last healthy agent, deferred.
    await beat('sweep-a', 'draining');
    const [q0, q1] = apps.map((app) => app.app.get(QuarantineService));
    await apps[1].app.get(UnitOfWork).run((tx) => q1.record(tx, [failure('sweep-b', 'sweep')]));
    expect(await standing('sweep')).toEqual({ quarantined: [], deferred: ['sweep-b'] });
    // sweep-a is back and fails (covered by sweep-b: quarantined) while replica 1 reviews the
    // deferral (covered by sweep-a, as far as it can see without the lock).
    await beat('sweep-a', 'healthy');
    await interleave(
      (tx) => q0.record(tx, [failure('sweep-a', 'sweep')]),
      () => q1.reviewDeferrals(),
    );
    expect(await standing('sweep')).toEqual({ quarantined: ['sweep-a'], deferred: ['sweep-b'] });
    // Reviewing again changes nothing: sweep-b is still the last healthy agent of the skill.
    await q0.reviewDeferrals();
    expect(await standing('sweep')).toEqual({ quarantined: ['sweep-a'], deferred: ['sweep-b'] });
  });
});
