import { Client } from 'pg';
import { claimParameters, claimStatement } from '../src/workflows/claim-statement';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = Record<string, string>;

/** Shared rate limits: the API, steps naming them, the bucket in the claim, waits and metrics. */
describe('rate limits', () => {
  let test: TestApp;
  let db: Client;
  let writer: Headers;
  let reader: Headers;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = test.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };
  const claim = async (agentId: string, body: Json = {}) => {
    const response = await call('POST', `/agents/${agentId}/tasks/claim`, writer, body);
    expect(response.status).toBe(200);
    return response.body.data.tasks as Json[];
  };
  const define = async (key: string, steps: Json[]) => {
    const response = await call('POST', '/workflow-definitions', writer, { key, steps });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const start = async (definitionKey: string, input: Json = {}) => {
    const response = await call('POST', '/workflows', writer, { definitionKey, input });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const register = async (id: string, skills: string[]) => {
    const response = await call('POST', '/agents', writer, {
      id,
      name: id,
      skills: skills.map((skill) => ({ id: skill, name: skill })),
      heartbeatIntervalSeconds: 3600,
    });
    expect(response.status).toBe(201);
  };
  const metric = async (pattern: RegExp): Promise<number> => {
    const text = (await test.http.get('/metrics')).text;
    const match = pattern.exec(text);
    return match ? Number(match[1]) : 0;
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    writer = {
      authorization: (
        await createKey(test, {
          scopes: [
            'workflows:write',
            'workflows:read',
            'agents:write',
            'agents:read',
            'tasks:work',
          ],
        })
      ).authorization,
    };
    reader = {
      authorization: (await createKey(test, { scopes: ['workflows:read'] })).authorization,
    };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
  });

  it('are created, read, changed and deleted, audited, with problems for bad input', async () => {
    const created = await call('POST', '/rate-limits', writer, { key: 'openai', perMinute: 90 });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ key: 'openai', perMinute: 90, burst: 90, queued: 0 });
    expect(created.body.data.tokens).toBeCloseTo(90, 0);

    const again = await call('POST', '/rate-limits', writer, { key: 'openai', perMinute: 5 });
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/rate_limit_exists|rate-limit-exists/);

    for (const body of [
      { key: 'zero', perMinute: 0 },
      { key: 'negative', perMinute: -1 },
      { key: 'small-burst', perMinute: 10, burst: 0.5 },
      { key: 'Not A Slug', perMinute: 10 },
      { key: 'nan', perMinute: 'ten' },
      { key: 'extra', perMinute: 10, window: 60 },
      { perMinute: 10 },
      // Buckets that would take more than ten years to refill: their wait has no date.
      { key: 'glacial', perMinute: 1e-300 },
      { key: 'glacial', perMinute: 1e-7 },
      { key: 'glacial', perMinute: 1, burst: 1e9 },
    ]) {
      const bad = await call('POST', '/rate-limits', writer, body);
      expect({ body, status: bad.status }).toEqual({ body, status: 400 });
      expect(bad.body.errors.length).toBeGreaterThan(0);
    }
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'glacial', perMinute: 1e-7 })).body.errors,
    ).toEqual([
      {
        field: 'perMinute',
        message:
          'a burst of 1 at 1e-7 a minute takes more than ten years to refill: give a higher ' +
          'perMinute or a smaller burst',
      },
    ]);
    const [{ count }] = (await db.query(`SELECT count(*)::int FROM rate_limits`)).rows;
    expect(count).toBe(1);

    // Reads take the workflows read scope; writes take workflows:write.
    expect((await call('GET', '/rate-limits/openai', reader)).status).toBe(200);
    expect((await call('POST', '/rate-limits', reader, { key: 'r', perMinute: 1 })).status).toBe(
      403,
    );
    expect((await call('PATCH', '/rate-limits/openai', reader, { perMinute: 1 })).status).toBe(403);
    expect((await call('DELETE', '/rate-limits/openai', reader)).status).toBe(403);

    expect((await call('POST', '/rate-limits', writer, { key: 'b', perMinute: 1 })).status).toBe(
      201,
    );
    const page = await call('GET', '/rate-limits?limit=1', reader);
    expect(page.status).toBe(200);
    expect(page.body.data.rateLimits.map((l: Json) => l.key)).toEqual(['b']);
    const next = await call('GET', `/rate-limits?cursor=${page.body.meta.nextCursor}`, reader);
    expect(next.body.data.rateLimits.map((l: Json) => l.key)).toEqual(['openai']);

    const patched = await call('PATCH', '/rate-limits/openai', writer, { burst: 10 });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ perMinute: 90, burst: 10 });
    expect(patched.body.data.tokens).toBeLessThanOrEqual(10);
    expect((await call('PATCH', '/rate-limits/openai', writer, { perMinute: 0 })).status).toBe(400);
    // The stored burst (10) at the new rate: ten units in about nineteen years.
    const glacial = await call('PATCH', '/rate-limits/openai', writer, { perMinute: 1e-6 });
    expect(glacial.status).toBe(400);
    expect(glacial.body.errors).toEqual([
      {
        field: 'perMinute',
        message:
          'a burst of 10 at 0.000001 a minute takes more than ten years to refill: give a ' +
          'higher perMinute or a smaller burst',
      },
    ]);
    const nulled = await call('PATCH', '/rate-limits/openai', writer, {
      perMinute: null,
      burst: 5,
    });
    expect(nulled.status).toBe(400);
    expect(nulled.body.errors).toEqual([
      { field: 'perMinute', message: 'perMinute cannot be null' },
    ]);
    // A change of nothing is refused, and changes nothing (no audit entry, no new updatedAt).
    const empty = await call('PATCH', '/rate-limits/openai', writer, {});
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([
      { field: 'perMinute', message: 'give at least one of perMinute, burst' },
    ]);
    expect((await call('GET', '/rate-limits/openai', reader)).body.data.updatedAt).toBe(
      patched.body.data.updatedAt,
    );
    expect((await call('PATCH', '/rate-limits/nope', writer, { perMinute: 1 })).status).toBe(404);
    expect((await call('GET', '/rate-limits/nope', reader)).status).toBe(404);
    expect((await call('GET', '/rate-limits/%20bad', reader)).status).toBe(404);

    expect((await call('DELETE', '/rate-limits/b', writer)).status).toBe(204);
    expect((await call('DELETE', '/rate-limits/b', writer)).status).toBe(404);

    const audit = await db.query(
      `SELECT action FROM audit_entries WHERE resource_type = 'rate_limit' ORDER BY occurred_at`,
    );
    expect(audit.rows.map((row) => row.action)).toEqual([
      'rate_limit.create',
      'rate_limit.create',
      'rate_limit.update',
      'rate_limit.delete',
    ]);
    const events = await db.query(
      `SELECT type FROM events WHERE subject_type = 'rate_limit' ORDER BY id`,
    );
    expect(events.rows.map((row) => row.type)).toEqual([
      'rate_limit.created',
      'rate_limit.created',
      'rate_limit.updated',
      'rate_limit.deleted',
    ]);
  });

  it('are named by task steps as a key or {key, units}, checked in definitions', async () => {
    const bad = async (step: Json) => {
      const response = await call('POST', '/workflow-definitions', writer, {
        key: 'bad-limit',
        steps: [step],
      });
      expect(response.status).toBe(400);
      return (response.body.errors as Json[]).map((error) => error.field as string);
    };
    expect(await bad({ key: 'a', skill: 's', rateLimit: 'Not Slug' })).toEqual([
      'steps[0].rateLimit',
    ]);
    expect(await bad({ key: 'a', skill: 's', rateLimit: { key: 'ok', units: 'tokens' } })).toEqual([
      'steps[0].rateLimit.units',
    ]);
    expect(await bad({ key: 'a', skill: 's', rateLimit: { units: '$.input.n' } })).toEqual([
      'steps[0].rateLimit.key',
    ]);
    expect(await bad({ key: 'a', skill: 's', rateLimit: { key: 'ok', every: 1 } })).toEqual([
      'steps[0].rateLimit.every',
    ]);
    expect(await bad({ key: 'a', skill: 's', rateLimit: 7 })).toEqual(['steps[0].rateLimit']);
    // A task's input holds its dependencies' outputs only: another step's never resolves.
    expect(
      await bad({ key: 'a', skill: 's', rateLimit: { key: 'ok', units: '$.dependencies.zz.n' } }),
    ).toEqual(['steps[0].rateLimit.units']);
    // Dependencies are matched whole: a step key may hold dots.
    await define('dotted-limit', [
      { key: 'fetch.v2', skill: 's' },
      {
        key: 'use',
        skill: 's',
        dependsOn: ['fetch.v2'],
        rateLimit: { key: 'ok', units: '$.dependencies.fetch.v2.tokens' },
      },
    ]);
    expect(await bad({ key: 'a', kind: 'sleep', seconds: 5, rateLimit: 'ok' })).toEqual([
      'steps[0].rateLimit',
    ]);
    const definition = await define('limited', [
      { key: 'plain', skill: 's', rateLimit: 'openai' },
      { key: 'sized', skill: 's', rateLimit: { key: 'openai', units: '$.input.tokens' } },
      {
        key: 'after',
        skill: 's',
        dependsOn: ['sized'],
        rateLimit: { key: 'openai', units: '$.dependencies.sized.tokens' },
      },
    ]);
    expect(definition.steps.map((step: Json) => step.rateLimit)).toEqual([
      { key: 'openai' },
      { key: 'openai', units: '$.input.tokens' },
      { key: 'openai', units: '$.dependencies.sized.tokens' },
    ]);
  });

  it('let a task go only while its units remain, show the wait, and wake a claim at refill', async () => {
    await register('tok-agent', ['tok']);
    // One unit every five seconds (slow enough for a loaded machine); three in the bucket.
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'tok', perMinute: 12, burst: 3 })).status,
    ).toBe(201);
    await define('tok-flow', [
      { key: 'ask', skill: 'tok', rateLimit: { key: 'tok', units: '$.input.tokens' } },
    ]);
    const big = await start('tok-flow', { tokens: 3 });
    const [first] = await claim('tok-agent');
    expect(first.workflowId).toBe(big.id);

    // Two units needed, the bucket is (nearly) empty: held back, and the run view says why.
    const held = await start('tok-flow', { tokens: 2 });
    expect(await claim('tok-agent')).toEqual([]);
    const view = await call('GET', `/workflows/${held.id}`, reader);
    expect(view.body.data.waiting).toMatchObject({
      reason: 'rate_limit',
      rateLimit: 'tok',
      stepKey: 'ask',
      units: 2,
      defined: true,
    });
    expect(Date.parse(view.body.data.waiting.until)).toBeGreaterThan(Date.now() - 1000);
    expect(view.body.data.steps[0].rateLimit).toEqual({ key: 'tok', units: '$.input.tokens' });
    expect(await metric(/task_rate_limited_total\{key="tok"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(await metric(/workflow_runs_waiting\{reason="rate_limit"\} (\d+)/)).toBe(1);
    const limit = await call('GET', '/rate-limits/tok', reader);
    expect(limit.body.data.queued).toBe(1);
    // A bucket stored before refills were bounded (a rate of 1e-300 a minute): its wait is
    // dated at most ten years on, not a 500.
    await db.query(`UPDATE rate_limits SET per_minute = 1e-300 WHERE key = 'tok'`);
    const far = await call('GET', `/workflows/${held.id}`, reader);
    await db.query(`UPDATE rate_limits SET per_minute = 12 WHERE key = 'tok'`);
    expect(far.status).toBe(200);
    const tenYears = 3_653 * 86_400_000;
    expect(Date.parse(far.body.data.waiting.until)).toBeGreaterThan(Date.now() + tenYears / 2);
    expect(Date.parse(far.body.data.waiting.until)).toBeLessThanOrEqual(Date.now() + tenYears);

    // A long-poll claim: nothing announces a refill, so it must wake itself when tokens return.
    const [woken] = await claim('tok-agent', { waitSeconds: 25 });
    expect(woken?.workflowId).toBe(held.id);
    const taken = await call('GET', '/rate-limits/tok', reader);
    expect(taken.body.data.tokens).toBeLessThan(1);
  });

  it("take a fan-out element's units from its step's input, as its task reads it", async () => {
    await register('fan-tok-agent', ['fan-tok']);
    // Ten units, refilled at one a minute: what the claim below takes is the bucket.
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'fan-tok', perMinute: 1, burst: 10 }))
        .status,
    ).toBe(201);
    await define('fan-tok-flow', [
      {
        key: 'each',
        skill: 'fan-tok',
        forEach: '$.input.items',
        rateLimit: { key: 'fan-tok', units: '$.input.tokens' },
      },
    ]);
    const run = await start('fan-tok-flow', { tokens: 5, items: [1, 2, 3, 4] });
    const claimed = await claim('fan-tok-agent', { max: 10 });
    // Five units each: two of the four fit the bucket.
    expect(claimed).toHaveLength(2);
    expect(claimed[0].input).toMatchObject({ input: { tokens: 5 } });
    const { rows } = await db.query<{ units: number }>(
      `SELECT rate_units::float8 AS units FROM workflow_tasks
        WHERE run_id = $1 AND element_index IS NOT NULL ORDER BY element_index`,
      [run.id],
    );
    expect(rows.map((row) => row.units)).toEqual([5, 5, 5, 5]);
    // The two left wait for units, and the run view says so, as for a task step.
    expect(await claim('fan-tok-agent', { max: 10 })).toEqual([]);
    const view = await call('GET', `/workflows/${run.id}`, reader);
    expect(view.body.data.waiting).toMatchObject({
      reason: 'rate_limit',
      rateLimit: 'fan-tok',
      stepKey: 'each',
      units: 5,
      defined: true,
    });
  });

  it('hold back tasks of a missing rate limit until it is created, and not the work behind them', async () => {
    await register('gap-agent', ['gap']);
    await define('gap-flow', [{ key: 'call', skill: 'gap', rateLimit: 'later' }]);
    await define('gap-plain', [{ key: 'call', skill: 'gap' }]);
    const waiting = [await start('gap-flow'), await start('gap-flow'), await start('gap-flow')];
    const plain = await start('gap-plain');
    // The rate-limited tasks are older, but the plain one behind them goes.
    const [got] = await claim('gap-agent');
    expect(got.workflowId).toBe(plain.id);
    expect(await claim('gap-agent')).toEqual([]);
    const view = await call('GET', `/workflows/${waiting[0].id}`, reader);
    expect(view.body.data.waiting).toEqual({
      reason: 'rate_limit',
      rateLimit: 'later',
      stepKey: 'call',
      units: 1,
      defined: false,
    });

    // Creating the limit wakes the waiting claim (a burst of 2: two of the three go).
    const pending = claim('gap-agent', { max: 3, waitSeconds: 25 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const created = await call('POST', '/rate-limits', writer, {
      key: 'later',
      perMinute: 0.01,
      burst: 2,
    });
    expect(created.status).toBe(201);
    const claimed = await pending;
    expect(claimed.map((task) => task.workflowId).sort()).toEqual(
      [waiting[0].id, waiting[1].id].sort(),
    );
    expect(await claim('gap-agent')).toEqual([]);
  });

  it("a tenant's first rate limit: the next claim takes the task under it, though the tenant's claims had found no limit", async () => {
    // A tenant of its own: the tenant's claims so far knew of no limit (and left that part out).
    const made = await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'first-limit-co', name: 'First limit' });
    expect(made.status).toBe(201);
    const own = {
      authorization: (
        await createKey(test, {
          scopes: ['workflows:write', 'agents:write', 'tasks:work'],
          tenantId: 'first-limit-co',
        })
      ).authorization,
    };
    const as = async (method: string, path: string, body: Json) => {
      const response = await call(method, path, own, body);
      expect(response.status).toBeLessThan(300);
      return response.body.data as Json;
    };
    await as('POST', '/agents', {
      id: 'first-agent',
      name: 'first',
      skills: [{ id: 'first', name: 'first' }],
      heartbeatIntervalSeconds: 3600,
    });
    const take = async () =>
      (await as('POST', '/agents/first-agent/tasks/claim', { max: 2 })).tasks as Json[];
    const plain = await as('POST', '/workflows', {
      type: 'plain',
      steps: [{ key: 'a', skill: 'first' }],
    });
    expect((await take()).map((task) => task.workflowId)).toEqual([plain.id]);
    expect(await take()).toEqual([]);

    await as('POST', '/rate-limits', { key: 'first', perMinute: 600, burst: 5 });
    const limited = await as('POST', '/workflows', {
      type: 'limited',
      steps: [{ key: 'a', skill: 'first', rateLimit: 'first' }],
    });
    const other = await as('POST', '/workflows', {
      type: 'plain',
      steps: [{ key: 'a', skill: 'first' }],
    });
    // Both at once: the plain one found first, the one under the limit by looking again.
    expect((await take()).map((task) => task.workflowId).sort()).toEqual(
      [limited.id, other.id].sort(),
    );
    const again = await as('POST', '/workflows', {
      type: 'limited',
      steps: [{ key: 'a', skill: 'first', rateLimit: 'first' }],
    });
    expect((await take()).map((task) => task.workflowId)).toEqual([again.id]);
  });

  it('take exactly the bucket under concurrent claims, its sub-buckets laid out again by PATCH', async () => {
    const agents = Array.from({ length: 10 }, (_, i) => `shard-${i}`);
    for (const id of agents) await register(id, ['shard']);
    // Practically no refill: what the claims take is what the bucket held.
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'shard', perMinute: 0.001, burst: 8 }))
        .status,
    ).toBe(201);
    const layout = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS shards, sum(per_minute) AS "perMinute", sum(burst) AS burst
             FROM rate_limit_shards WHERE tenant_id = 'default' AND key = 'shard'`,
        )
      ).rows[0] as { shards: number; perMinute: number; burst: number };
    let shards = await layout();
    expect(shards.shards).toBe(8);
    expect(shards.perMinute).toBeCloseTo(0.001, 9);
    expect(shards.burst).toBeCloseTo(8, 9);

    // A smaller burst drops the excess: three units left, in three sub-buckets.
    const smaller = await call('PATCH', '/rate-limits/shard', writer, { burst: 3 });
    expect(smaller.status).toBe(200);
    expect(smaller.body.data.tokens).toBeCloseTo(3, 3);
    shards = await layout();
    expect(shards.shards).toBe(3);
    expect(shards.perMinute).toBeCloseTo(0.001, 9);
    expect(shards.burst).toBeCloseTo(3, 9);

    await define('shard-flow', [{ key: 'call', skill: 'shard', rateLimit: 'shard' }]);
    for (let i = 0; i < 40; i++) await start('shard-flow');
    const claimed = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM workflow_tasks
            WHERE skill = 'shard' AND status = 'claimed'`,
        )
      ).rows[0].n as number;
    // Every agent claims at once, three times over, until a round gets nothing; then one agent
    // alone until it gets nothing (a claim that met every sub-bucket locked took none of them).
    const drain = async () => {
      for (let before = -1; before !== (await claimed());) {
        before = await claimed();
        await Promise.all(
          agents.map(async (id) => {
            for (let i = 0; i < 3; i++) await claim(id);
          }),
        );
      }
      while ((await claim(agents[0])).length > 0);
    };
    await drain();
    expect(await claimed()).toBe(3);

    // A larger burst fills over time, not at once; a faster rate fills it, and the rate set
    // back then holds what was filled: twenty units, claimed by the wave and no more.
    const larger = await call('PATCH', '/rate-limits/shard', writer, { burst: 20 });
    expect(larger.body.data.tokens).toBeLessThan(0.01);
    shards = await layout();
    expect(shards.shards).toBe(20);
    expect(shards.burst).toBeCloseTo(20, 9);
    expect(
      (await call('PATCH', '/rate-limits/shard', writer, { perMinute: 6_000_000 })).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const slow = await call('PATCH', '/rate-limits/shard', writer, { perMinute: 0.001 });
    expect(slow.body.data.tokens).toBeCloseTo(20, 3);
    shards = await layout();
    expect(shards.perMinute).toBeCloseTo(0.001, 9);
    await drain();
    expect(await claimed()).toBe(23);
    expect((await call('GET', '/rate-limits/shard', reader)).body.data.tokens).toBeLessThan(0.01);
  });

  it('a claim whose task needs several sub-buckets locks as many as it needs, not every free one', async () => {
    for (const id of ['wide-a', 'wide-b']) await register(id, ['wide']);
    // 32 sub-buckets (the most a limit has) of 10 units; each task takes 15: two sub-buckets.
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'wide', perMinute: 0.001, burst: 320 }))
        .status,
    ).toBe(201);
    expect(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM rate_limit_shards WHERE tenant_id = 'default' AND key = 'wide'`,
        )
      ).rows[0].n,
    ).toBe(32);
    await define('wide-flow', [
      { key: 'ask', skill: 'wide', rateLimit: { key: 'wide', units: '$.input.tokens' } },
    ]);
    for (let i = 0; i < 4; i++) await start('wide-flow', { tokens: 15 });

    // One agent's claim, in a transaction left open: it holds the sub-buckets it locked.
    const open = new Client({ connectionString: test.db.url });
    await open.connect();
    try {
      await open.query('BEGIN');
      const first = await open.query(
        claimStatement(1),
        claimParameters('default', 'wide-a', 1, 30, undefined),
      );
      expect((first.rows[0] as { tasks: unknown[] }).tasks).toHaveLength(1);
      // Another agent's claim meanwhile finds the other thirty free, and is not kept waiting.
      let timer: NodeJS.Timeout | undefined;
      const second = await Promise.race([
        claim('wide-b'),
        new Promise<'waiting'>((resolve) => (timer = setTimeout(() => resolve('waiting'), 5000))),
      ]);
      clearTimeout(timer);
      expect(second === 'waiting' ? second : second.length).toBe(1);
      await open.query('COMMIT');
    } finally {
      await open.query('ROLLBACK').catch(() => undefined);
      await open.end();
    }
    const left = await call('GET', '/rate-limits/wide', reader);
    expect(left.body.data.tokens).toBeCloseTo(290, 3);
  });

  it('a task taking the whole burst waits for the rate to refill it, not for one sub-bucket', async () => {
    await register('whole-a', ['whole']);
    // 60 a minute (one a second), burst 100: 32 sub-buckets of 3.125, each refilled at 1.875 a
    // minute. A small task takes a unit from one; a task of 100 needs all of them full.
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'whole', perMinute: 60, burst: 100 }))
        .status,
    ).toBe(201);
    await define('whole-flow', [
      { key: 'ask', skill: 'whole', rateLimit: { key: 'whole', units: '$.input.tokens' } },
    ]);
    await start('whole-flow', { tokens: 1 });
    expect(await claim('whole-a', { max: 1 })).toHaveLength(1);
    await start('whole-flow', { tokens: 100 });
    // Short by a unit: the claim takes nothing, and the wait is a second of the limit's rate.
    expect(await claim('whole-a', { max: 1 })).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // A single bucket is full again after one second. The one sub-bucket the small task took
    // from would need 32 (it alone refills, at its share of the rate, while the rest are full).
    expect(await claim('whole-a', { max: 1 })).toHaveLength(1);
  });

  it('a task that does not fit the bucket yet holds back the later tasks of its limit, not the others', async () => {
    await register('hol-agent', ['hol']);
    // Ten units, practically no refill: what is taken stays taken until the test refills it.
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'hol', perMinute: 0.001, burst: 10 }))
        .status,
    ).toBe(201);
    await define('hol-limited', [
      { key: 'ask', skill: 'hol', rateLimit: { key: 'hol', units: '$.input.tokens' } },
    ]);
    await define('hol-plain', [{ key: 'ask', skill: 'hol' }]);
    const first = await start('hol-limited', { tokens: 6 });
    expect((await claim('hol-agent', { max: 1 })).map((t) => t.workflowId)).toEqual([first.id]);

    // Four units left. The next task needs five: the one-unit tasks queued after it wait
    // behind it (queue order), the task under no limit does not.
    const big = await start('hol-limited', { tokens: 5 });
    const small = [];
    for (let i = 0; i < 3; i++) small.push(await start('hol-limited', { tokens: 1 }));
    const plain = await start('hol-plain');
    expect((await claim('hol-agent', { max: 10 })).map((t) => t.workflowId)).toEqual([plain.id]);
    for (let i = 0; i < 3; i++) expect(await claim('hol-agent', { max: 1 })).toEqual([]);
    // Nor while another claim holds the big task's row (claims woken together by a new task):
    // this one passes it (SKIP LOCKED), and still counts its units first.
    await db.query('BEGIN');
    await db.query(`SELECT FROM workflow_tasks WHERE run_id = $1 FOR UPDATE`, [big.id]);
    const passing = await claim('hol-agent', { max: 10 }).finally(() => db.query('ROLLBACK'));
    expect(passing).toEqual([]);
    const waiting = await call('GET', `/workflows/${big.id}`, reader);
    expect(waiting.body.data.waiting).toMatchObject({ reason: 'rate_limit', units: 5 });

    // Refilled: the big task goes first, then the small ones, in queue order, while they fit.
    await db.query(
      `UPDATE rate_limit_shards SET tokens = burst, refilled_at = now()
        WHERE tenant_id = 'default' AND key = 'hol'`,
    );
    expect((await claim('hol-agent', { max: 10 })).map((t) => t.workflowId)).toEqual([
      big.id,
      ...small.map((run) => run.id),
    ]);
  });

  it('a task under a limit whose sub-buckets each hold too little is claimed before a later task under none', async () => {
    await register('split-agent', ['split']);
    // 32 sub-buckets of 10 units (no refill to speak of); the limited task needs 15 of them.
    expect(
      (await call('POST', '/rate-limits', writer, { key: 'split', perMinute: 0.001, burst: 320 }))
        .status,
    ).toBe(201);
    await define('split-limited', [
      { key: 'ask', skill: 'split', rateLimit: { key: 'split', units: '$.input.tokens' } },
    ]);
    await define('split-plain', [{ key: 'ask', skill: 'split' }]);
    const limited = await call('POST', '/workflows', writer, {
      definitionKey: 'split-limited',
      input: { tokens: 15 },
      priority: 5,
    });
    expect(limited.status).toBe(201);
    const plain = await start('split-plain');

    // The statement for a limit's common case finds no one sub-bucket that holds the task's
    // units: it claims nothing (the task under no limit is lower), and says so.
    const alone = await db.query(
      claimStatement(1, 'one sub-bucket'),
      claimParameters('default', 'split-agent', 1, 30, undefined),
    );
    expect(alone.rows[0]).toMatchObject({ tasks: null, shortfall: true, limited: true });
    // The service's claim takes the limited task (from two sub-buckets), then the plain one.
    const [first] = await claim('split-agent');
    expect(first.workflowId).toBe(limited.body.data.id);
    const [second] = await claim('split-agent');
    expect(second.workflowId).toBe(plain.id);
    const left = await call('GET', '/rate-limits/split', reader);
    expect(left.body.data.tokens).toBeCloseTo(305, 2);
  });

  it('serve claims under two limits at once, each exact, with no claim failing', async () => {
    const agents = Array.from({ length: 8 }, (_, i) => `two-${i}`);
    for (const id of agents) await register(id, ['two-a', 'two-b']);
    for (const key of ['two-a', 'two-b'])
      expect(
        (await call('POST', '/rate-limits', writer, { key, perMinute: 0.001, burst: 12 })).status,
      ).toBe(201);
    await define('two-flow', [
      { key: 'a', skill: 'two-a', rateLimit: 'two-a' },
      { key: 'b', skill: 'two-b', rateLimit: 'two-b' },
    ]);
    for (let i = 0; i < 20; i++) await start('two-flow');
    // Claims of several tasks that each look at both limits' queues, all at once, until a round
    // gets nothing; then one agent alone until it gets nothing.
    const claimed = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM workflow_tasks
            WHERE rate_limit_key IN ('two-a', 'two-b') AND status = 'claimed'`,
        )
      ).rows[0].n as number;
    for (let before = -1, round = 0; before !== (await claimed()); round++) {
      before = await claimed();
      await Promise.all(agents.map((id, i) => claim(id, { max: 1 + ((i + round) % 3) })));
    }
    while ((await claim(agents[0], { max: 3 })).length > 0);
    const counts = await db.query(
      `SELECT rate_limit_key AS key, count(*)::int AS n FROM workflow_tasks
        WHERE rate_limit_key IN ('two-a', 'two-b') AND status = 'claimed'
        GROUP BY rate_limit_key ORDER BY 1`,
    );
    expect(counts.rows).toEqual([
      { key: 'two-a', n: 12 },
      { key: 'two-b', n: 12 },
    ]);
  });
});
