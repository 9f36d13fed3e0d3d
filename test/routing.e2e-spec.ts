import { Client } from 'pg';
import { someoneWaitsForALock } from './utils/databases';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = Record<string, string>;

/**
 * Outcome-aware routing and quarantine, with simulated agents of known success rates: each
 * succeeds or fails its tasks by a fixed pattern (9 in 10, 3 in 10), over the real API.
 */
describe('outcome routing and quarantine', () => {
  let test: TestApp;
  let db: Client;
  let operator: Headers;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = test.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };

  const register = async (id: string, skill: string) => {
    const response = await call('POST', '/agents', operator, {
      id,
      name: id,
      skills: [{ id: skill, name: skill }],
      heartbeatIntervalSeconds: 3600,
    });
    expect(response.status).toBe(201);
  };

  const define = async (body: Json) => {
    const response = await call('POST', '/workflow-definitions', operator, body);
    expect(response.status).toBe(201);
  };

  const start = async (definitionKey: string): Promise<string> => {
    const response = await call('POST', '/workflows', operator, { definitionKey });
    expect(response.status).toBe(201);
    return response.body.data.id as string;
  };

  const claim = async (agentId: string, waitSeconds: number): Promise<Json[]> => {
    const response = await call('POST', `/agents/${agentId}/tasks/claim`, operator, {
      waitSeconds,
    });
    expect(response.status).toBe(200);
    return response.body.data.tasks as Json[];
  };

  /** Succeeds when `pattern[n % 10]` is true for its n-th task, else fails without retry. */
  const finish = async (task: Json, succeed: boolean) => {
    const response = succeed
      ? await call('POST', `/tasks/${task.id}/complete`, operator, {
          leaseToken: task.leaseToken,
          output: {},
        })
      : await call('POST', `/tasks/${task.id}/fail`, operator, {
          leaseToken: task.leaseToken,
          error: { message: 'simulated failure' },
          retryable: false,
        });
    expect(response.status).toBe(200);
  };

  /**
   * Until the failure of this task is judged: the event dispatcher's handlers judge an outcome
   * in the transaction that takes its event out of the outbox, so once it is out, it has been.
   */
  const judged = (taskId: string) =>
    waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT 1 FROM events e
            WHERE e.type = 'task.failed' AND e.data->>'taskId' = $1
              AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)`,
          [taskId],
        );
        return rows.length > 0 ? true : undefined;
      },
      10_000,
      'the failure judged',
    );

  const settle = async (patch: Json) => {
    const response = await call('PATCH', '/routing/settings', operator, patch);
    expect(response.status).toBe(200);
    return response.body.data as Json;
  };

  const runFinished = (id: string) =>
    waitFor(
      async () => {
        const run = await call('GET', `/workflows/${id}`, operator);
        return ['succeeded', 'failed'].includes(run.body.data.status as string) ? true : undefined;
      },
      20_000,
      `run ${id} to finish`,
    );

  const waiting = async (agentIds: string[]) =>
    waitFor(
      async () => {
        const { rows } = await db.query<{ agent_id: string }>(
          `SELECT agent_id FROM agent_claim_waits WHERE until > now() AND agent_id = ANY($1)`,
          [agentIds],
        );
        return rows.length === agentIds.length ? true : undefined;
      },
      10_000,
      `${agentIds.join(', ')} to wait for work`,
    );

  const events = async (type: string, agentId: string) => {
    const { rows } = await db.query<{ data: Json }>(
      `SELECT data FROM events WHERE type = $1 AND subject_id = $2 ORDER BY id`,
      [type, agentId],
    );
    return rows.map((row) => row.data);
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '10000000', LOG_LEVEL: 'error' });
    operator = {
      authorization: (
        await createKey(test, {
          scopes: [
            'workflows:write',
            'workflows:read',
            'agents:write',
            'agents:read',
            'tasks:work',
            'audit:read',
          ],
        })
      ).authorization,
    };
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
  });

  it('answers the default settings, and refuses bad ones naming the field', async () => {
    const settings = await call('GET', '/routing/settings', operator);
    expect(settings.body.data).toEqual({
      quarantineThreshold: 0.2,
      quarantineMinSamples: 20,
      outcomeWindow: 50,
      quarantineCooldownSeconds: 900,
      reservationMs: 1000,
      updatedAt: null,
    });
    for (const [patch, field] of [
      [{ quarantineThreshold: 1 }, 'quarantineThreshold'],
      [{ quarantineMinSamples: 0 }, 'quarantineMinSamples'],
      [{ reservationMs: 10 }, 'reservationMs'],
      [{ outcomeWindow: 10 }, 'outcomeWindow'],
      [{ cooldown: 5 }, 'cooldown'],
    ] as const) {
      const refused = await call('PATCH', '/routing/settings', operator, patch);
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: Json) => e.field)).toContain(field);
    }
    expect((await call('GET', '/routing/settings', operator)).body.data.updatedAt).toBeNull();
    await register('agent-self', 'self');
    const own = {
      authorization: (
        await createKey(test, { scopes: ['agents:write', 'agents:read'], agentId: 'agent-self' })
      ).authorization,
    };
    expect((await call('PATCH', '/routing/settings', own, { reservationMs: 100 })).status).toBe(
      403,
    );
    expect((await call('POST', '/agents/agent-self/release', own, {})).status).toBe(403);
  });

  it('refuses an unknown routing value, naming the step', async () => {
    const bad = await call('POST', '/workflow-definitions', operator, {
      key: 'bad-routing',
      steps: [
        { key: 'a', skill: 'x' },
        { key: 'b', skill: 'x', routing: 'random' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'steps[1].routing', message: 'must be one of "fifo", "outcome"' },
    ]);
    const onWait = await call('POST', '/workflow-definitions', operator, {
      key: 'bad-routing',
      steps: [{ key: 'a', kind: 'sleep', seconds: 1, routing: 'outcome' }],
    });
    expect(onWait.status).toBe(400);
    expect(onWait.body.errors[0].field).toBe('steps[0].routing');
    const definitionLevel = await call('POST', '/workflow-definitions', operator, {
      key: 'bad-routing',
      routing: 'best',
      steps: [{ key: 'a', skill: 'x' }],
    });
    expect(definitionLevel.status).toBe(400);
    expect(definitionLevel.body.errors.map((e: Json) => e.field)).toContain('routing');
    expect((await call('GET', '/workflow-definitions/bad-routing', operator)).status).toBe(404);
  });

  it('a definition routing "outcome" stores it on its task steps; fifo ones carry nothing', async () => {
    await define({
      key: 'routed-steps',
      routing: 'outcome',
      steps: [
        { key: 'a', skill: 'x' },
        { key: 'b', skill: 'x', routing: 'fifo', dependsOn: ['a'] },
      ],
    });
    const stored = await call('GET', '/workflow-definitions/routed-steps', operator);
    expect(stored.body.data.steps.map((s: Json) => s.routing)).toEqual(['outcome', undefined]);
  });

  it('gives most of the work to the better agent (Thompson sampling over outcomes)', async () => {
    await settle({ quarantineThreshold: 0, reservationMs: 2000 });
    await register('good', 'summarise');
    await register('poor', 'summarise');
    await define({ key: 'summary', routing: 'outcome', steps: [{ key: 's', skill: 'summarise' }] });
    const patterns: Record<string, boolean[]> = {
      good: [true, true, true, true, false, true, true, true, true, true],
      poor: [true, false, false, true, false, false, true, false, false, false],
    };
    const done: Record<string, number> = { good: 0, poor: 0 };
    let stop = false;
    const work = async (agentId: string) => {
      while (!stop) {
        for (const task of await claim(agentId, 2)) {
          await finish(task, patterns[agentId][done[agentId] % 10]);
          done[agentId] += 1;
        }
      }
    };
    const workers = [work('good'), work('poor')];
    try {
      for (let i = 0; i < 60; i++) {
        await waiting(['good', 'poor']);
        await runFinished(await start('summary'));
      }
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(done.good + done.poor).toBe(60);
    // Thompson sampling keeps exploring, so the poor agent gets some; far fewer than half.
    expect(done.good).toBeGreaterThan(40);
    // Every outcome lands in the agents' windows (from the outbox, so shortly after), each
    // keeping its latest outcomeWindow (50).
    const expected = [
      { agent_id: 'good', n: Math.min(done.good, 50) },
      { agent_id: 'poor', n: Math.min(done.poor, 50) },
    ].filter((row) => row.n > 0);
    await waitFor(
      async () => {
        const { rows } = await db.query<{ agent_id: string; n: number }>(
          `SELECT agent_id, cardinality(recent) AS n FROM agent_skill_outcomes
            WHERE skill_id = 'summarise' ORDER BY agent_id`,
        );
        return JSON.stringify(rows) === JSON.stringify(expected) ? true : undefined;
      },
      10_000,
      'the outcomes to be recorded',
    );
  }, 180_000);

  it('holds a reserved task for its agent, then lets anyone have it', async () => {
    await settle({ reservationMs: 1500 });
    await register('absent', 'translate');
    await register('present', 'translate');
    await define({
      key: 'translation',
      steps: [{ key: 't', skill: 'translate', routing: 'outcome' }],
    });
    // An agent waiting on a replica that has since gone: the draw can only pick it.
    await db.query(
      `INSERT INTO agent_claim_waits (tenant_id, agent_id, until)
       VALUES ('default', 'absent', now() + interval '1 minute')`,
    );
    const run = await start('translation');
    const { rows } = await db.query<{ reserved_for: string | null }>(
      `SELECT reserved_for FROM workflow_tasks WHERE run_id = $1`,
      [run],
    );
    expect(rows).toEqual([{ reserved_for: 'absent' }]);
    expect(await claim('present', 0)).toEqual([]);
    const [task] = await claim('present', 10);
    expect(task).toMatchObject({ workflowId: run, skill: 'translate' });
    await finish(task, true);
    await db.query(`DELETE FROM agent_claim_waits WHERE agent_id = 'absent'`);
    // No agent waiting: the task is not reserved; whoever claims first has it.
    const open = await start('translation');
    expect(
      (await db.query(`SELECT reserved_for FROM workflow_tasks WHERE run_id = $1`, [open])).rows,
    ).toEqual([{ reserved_for: null }]);
    const [next] = await claim('absent', 0);
    expect(next).toMatchObject({ workflowId: open });
    await finish(next, true);
  });

  it('lets anyone claim a retry at once: its first draw does not hold it', async () => {
    await settle({ reservationMs: 20_000 });
    await register('drawn', 'redraw');
    await register('undrawn', 'redraw');
    await define({
      key: 'redraw',
      steps: [
        {
          key: 'r',
          skill: 'redraw',
          routing: 'outcome',
          maxAttempts: 3,
          retryBackoff: { initialSeconds: 0 },
        },
      ],
    });
    // Only `drawn` waits: the draw reserves the task for it.
    await db.query(
      `INSERT INTO agent_claim_waits (tenant_id, agent_id, until)
       VALUES ('default', 'drawn', now() + interval '1 minute')`,
    );
    const run = await start('redraw');
    const [task] = await claim('drawn', 0);
    expect(task).toMatchObject({ workflowId: run, attempt: 1 });
    await db.query(`DELETE FROM agent_claim_waits WHERE agent_id = 'drawn'`);
    const failed = await call('POST', `/tasks/${task.id}/fail`, operator, {
      leaseToken: task.leaseToken,
      error: { message: 'try again' },
      retryable: true,
    });
    expect(failed.body.data).toMatchObject({ willRetry: true });
    const [retry] = await claim('undrawn', 0);
    expect(retry).toMatchObject({ workflowId: run, attempt: 2 });
    await finish(retry, true);
  });

  it('answers a woken claim without waiting for its wait to be taken off the list', async () => {
    await register('prompt', 'summarise');
    await define({ key: 'summary', steps: [{ key: 's', skill: 'summarise' }] });
    const claiming = claim('prompt', 20);
    await waiting(['prompt']);
    // Another transaction holds the agent's wait row: whatever removes it has to wait for that.
    const holder = new Client({ connectionString: test.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM agent_claim_waits WHERE agent_id = 'prompt' FOR UPDATE`);
      const run = await start('summary');
      const answered = await Promise.race([
        claiming,
        new Promise<'no answer'>((resolve) =>
          setTimeout(() => resolve('no answer'), 8_000).unref(),
        ),
      ]);
      expect(answered).toEqual([expect.objectContaining({ workflowId: run })]);
      await holder.query('ROLLBACK');
      if (answered !== 'no answer') await finish(answered[0], true);
    } finally {
      await holder.end();
    }
    // The wait is still taken off the list, once the row is free.
    await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT 1 FROM agent_claim_waits WHERE agent_id = 'prompt'`,
        );
        return rows.length === 0 ? true : undefined;
      },
      10_000,
      "prompt's wait to be removed",
    );
  });

  it('keeps the waiting agents out of the write-ahead log; losing them in a crash costs the draw, not the task', async () => {
    // Unlogged: a long-poll's wait and its removal commit without waiting for the disk.
    const { rows: table } = await db.query<{ relpersistence: string }>(
      `SELECT relpersistence FROM pg_class WHERE oid = 'agent_claim_waits'::regclass`,
    );
    expect(table).toEqual([{ relpersistence: 'u' }]);
    await register('forgotten', 'annotate');
    await define({
      key: 'annotation',
      steps: [{ key: 'a', skill: 'annotate', routing: 'outcome' }],
    });
    const claiming = claim('forgotten', 20);
    await waiting(['forgotten']);
    // What crash recovery does to an unlogged table; the claim itself is still waiting.
    await db.query('TRUNCATE agent_claim_waits');
    const run = await start('annotation');
    // Nobody to draw: not reserved, and the waiting claim is woken by the queue all the same.
    expect(
      (await db.query(`SELECT reserved_for FROM workflow_tasks WHERE run_id = $1`, [run])).rows,
    ).toEqual([{ reserved_for: null }]);
    const [task] = await claiming;
    expect(task).toMatchObject({ workflowId: run, skill: 'annotate' });
    await finish(task, true);
  });

  it('quarantines an agent whose lower bound falls under the threshold, then releases it', async () => {
    await settle({
      quarantineThreshold: 0.5,
      quarantineMinSamples: 10,
      outcomeWindow: 20,
      quarantineCooldownSeconds: 8,
      reservationMs: 200,
    });
    await register('shaky', 'review');
    // Another agent that can review (it never claims here): shaky is not the last one.
    await register('steady', 'review');
    await define({ key: 'review', steps: [{ key: 'r', skill: 'review' }] });
    const pattern = [true, false, false, true, false, false, true, false, false, false];
    /** Works through the pattern; stops early when its claim finds nothing (quarantined). */
    const failMany = async () => {
      for (const succeed of pattern) {
        await start('review');
        const [task] = await claim('shaky', 5);
        if (!task) return;
        await finish(task, succeed);
      }
    };
    const quarantined = () =>
      waitFor(
        async () => {
          const agent = await call('GET', '/agents/shaky', operator);
          const list = agent.body.data.quarantines as Json[];
          return list.length > 0 ? list : undefined;
        },
        15_000,
        'the quarantine',
      );
    await failMany();
    const [quarantine] = await quarantined();
    expect(quarantine).toMatchObject({ skill: 'review', successes: 3, samples: 10 });
    expect(quarantine.lowerBound).toBeCloseTo(0.1078, 3);
    const [event] = await events('agent.quarantined', 'shaky');
    expect(event).toMatchObject({
      agentId: 'shaky',
      skill: 'review',
      successes: 3,
      samples: 10,
      threshold: 0.5,
      until: quarantine.until,
    });
    const audit = await call('GET', '/audit?resourceType=agent&resourceId=shaky', operator);
    expect(audit.body.data.entries.map((e: Json) => e.action)).toContain('agent.quarantine');
    // Discovery and the leaderboard show it.
    const listed = await call('GET', '/agents?skill=review', operator);
    const shaky = (listed.body.data.agents as Json[]).find((a) => a.id === 'shaky')!;
    expect(shaky.quarantines).toEqual([quarantine]);
    expect(shaky.quarantineDeferrals).toEqual([]);
    const board = await call('GET', '/agents/leaderboard?skill=review', operator);
    expect(board.body.data.leaderboard).toContainEqual(
      expect.objectContaining({ agentId: 'shaky', quarantined: ['review'] }),
    );
    // No task of the skill for it while quarantined, even one queued and waiting.
    const held = await start('review');
    expect(await claim('shaky', 0)).toEqual([]);
    // The cool-down passes: released (cooldown), the task is its again, its window is fresh.
    const released = await waitFor(
      async () => {
        const list = await events('agent.released', 'shaky');
        return list.length > 0 ? list : undefined;
      },
      30_000,
      'the release after the cool-down',
    );
    expect(released).toEqual([{ agentId: 'shaky', skill: 'review', reason: 'cooldown' }]);
    expect((await call('GET', '/agents/shaky', operator)).body.data.quarantines).toEqual([]);
    const [again] = await claim('shaky', 5);
    expect(again).toMatchObject({ workflowId: held });
    await finish(again, true);
    await waitFor(
      async () => {
        const { rows } = await db.query<{ recent: boolean[] }>(
          `SELECT recent FROM agent_skill_outcomes WHERE agent_id = 'shaky'`,
        );
        return JSON.stringify(rows) === JSON.stringify([{ recent: [true] }]) ? true : undefined;
      },
      10_000,
      'a fresh window holding the one outcome since the release',
    );
    // Quarantined again on fresh failures; this time an operator releases it (a cool-down long
    // enough that only the operator can end it).
    await settle({ quarantineCooldownSeconds: 600 });
    await failMany();
    await quarantined();
    expect((await call('POST', '/agents/nobody/release', operator, {})).status).toBe(404);
    expect(
      (await call('POST', '/agents/shaky/release', operator, { skill: 'review', extra: 1 })).status,
    ).toBe(400);
    const byOperator = await call('POST', '/agents/shaky/release', operator, { skill: 'review' });
    expect(byOperator).toEqual({
      status: 200,
      body: { data: { agentId: 'shaky', released: ['review'] } },
    });
    expect((await events('agent.released', 'shaky')).at(-1)).toEqual({
      agentId: 'shaky',
      skill: 'review',
      reason: 'operator',
    });
    expect((await call('GET', '/agents/shaky', operator)).body.data.quarantines).toEqual([]);
    const again2 = await call('POST', '/agents/shaky/release', operator, {});
    expect(again2.body.data.released).toEqual([]);
    const actions = (
      await call('GET', '/audit?resourceType=agent&resourceId=shaky&action=agent.release', operator)
    ).body.data.entries.map((e: Json) => e.after.reason);
    expect(actions.sort()).toEqual(['cooldown', 'operator']);
  }, 120_000);
  it('keeps no outcome for a skill its agent lost while the outcome was being recorded', async () => {
    await register('racer', 'race-skill');
    await define({ key: 'race', steps: [{ key: 'r', skill: 'race-skill' }] });
    const outcomes = async () =>
      (
        await db.query<{ recent: boolean[] }>(
          `SELECT recent FROM agent_skill_outcomes WHERE agent_id = 'racer'`,
        )
      ).rows.map((row) => row.recent);
    await start('race');
    const [first] = await claim('racer', 5);
    await finish(first, true);
    await waitFor(
      async () => ((await outcomes()).length > 0 ? true : undefined),
      10_000,
      'the first outcome',
    );
    await start('race');
    const [second] = await claim('racer', 5);
    // The agent loses the skill in a transaction held open, as registering it again without the
    // skill does (its skills, then its windows), while the failure's outcome is recorded.
    const change = new Client({ connectionString: test.db.url });
    await change.connect();
    try {
      await change.query('BEGIN');
      await change.query(`DELETE FROM agent_skills WHERE agent_id = 'racer'`);
      await change.query(`DELETE FROM agent_skill_outcomes WHERE agent_id = 'racer'`);
      await finish(second, false);
      await waitFor(
        async () => ((await someoneWaitsForALock(db)) ? true : undefined),
        10_000,
        'the outcome to wait for the change',
      );
      await change.query('COMMIT');
    } finally {
      await change.end();
    }
    await waitFor(
      async () => {
        const { rows } = await db.query(`SELECT 1 FROM event_outbox LIMIT 1`);
        return rows.length === 0 ? true : undefined;
      },
      10_000,
      'the failure to be dispatched',
    );
    expect(await outcomes()).toEqual([]);
  });

  it('ends a quarantine with the agent or its skill: registered again, it is judged afresh', async () => {
    await settle({
      quarantineThreshold: 0.5,
      quarantineMinSamples: 3,
      outcomeWindow: 10,
      quarantineCooldownSeconds: 600,
    });
    await register('gone', 'gone-skill');
    await register('gone-peer', 'gone-skill');
    await define({ key: 'gone', steps: [{ key: 'g', skill: 'gone-skill' }] });
    const quarantines = async () =>
      (await call('GET', '/agents/gone', operator)).body.data.quarantines as Json[];
    // Fails its tasks until it is quarantined, each failure judged before the next run starts:
    // one started while the last failure was still being judged would wait for an agent that
    // the judgement has just quarantined.
    const quarantine = async () => {
      for (let failures = 0; (await quarantines()).length === 0; failures++) {
        expect(failures).toBeLessThan(3);
        await start('gone');
        const [task] = await claim('gone', 5);
        await finish(task, false);
        await judged(task.id as string);
      }
    };
    const window = async () =>
      (
        await db.query<{ recent: boolean[] }>(
          `SELECT recent FROM agent_skill_outcomes WHERE agent_id = 'gone' AND recent <> '{}'`,
        )
      ).rows;

    // Deregistered, then registered again under the same id: a new agent, not quarantined, its
    // outcomes its own from now on.
    await quarantine();
    expect((await call('DELETE', '/agents/gone', operator)).status).toBe(204);
    expect(await events('agent.released', 'gone')).toEqual([
      { agentId: 'gone', skill: 'gone-skill', reason: 'skill_gone' },
    ]);
    await register('gone', 'gone-skill');
    expect(await quarantines()).toEqual([]);
    expect(await window()).toEqual([]);
    const queued = await start('gone');
    const [task] = await claim('gone', 5);
    expect(task).toMatchObject({ workflowId: queued });
    await finish(task, true);

    // Registered again without the skill: no quarantine from a skill it does not have, and none
    // when it takes the skill up again later.
    await quarantine();
    const without = await call('PUT', '/agents/gone', operator, {
      name: 'gone',
      skills: [{ id: 'other-skill', name: 'other' }],
      heartbeatIntervalSeconds: 3600,
    });
    expect(without.status).toBe(200);
    expect(without.body.data.quarantines).toEqual([]);
    expect((await events('agent.released', 'gone')).map((event) => event.reason)).toEqual([
      'skill_gone',
      'skill_gone',
    ]);
    expect(await window()).toEqual([]);
    const back = await call('PUT', '/agents/gone', operator, {
      name: 'gone',
      skills: [{ id: 'gone-skill', name: 'gone-skill' }],
      heartbeatIntervalSeconds: 3600,
    });
    expect(back.body.data.quarantines).toEqual([]);
    const later = await start('gone');
    expect(await claim('gone', 5)).toMatchObject([{ workflowId: later }]);

    // Releasing a skill the agent has, not quarantined: nothing to release. One it has not (a
    // typo): a 404 naming it, not the same empty answer.
    const none = await call('POST', '/agents/gone/release', operator, { skill: 'gone-skill' });
    expect(none).toEqual({ status: 200, body: { data: { agentId: 'gone', released: [] } } });
    const typo = await call('POST', '/agents/gone/release', operator, { skill: 'gone-skil' });
    expect(typo.status).toBe(404);
    expect(typo.body).toMatchObject({
      status: 404,
      detail: 'Agent "gone" has no skill "gone-skil".',
    });
  }, 60_000);

  it('does not quarantine an agent from a skill it no longer has on an outcome that comes after', async () => {
    await settle({
      quarantineThreshold: 0.5,
      quarantineMinSamples: 1,
      outcomeWindow: 10,
      quarantineCooldownSeconds: 600,
    });
    await register('late', 'late-skill');
    await register('late-peer', 'late-skill');
    await define({ key: 'late', steps: [{ key: 'l', skill: 'late-skill' }] });
    await start('late');
    const [task] = await claim('late', 5);
    // Registered again without the skill while it holds the task; its failure is judged after.
    const without = await call('PUT', '/agents/late', operator, {
      name: 'late',
      skills: [{ id: 'other-skill', name: 'other' }],
      heartbeatIntervalSeconds: 3600,
    });
    expect(without.status).toBe(200);
    await finish(task, false);
    await judged(task.id as string);
    expect((await call('GET', '/agents/late', operator)).body.data.quarantines).toEqual([]);
    const { rows } = await db.query(
      `SELECT skill_id FROM agent_quarantines WHERE agent_id = 'late'
       UNION ALL SELECT skill_id FROM agent_quarantine_deferrals WHERE agent_id = 'late'`,
    );
    expect(rows).toEqual([]);
  }, 30_000);

  it('never quarantines the last agent that can take a skill: defers it, then quarantines it once another can', async () => {
    await settle({
      quarantineThreshold: 0.5,
      quarantineMinSamples: 10,
      outcomeWindow: 20,
      quarantineCooldownSeconds: 600,
      reservationMs: 200,
    });
    await register('lone', 'proofread');
    await define({ key: 'proofread', steps: [{ key: 'p', skill: 'proofread' }] });
    const pattern = [true, false, false, true, false, false, true, false, false, false];
    /** Every task of the pattern is claimed: the agent is never kept from the skill. */
    const work = async (agentId: string, outcomes: boolean[]) => {
      for (const succeed of outcomes) {
        await start('proofread');
        const [task] = await claim(agentId, 5);
        expect(task).toMatchObject({ skill: 'proofread' });
        await finish(task, succeed);
      }
    };
    const agent = async (id: string) => (await call('GET', `/agents/${id}`, operator)).body.data;
    const until = (what: string, check: (agent: Json) => boolean, id: string) =>
      waitFor(async () => ((a) => (check(a) ? a : undefined))(await agent(id)), 15_000, what);
    const endings = async (agentId: string) =>
      (await events('agent.quarantine.deferral_ended', agentId)).map((e) => e.reason as string);

    // 3 in 10 with no other agent for proofread: deferred, not quarantined.
    await work('lone', pattern);
    let lone = await until('the deferral', (a) => a.quarantineDeferrals.length > 0, 'lone');
    expect(lone.quarantines).toEqual([]);
    expect(lone.quarantineDeferrals).toEqual([
      {
        skill: 'proofread',
        since: expect.any(String),
        lowerBound: expect.closeTo(0.1078, 3),
        successes: 3,
        samples: 10,
        reason: 'last_healthy_agent',
      },
    ]);
    expect(await events('agent.quarantine.deferred', 'lone')).toEqual([
      {
        agentId: 'lone',
        skill: 'proofread',
        lowerBound: expect.closeTo(0.1078, 3),
        successes: 3,
        samples: 10,
        threshold: 0.5,
        reason: 'last_healthy_agent',
      },
    ]);
    expect(await events('agent.quarantined', 'lone')).toEqual([]);
    const board = await call('GET', '/agents/leaderboard?skill=proofread', operator);
    expect(board.body.data.leaderboard).toEqual([
      expect.objectContaining({
        agentId: 'lone',
        quarantined: [],
        quarantineDeferred: ['proofread'],
      }),
    ]);
    const audit = await call('GET', '/audit?resourceType=agent&resourceId=lone', operator);
    expect(audit.body.data.entries.map((e: Json) => e.action)).toContain('agent.quarantine.defer');

    // It keeps working the skill; another failure updates the deferral, without a new event.
    await work('lone', [false]);
    lone = await until(
      'the deferral to count 11',
      (a) => a.quarantineDeferrals[0]?.samples === 11,
      'lone',
    );
    expect(lone.quarantineDeferrals[0]).toMatchObject({ successes: 3, samples: 11 });
    expect(await events('agent.quarantine.deferred', 'lone')).toHaveLength(1);

    // Another agent can take proofread now: the sweeper quarantines lone, ending the deferral.
    await register('backup', 'proofread');
    lone = await until('the quarantine', (a) => a.quarantines.length > 0, 'lone');
    expect(lone.quarantines).toEqual([
      expect.objectContaining({ skill: 'proofread', successes: 3, samples: 11 }),
    ]);
    expect(lone.quarantineDeferrals).toEqual([]);
    expect(await endings('lone')).toEqual(['quarantined']);
    expect(await events('agent.quarantined', 'lone')).toHaveLength(1);

    // backup fails alike: the last agent that can take proofread now, so it is deferred.
    await work('backup', pattern);
    await until('the deferral of backup', (a) => a.quarantineDeferrals.length > 0, 'backup');
    expect((await agent('backup')).quarantines).toEqual([]);

    // Quarantine turned off: the deferral is no longer warranted, and ends.
    await settle({ quarantineThreshold: 0 });
    await until('the deferral to end', (a) => a.quarantineDeferrals.length === 0, 'backup');
    expect(await endings('backup')).toEqual(['not_warranted']);

    // On again, one more failure defers it again; an operator then vouches for it: the deferral
    // ends and its outcomes start afresh.
    await settle({ quarantineThreshold: 0.5 });
    await work('backup', [false]);
    await until('the deferral again', (a) => a.quarantineDeferrals.length > 0, 'backup');
    expect(await events('agent.quarantine.deferred', 'backup')).toHaveLength(2);
    const released = await call('POST', '/agents/backup/release', operator, {});
    expect(released.body).toEqual({ data: { agentId: 'backup', released: ['proofread'] } });
    expect(await endings('backup')).toEqual(['not_warranted', 'operator']);
    expect((await agent('backup')).quarantineDeferrals).toEqual([]);
    const { rows } = await db.query<{ recent: boolean[] }>(
      `SELECT recent FROM agent_skill_outcomes WHERE agent_id = 'backup'`,
    );
    expect(rows).toEqual([{ recent: [] }]);
    expect(await events('agent.quarantined', 'backup')).toEqual([]);
  }, 120_000);

  /** One failure quarantines (another agent covers the skill) for a cool-down of `cooldown`. */
  const quarantineOnFirstFailure = (cooldown = 600) =>
    settle({
      quarantineThreshold: 0.5,
      quarantineMinSamples: 1,
      outcomeWindow: 3,
      quarantineCooldownSeconds: cooldown,
      reservationMs: 200,
    });

  /**
   * Quarantine on the first failure, then `agent`'s one task of `skill` fails and is judged;
   * `covered`: another agent (`<agent>-cover`) has the skill too, so the quarantine is not
   * deferred.
   */
  const failOnce = async (agent: string, skill: string, step: string, covered: boolean) => {
    await quarantineOnFirstFailure();
    await register(agent, skill);
    if (covered) await register(`${agent}-cover`, skill);
    await define({ key: agent, steps: [{ key: step, skill }] });
    await start(agent);
    const [task] = await claim(agent, 5);
    await finish(task, false);
    await judged(task.id as string);
  };

  it('releases a quarantine past its cool-down before judging an outcome that comes before the sweep', async () => {
    await settle({
      quarantineThreshold: 0.9,
      quarantineMinSamples: 3,
      outcomeWindow: 3,
      quarantineCooldownSeconds: 600,
      reservationMs: 200,
    });
    await register('lapsed', 'lapse');
    await register('lapsed-cover', 'lapse');
    await define({ key: 'lapse', steps: [{ key: 'l', skill: 'lapse' }] });
    const tasks: Json[] = [];
    for (let i = 0; i < 4; i += 1) {
      await start('lapse');
      tasks.push(...(await claim('lapsed', 5)));
    }
    expect(tasks).toHaveLength(4);
    for (const task of tasks.slice(0, 3)) await finish(task, false);
    await judged(tasks[2].id as string);
    expect(await events('agent.quarantined', 'lapsed')).toHaveLength(1);
    // The cool-down ends, and the sweep has not come yet: the row is held from it (it skips
    // what it cannot lock), while its cool-down is moved into the past.
    const sweep = new Client({ connectionString: test.db.url });
    await sweep.connect();
    try {
      await sweep.query('BEGIN');
      await sweep.query(`SELECT 1 FROM agent_quarantines WHERE agent_id = 'lapsed' FOR KEY SHARE`);
      await db.query(
        `UPDATE agent_quarantines SET until = now() - interval '1 second' WHERE agent_id = 'lapsed'`,
      );
      await finish(tasks[3], false);
      // The outcome's recording waits for the row (to release it first), or, judged in place,
      // does not.
      await waitFor(
        async () =>
          (await someoneWaitsForALock(db)) ||
          (await events('agent.quarantined', 'lapsed')).length > 1 ||
          undefined,
        10_000,
        'the outcome recorded or waiting',
      );
    } finally {
      await sweep.query('COMMIT').catch(() => undefined);
      await sweep.end();
    }
    await judged(tasks[3].id as string);
    // Released once, at its cool-down; the one outcome since then is a fresh window (one of the
    // three samples a quarantine needs), so not quarantined again on the outcomes behind it.
    await waitFor(
      async () => ((await events('agent.released', 'lapsed')).length > 0 ? true : undefined),
      10_000,
      'the release',
    );
    expect(await events('agent.released', 'lapsed')).toEqual([
      { agentId: 'lapsed', skill: 'lapse', reason: 'cooldown' },
    ]);
    expect(await events('agent.quarantined', 'lapsed')).toHaveLength(1);
    expect((await call('GET', '/agents/lapsed', operator)).body.data.quarantines).toEqual([]);
    const { rows } = await db.query<{ recent: boolean[] }>(
      `SELECT recent FROM agent_skill_outcomes WHERE agent_id = 'lapsed'`,
    );
    expect(rows).toEqual([{ recent: [false] }]);
  }, 60_000);

  it("wakes a quarantined agent's waiting claim when its quarantine ends", async () => {
    await failOnce('benched', 'bench-skill', 'b', true);
    expect((await call('GET', '/agents/benched', operator)).body.data.quarantines).toHaveLength(1);
    const queued = await start('benched');
    // It waits (quarantined from its one skill, it still long-polls); an operator releases it.
    const waited = claim('benched', 10);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const released = await call('POST', '/agents/benched/release', operator, {});
    expect(released.body.data.released).toEqual(['bench-skill']);
    const started = Date.now();
    const [got] = await waited;
    expect(got).toMatchObject({ workflowId: queued });
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 60_000);

  it("keeps an operator's release of a deferred quarantine that the sweep was deciding meanwhile", async () => {
    await failOnce('alone', 'alone-skill', 'a', false);
    const deferred = (await call('GET', '/agents/alone', operator)).body.data;
    expect(deferred.quarantineDeferrals).toHaveLength(1);
    // The sweep will quarantine it once another agent covers the skill: its quarantine's row is
    // held back (an uncommitted insert of the same key) while it decides, and an operator
    // releases the agent meanwhile.
    const blocker = new Client({ connectionString: test.db.url });
    await blocker.connect();
    let release: Promise<{ status: number; body: Json }> | undefined;
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO agent_quarantines (tenant_id, agent_id, skill_id, since, until, lower_bound,
                                        successes, samples)
         SELECT tenant_id, agent_id, skill_id, now(), now(), 0, 0, 0
           FROM agent_quarantine_deferrals WHERE agent_id = 'alone'`,
      );
      await register('alone-cover', 'alone-skill');
      await waitFor(
        async () => ((await someoneWaitsForALock(db)) ? true : undefined),
        10_000,
        'the sweep deciding',
      );
      release = call('POST', '/agents/alone/release', operator, {});
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
    const released = await release;
    expect(released.status).toBe(200);
    expect(released.body.data.released).toEqual(['alone-skill']);
    // Whatever the sweep decided before it, the operator's release stands.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = (await call('GET', '/agents/alone', operator)).body.data;
    expect(after.quarantines).toEqual([]);
    expect(after.quarantineDeferrals).toEqual([]);
    const quarantined = await events('agent.quarantined', 'alone');
    const releases = await events('agent.released', 'alone');
    expect(releases).toHaveLength(quarantined.length);
  }, 60_000);

  it('the cool-down sweep never waits for a window an outcome holds: no deadlock with its judgement', async () => {
    await failOnce('locked', 'locked-skill', 'l', true);
    expect((await call('GET', '/agents/locked', operator)).body.data.quarantines).toHaveLength(1);
    // What recording an outcome does: its window's row, then (judging it) the quarantine's. The
    // cool-down ends meanwhile, and the sweep comes.
    const recording = new Client({ connectionString: test.db.url });
    await recording.connect();
    try {
      await recording.query('BEGIN');
      await recording.query(
        `SELECT 1 FROM agent_skill_outcomes WHERE agent_id = 'locked' FOR UPDATE`,
      );
      await db.query(
        `UPDATE agent_quarantines SET until = now() - interval '1 second' WHERE agent_id = 'locked'`,
      );
      // Two sweeps' time: one that takes the quarantine waits for the window.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      // The quarantine's row, as the judgement takes it: a deadlock if the sweep holds it.
      await expect(
        recording.query(`SELECT 1 FROM agent_quarantines WHERE agent_id = 'locked' FOR UPDATE`),
      ).resolves.toBeDefined();
      await recording.query('COMMIT');
    } finally {
      await recording.query('ROLLBACK').catch(() => undefined);
      await recording.end();
    }
    // Released at the next sweep, once.
    await waitFor(
      async () => ((await events('agent.released', 'locked')).length > 0 ? true : undefined),
      10_000,
      'the release',
    );
    expect(await events('agent.released', 'locked')).toEqual([
      { agentId: 'locked', skill: 'locked-skill', reason: 'cooldown' },
    ]);
    expect((await call('GET', '/agents/locked', operator)).body.data.quarantines).toEqual([]);
  }, 60_000);
});
