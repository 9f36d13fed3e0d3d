import { Client } from 'pg';
import { requestContext } from '../src/common/context/request-context';
import { UnitOfWork } from '../src/database/unit-of-work';
import { EventsService } from '../src/events/events.service';
import { bucketMiddleMs, bucketOf } from '../src/agents/latency-histogram';
import { wilsonLowerBound } from '../src/agents/wilson';

/** What the board shows for a median of `ms`: the middle of its √2-wide bucket, to 0.1 ms. */
const p50 = (ms: number) => Math.round(bucketMiddleMs(bucketOf(ms)) * 10) / 10;
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

describe('agent leaderboard fed by task outcome events', () => {
  let test: TestApp;
  let writer: { authorization: string };
  let db: Client;

  beforeAll(async () => {
    test = await startTestApp();
    writer = {
      authorization: (await createKey(test, { scopes: ['agents:write', 'agents:read'] }))
        .authorization,
    };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    for (const [id, skill] of [
      ['lb-a', 'Code'],
      ['lb-b', 'Code'],
      ['lb-c', 'code-review'],
      ['lb-idle', 'Code'],
    ]) {
      const response = await test.http
        .post('/api/v1/agents')
        .set(writer)
        .send({ id, name: id.toUpperCase(), skills: [{ name: skill }] });
      expect(response.status).toBe(201);
    }
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  /** Task outcomes as the workflows module emits them, through the real outbox. */
  async function outcomes(
    agentId: string,
    skill: string,
    counts: { succeeded?: number; failed?: number; timedOut?: number },
    durationMs: number,
  ): Promise<void> {
    const events = test.app.get(EventsService);
    const types = [
      ...Array<string>(counts.succeeded ?? 0).fill('task.succeeded'),
      ...Array<string>(counts.failed ?? 0).fill('task.failed'),
      ...Array<string>(counts.timedOut ?? 0).fill('task.timed_out'),
    ];
    await requestContext.run({ correlationId: `lb-${agentId}`, tenantId: 'default' }, () =>
      test.app.get(UnitOfWork).run(async (tx) => {
        for (const [index, type] of types.entries()) {
          await events.emit(tx, {
            type,
            subject: { type: 'workflow', id: `run-${agentId}` },
            data: { taskId: `${agentId}-${index}`, agentId, skill, attempt: 1, durationMs },
          });
        }
      }),
    );
  }

  async function board(query: string) {
    const response = await test.http.get(`/api/v1/agents/leaderboard${query}`).set(writer);
    expect(response.status).toBe(200);
    return response.body as {
      data: { leaderboard: Array<Record<string, unknown>> };
      meta: { nextCursor: string | null };
    };
  }

  it('ranks by the Wilson lower bound, counting failures and time-outs, then latency', async () => {
    await outcomes('lb-a', 'code', { succeeded: 9, failed: 1 }, 100);
    await outcomes('lb-b', 'code', { succeeded: 95, failed: 3, timedOut: 2 }, 200);
    await outcomes('lb-c', 'code-review', { succeeded: 50 }, 50);
    await outcomes('lb-c', 'code-review', { succeeded: 60 }, 5_000);
    await waitFor(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM events e WHERE e.subject_id LIKE 'run-lb-%'
              HAVING count(*) FILTER (WHERE e.id IN (SELECT event_id FROM event_outbox)) = 0`,
          )
        ).rows[0],
      10_000,
      'outcomes to be counted',
    );

    const bySkill = await board('?skill=code');
    expect(bySkill.data.leaderboard).toEqual([
      {
        rank: 1,
        agentId: 'lb-b',
        name: 'LB-B',
        status: 'online',
        skill: 'code',
        successes: 95,
        failures: 5,
        total: 100,
        successRate: 0.95,
        wilsonLowerBound: expect.closeTo(wilsonLowerBound(95, 100), 10),
        p50LatencyMs: p50(200),
        quarantined: [],
        quarantineDeferred: [],
      },
      expect.objectContaining({
        rank: 2,
        agentId: 'lb-a',
        successes: 9,
        failures: 1,
        wilsonLowerBound: expect.closeTo(wilsonLowerBound(9, 10), 10),
        p50LatencyMs: p50(100),
        quarantined: [],
        quarantineDeferred: [],
      }),
      expect.objectContaining({ rank: 3, agentId: 'lb-idle', total: 0, wilsonLowerBound: 0 }),
    ]);
    // A skill by its name finds the same agents.
    expect((await board('?skill=Code')).data.leaderboard.map((row) => row.agentId)).toEqual([
      'lb-b',
      'lb-a',
      'lb-idle',
    ]);

    const all = await board('');
    // 60 of lb-c's 110 tasks took 5 s: its median is theirs.
    expect(all.data.leaderboard[0]).toMatchObject({ agentId: 'lb-c', p50LatencyMs: p50(5_000) });
    expect(all.data.leaderboard.map((row) => row.agentId)).toEqual([
      'lb-c',
      'lb-b',
      'lb-a',
      'lb-idle',
    ]);

    // Pages follow the rank.
    const first = await board('?limit=2');
    expect(first.data.leaderboard.map((row) => row.agentId)).toEqual(['lb-c', 'lb-b']);
    const second = await board(`?limit=2&cursor=${first.meta.nextCursor}`);
    expect(second.data.leaderboard.map((row) => [row.rank, row.agentId])).toEqual([
      [3, 'lb-a'],
      [4, 'lb-idle'],
    ]);
    expect(second.meta.nextCursor).toBeNull();
  });

  it('counts only outcomes inside the window', async () => {
    await db.query(
      `INSERT INTO agent_task_stats (tenant_id, agent_id, skill_id, hour, succeeded, failed)
       VALUES ('default', 'lb-idle', 'code', date_trunc('hour', now() - interval '50 hours'), 500, 0)`,
    );
    const day = await board('?skill=code&window=24h');
    expect(day.data.leaderboard.find((row) => row.agentId === 'lb-idle')).toMatchObject({
      total: 0,
    });
    const threeDays = await board('?skill=code&window=3d');
    expect(threeDays.data.leaderboard[0]).toMatchObject({ agentId: 'lb-idle', successes: 500 });
    expect((await board('?skill=code&window=72')).data.leaderboard[0].agentId).toBe('lb-idle');
  });

  it.each([
    ['a negative offset', Buffer.from('[-1]').toString('base64url')],
    ['a number instead of the issued string', Buffer.from('[2]').toString('base64url')],
    ['a huge offset', Buffer.from('["99999999"]').toString('base64url')],
  ])('rejects a forged cursor (%s) with a 400', async (_what, cursor) => {
    const response = await test.http.get(`/api/v1/agents/leaderboard?cursor=${cursor}`).set(writer);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('cursor');
  });

  it.each(['0h', '7w', '-1', 'abc', '91d', '1.5h'])(
    'rejects window=%s with a 400',
    async (window) => {
      const response = await test.http
        .get(`/api/v1/agents/leaderboard?window=${window}`)
        .set(writer);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expect(response.body.errors[0].field).toBe('window');
    },
  );
});
