import { Client } from 'pg';
import { fireTimes } from '../src/schedules/cron';
import { ScheduleRunner } from '../src/schedules/schedule-runner';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

/**
 * Schedules and delayed starts over HTTP, against replicas sharing one database: one run per
 * tick whatever the number of runners, ticks missed while no runner was up fire once.
 */
describe('schedules and delayed starts', () => {
  // A: the API only (no runner), so a test decides when ticks fire.
  let a: TestApp;
  let db: Client;
  let writer: Headers;
  let reader: Headers;
  let worker: Headers;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = a.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };
  const tickRows = async (key: string) =>
    (
      await db.query<{ tickAt: Date; runId: string | null; outcome: string }>(
        `SELECT k.tick_at AS "tickAt", k.run_id AS "runId", k.outcome FROM schedule_ticks k
           JOIN schedules s ON s.id = k.schedule_id WHERE s.key = $1 ORDER BY k.tick_at`,
        [key],
      )
    ).rows;
  const runsOf = async (key: string) =>
    (
      await db.query<{ id: string; triggerKey: string; status: string }>(
        `SELECT r.id, r.trigger_key AS "triggerKey", r.status FROM workflow_runs r
           JOIN schedules s ON r.trigger_key LIKE 'schedule:' || s.id || ':%'
          WHERE s.key = $1 ORDER BY r.id`,
        [key],
      )
    ).rows;
  const firedEvents = async (key: string) =>
    (
      await db.query<{ data: Json }>(
        `SELECT data FROM events WHERE type = 'schedule.fired' AND data->>'key' = $1 ORDER BY position`,
        [key],
      )
    ).rows.map((row) => row.data);

  beforeAll(async () => {
    a = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000', WORKERS: 'off' });
    writer = {
      authorization: (
        await createKey(a, {
          scopes: ['workflows:write', 'workflows:read', 'agents:write', 'agents:read'],
        })
      ).authorization,
    };
    reader = { authorization: (await createKey(a, { scopes: ['workflows:read'] })).authorization };
    worker = { authorization: (await createKey(a, { scopes: ['tasks:work'] })).authorization };
    db = new Client({ connectionString: a.db.url });
    await db.connect();
    expect(
      (
        await call('POST', '/workflow-definitions', writer, {
          key: 'nightly',
          steps: [{ key: 'report', skill: 'report' }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/agents', writer, {
          id: 'reporter',
          name: 'reporter',
          skills: [{ id: 'report', name: 'report' }],
          // Silent for the whole file: not to be swept offline on a slow machine.
          heartbeatIntervalSeconds: 3600,
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await db.end();
    await a.close();
  });

  it('creates, reads with the next five fire times, changes, pauses, resumes and deletes', async () => {
    const before = Date.now();
    const created = await call('POST', '/schedules', writer, {
      key: 'morning',
      definitionKey: 'nightly',
      cron: '0 9 * * *',
      timezone: 'Asia/Kolkata',
      input: { scope: 'all' },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      key: 'morning',
      definitionKey: 'nightly',
      cron: '0 9 * * *',
      timezone: 'Asia/Kolkata',
      input: { scope: 'all' },
      overlap: 'skip',
      enabled: true,
      lastFiredAt: null,
      lastRunId: null,
    });
    // 09:00 in Kolkata (UTC+5:30, no DST) is 03:30 UTC.
    const got = await call('GET', '/schedules/morning', reader);
    expect(got.status).toBe(200);
    const times = got.body.data.nextFireTimes as string[];
    expect(times).toHaveLength(5);
    for (const time of times) expect(time).toMatch(/T03:30:00\.000Z$/);
    expect(Date.parse(times[0])).toBeGreaterThan(before);
    expect(got.body.data.nextFireAt).toBe(times[0]);

    expect((await call('POST', '/schedules', writer, { ...created.body.data })).status).toBe(400);
    const duplicate = await call('POST', '/schedules', writer, {
      key: 'morning',
      definitionKey: 'nightly',
      cron: '* * * * *',
    });
    expect(duplicate).toMatchObject({
      status: 409,
      body: { type: 'urn:agentmesh:problem:schedule-exists' },
    });
    expect((await call('POST', '/schedules', reader, { key: 'x' })).status).toBe(403);

    const patched = await call('PATCH', '/schedules/morning', writer, {
      cron: '0 9 * * *',
      timezone: 'UTC',
      overlap: 'allow',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.nextFireAt).toMatch(/T09:00:00\.000Z$/);
    expect(patched.body.data.overlap).toBe('allow');
    // null is not a value these fields can have: refused, not taken for "unchanged".
    for (const field of ['cron', 'timezone', 'definitionKey', 'overlap', 'enabled']) {
      const cleared = await call('PATCH', '/schedules/morning', writer, { [field]: null });
      expect(cleared.status).toBe(400);
      expect(cleared.body.errors).toEqual([{ field, message: `${field} cannot be null` }]);
    }

    const paused = await call('POST', '/schedules/morning/pause', writer);
    expect(paused.body.data).toMatchObject({ enabled: false, nextFireAt: null, nextFireTimes: [] });
    const resumed = await call('POST', '/schedules/morning/resume', writer);
    expect(resumed.body.data.enabled).toBe(true);
    expect(resumed.body.data.nextFireAt).toMatch(/T09:00:00\.000Z$/);

    const list = await call('GET', '/schedules', reader);
    expect(list.body.data.schedules.map((s: Json) => s.key)).toContain('morning');

    const audit = await db.query<{ action: string }>(
      `SELECT action FROM audit_entries WHERE resource_type = 'schedule' AND resource_id = 'morning'
        ORDER BY id`,
    );
    expect(audit.rows.map((row) => row.action)).toEqual([
      'schedule.create',
      'schedule.update',
      'schedule.pause',
      'schedule.resume',
    ]);

    expect((await call('DELETE', '/schedules/morning', writer)).status).toBe(204);
    expect((await call('GET', '/schedules/morning', reader)).status).toBe(404);
    expect((await call('DELETE', '/schedules/morning', writer)).status).toBe(404);
  });

  it('refuses bad cron expressions, time zones and unknown definitions with a 4xx', async () => {
    const base = { key: 'bad', definitionKey: 'nightly', cron: '0 9 * * *' };
    const cases: Array<[Json, number, string]> = [
      [{ cron: 'every day' }, 400, 'cron'],
      [{ cron: '61 * * * *' }, 400, 'cron'],
      [{ timezone: 'Mars/Olympus' }, 400, 'timezone'],
      [{ overlap: 'queue' }, 400, 'overlap'],
      [{ key: 'Not A Slug' }, 400, 'key'],
    ];
    for (const [change, status, field] of cases) {
      const response = await call('POST', '/schedules', writer, { ...base, ...change });
      expect(response.status).toBe(status);
      expect(JSON.stringify(response.body.errors)).toContain(field);
    }
    expect(
      (await call('POST', '/schedules', writer, { ...base, definitionKey: 'nope' })).status,
    ).toBe(404);
    expect((await call('GET', '/schedules', reader)).body.data.schedules).not.toContainEqual(
      expect.objectContaining({ key: 'bad' }),
    );
  });

  it('keeps an expression one space between fields and a zone by its IANA name; a PATCH that changes neither keeps the next tick', async () => {
    const created = await call('POST', '/schedules', writer, {
      key: 'spaced',
      definitionKey: 'nightly',
      cron: '  0   9 * * *  ',
      timezone: 'europe/paris',
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ cron: '0 9 * * *', timezone: 'Europe/Paris' });
    // The same expression and zone written otherwise keep the tick due (a new cron or zone sets
    // it from now: ticks missed while paused, or due while a runner was down, would be lost).
    // Marked here as no fire time of the expression, so that a recomputed one shows.
    await db.query(
      `UPDATE schedules SET next_fire_at = now() + interval '3 days 17 minutes' WHERE key = 'spaced'`,
    );
    const due = (await call('GET', '/schedules/spaced', reader)).body.data.nextFireAt;
    const patched = await call('PATCH', '/schedules/spaced', writer, {
      cron: '0 9  * * *',
      timezone: 'EUROPE/PARIS',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      nextFireAt: due,
    });
    expect((await call('DELETE', '/schedules/spaced', writer)).status).toBe(204);
  });

  it('a schedule whose expression has run out is not enabled again, by resume or PATCH alike', async () => {
    const created = await call('POST', '/schedules', writer, {
      key: 'used-up',
      definitionKey: 'nightly',
      cron: '0 0 0 1 1 * 2999',
      enabled: false,
    });
    expect(created.status).toBe(201);
    // Its year has passed (as if it had fired its last time, then been paused).
    await db.query(`UPDATE schedules SET cron = '0 0 0 1 1 * 2020' WHERE key = 'used-up'`);
    for (const [method, path, body] of [
      ['POST', '/schedules/used-up/resume', undefined],
      ['PATCH', '/schedules/used-up', { enabled: true }],
    ] as const) {
      const refused = await call(method, path, writer, body);
      expect(refused.status).toBe(409);
      expect(refused.body.type).toMatch(/schedule-exhausted$/);
      expect(refused.body.detail).toMatch(/no fire time left/);
    }
    const read = (await call('GET', '/schedules/used-up', reader)).body.data;
    expect(read).toMatchObject({ enabled: false, nextFireAt: null });
    // Its other fields still change; a new expression enables it.
    const changed = await call('PATCH', '/schedules/used-up', writer, { input: { n: 1 } });
    expect(changed.status).toBe(200);
    const renewed = await call('PATCH', '/schedules/used-up', writer, {
      cron: '0 9 * * *',
      enabled: true,
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.data).toMatchObject({ enabled: true, nextFireAt: expect.any(String) });
    expect((await call('DELETE', '/schedules/used-up', writer)).status).toBe(204);
  });

  it('ticks missed while no runner was up fire once when one starts (across a restart)', async () => {
    expect(
      (
        await call('POST', '/schedules', writer, {
          key: 'hourly',
          definitionKey: 'nightly',
          cron: '0 * * * *',
          overlap: 'allow',
        })
      ).status,
    ).toBe(201);
    // Five hours of ticks passed with every replica down.
    const { rows } = await db.query<{ missed: Date }>(
      `UPDATE schedules SET next_fire_at = date_trunc('hour', now()) - interval '5 hours'
        WHERE key = 'hourly' RETURNING next_fire_at AS missed`,
    );
    const missed = rows[0].missed;
    // Until a runner fires it, the tick that is due is the next one, in both fields.
    const due = (await call('GET', '/schedules/hourly', writer)).body.data;
    expect(due.nextFireAt).toBe(missed.toISOString());
    expect(due.nextFireTimes).toHaveLength(5);
    expect(due.nextFireTimes[0]).toBe(missed.toISOString());
    expect(new Date(due.nextFireTimes[1]).getTime()).toBeGreaterThan(Date.now());
    // A replica with the runner comes up on the same database.
    const b = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' }, { db: a.db });
    try {
      await waitFor(
        async () => ((await tickRows('hourly')).length > 0 ? true : undefined),
        10_000,
        'the missed tick',
      );
      await new Promise((done) => setTimeout(done, 2_500));
      const ticks = await tickRows('hourly');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]).toMatchObject({ tickAt: missed, outcome: 'started' });
      const runs = await runsOf('hourly');
      expect(runs).toHaveLength(1);
      expect(runs[0].id).toBe(ticks[0].runId);
      const schedule = (await call('GET', '/schedules/hourly', reader)).body.data as Json;
      expect(schedule.lastRunId).toBe(runs[0].id);
      expect(schedule.nextFireAt).toBe(
        fireTimes('0 * * * *', 'UTC', new Date(), 1)[0].toISOString(),
      );
      const [fired] = await firedEvents('hourly');
      expect(fired).toMatchObject({
        key: 'hourly',
        definitionKey: 'nightly',
        tickAt: missed.toISOString(),
        outcome: 'started',
        workflowId: runs[0].id,
      });
      const run = await call('GET', `/workflows/${runs[0].id}`, reader);
      expect(run.body.data).toMatchObject({ status: 'pending', definitionKey: 'nightly' });
      // The tick is in the run's history.
      const history = (await call('GET', `/workflows/${runs[0].id}/events`, reader)).body.data
        .events as Json[];
      expect(history.map((event) => event.type)).toEqual([
        'workflow.created',
        'task.queued',
        'schedule.fired',
      ]);
    } finally {
      await b.app.close();
      // Its next tick must not start runs during the tests after this one.
      expect((await call('DELETE', '/schedules/hourly', writer)).status).toBe(204);
    }
  });

  it('two replicas running the runner start exactly one run per tick', async () => {
    const b = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' }, { db: a.db });
    const c = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' }, { db: a.db });
    try {
      expect(
        (
          await call('POST', '/schedules', writer, {
            key: 'every-second',
            definitionKey: 'nightly',
            cron: '* * * * * *',
            overlap: 'allow',
          })
        ).status,
      ).toBe(201);
      // Besides their timers, both replicas' runners are driven at once, again and again.
      const runners = [b.app.get(ScheduleRunner), c.app.get(ScheduleRunner)];
      const until = Date.now() + 4_000;
      while (Date.now() < until) {
        await Promise.all(runners.flatMap((runner) => [runner.fireDue(), runner.fireDue()]));
        await new Promise((done) => setTimeout(done, 50));
      }
      expect((await call('POST', '/schedules/every-second/pause', writer)).status).toBe(200);
      await new Promise((done) => setTimeout(done, 300));
      const ticks = await tickRows('every-second');
      const runs = await runsOf('every-second');
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(runs).toHaveLength(ticks.length);
      expect(new Set(runs.map((run) => run.triggerKey)).size).toBe(runs.length);
      expect(new Set(ticks.map((tick) => tick.runId))).toEqual(new Set(runs.map((run) => run.id)));
      expect(await firedEvents('every-second')).toHaveLength(ticks.length);
      // Each tick a distinct second.
      const seconds = ticks.map((tick) => tick.tickAt.getTime());
      expect(new Set(seconds).size).toBe(seconds.length);
      for (const second of seconds) expect(second % 1000).toBe(0);
    } finally {
      await c.app.close();
      await b.app.close();
    }
  });

  it('a due tick fires once a change holding its schedule (a PATCH) commits, rather than being passed over', async () => {
    expect(
      (
        await call('POST', '/schedules', writer, {
          key: 'busy',
          definitionKey: 'nightly',
          cron: '0 3 * * *',
          overlap: 'allow',
        })
      ).status,
    ).toBe(201);
    await db.query(
      `UPDATE schedules SET next_fire_at = date_trunc('second', now()) - interval '1 second'
        WHERE key = 'busy'`,
    );
    // Another transaction holds the schedule's row, as a PATCH of its input does while it
    // commits. Passed over (SKIP LOCKED), the tick fired a round later at best: a client
    // changing a schedule in a loop kept every tick of it from firing, and each tick that
    // fired late skipped those between (the next one is computed from then).
    const runner = a.app.get(ScheduleRunner);
    const holder = new Client({ connectionString: a.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`UPDATE schedules SET input = input WHERE key = 'busy'`);
      // Held past the wait (1 s): this round passes it over, and the round goes on.
      expect(await runner.fireDue()).toBe(0);
      const fired = runner.fireDue();
      await new Promise((done) => setTimeout(done, 300));
      await holder.query('COMMIT');
      expect(await fired).toBe(1);
    } finally {
      await holder.end();
    }
    expect((await tickRows('busy')).map((tick) => tick.outcome)).toEqual(['started']);
    expect((await call('DELETE', '/schedules/busy', writer)).status).toBe(204);
  });

  it('overlap skip leaves a tick out while the previous run is unfinished; cancel-previous cancels it', async () => {
    const b = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' }, { db: a.db });
    try {
      for (const [key, overlap] of [
        ['skipper', 'skip'],
        ['canceller', 'cancel-previous'],
      ]) {
        const created = await call('POST', '/schedules', writer, {
          key,
          definitionKey: 'nightly',
          cron: '* * * * * *',
          overlap,
        });
        expect(created.status).toBe(201);
      }
      await waitFor(
        async () =>
          (await tickRows('skipper')).length >= 3 && (await tickRows('canceller')).length >= 3
            ? true
            : undefined,
        15_000,
        'three ticks of each',
      );
      for (const key of ['skipper', 'canceller'])
        expect((await call('POST', `/schedules/${key}/pause`, writer)).status).toBe(200);
      await new Promise((done) => setTimeout(done, 300));

      // Nobody works on "report": the first run never finishes, so skip starts nothing more.
      const skipped = await tickRows('skipper');
      expect(skipped[0].outcome).toBe('started');
      expect(skipped.slice(1).every((tick) => tick.outcome === 'skipped')).toBe(true);
      expect(await runsOf('skipper')).toHaveLength(1);
      const skipEvents = await firedEvents('skipper');
      expect(skipEvents[1]).toMatchObject({ outcome: 'skipped', reason: 'previous_run_active' });

      // cancel-previous: every tick starts a run and cancels the one before.
      const ticks = await tickRows('canceller');
      expect(ticks.every((tick) => tick.outcome === 'started')).toBe(true);
      const runs = await runsOf('canceller');
      expect(runs).toHaveLength(ticks.length);
      expect(runs.slice(0, -1).every((run) => run.status === 'cancelled')).toBe(true);
      expect(runs[runs.length - 1].status).toBe('pending');
    } finally {
      await b.app.close();
    }
  });

  it('startAt: the run waits scheduled, nothing claimable, then starts when the time comes', async () => {
    const b = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' }, { db: a.db });
    try {
      // Clear the queue left by the tests before.
      await db.query(`UPDATE workflow_tasks SET status = 'cancelled' WHERE status = 'queued'`);
      const startAt = new Date(Date.now() + 2_500).toISOString();
      // A time without a zone would be read in the server's: refused, nothing started.
      const local = await call('POST', '/workflows', writer, {
        definitionKey: 'nightly',
        startAt: startAt.replace(/\.\d+Z$/, ''),
      });
      expect(local.status).toBe(400);
      expect(local.body.errors).toEqual([
        { field: 'startAt', message: 'startAt must carry a time zone (Z or an offset)' },
      ]);
      const started = await call('POST', '/workflows', writer, {
        definitionKey: 'nightly',
        input: { day: 1 },
        startAt,
      });
      expect(started.status).toBe(201);
      const run = started.body.data as Json;
      expect(run).toMatchObject({
        status: 'scheduled',
        startAt,
        waiting: { reason: 'schedule', until: startAt },
      });
      expect(run.steps.map((step: Json) => step.status)).toEqual(['pending']);
      const listed = await call('GET', '/workflows?status=scheduled', reader);
      expect(listed.body.data.workflows.map((r: Json) => r.id)).toContain(run.id);

      const metrics = await a.http.get('/metrics');
      expect(metrics.text).toMatch(/workflow_runs_waiting\{reason="schedule"\} [1-9]/);

      const claim = () =>
        call('POST', '/agents/reporter/tasks/claim', worker, { max: 5 }).then(
          (response) => response.body.data.tasks as Json[],
        );
      expect(await claim()).toEqual([]);

      const tasks = await waitFor(
        async () => {
          const claimed = await claim();
          return claimed.length > 0 ? claimed : undefined;
        },
        10_000,
        'the delayed run to start',
      );
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ workflowId: run.id, input: { input: { day: 1 } } });
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(startAt));
      const detail = (await call('GET', `/workflows/${run.id}`, reader)).body.data as Json;
      expect(detail).toMatchObject({ status: 'running', waiting: null });
      const history = (await call('GET', `/workflows/${run.id}/events`, reader)).body.data
        .events as Json[];
      expect(history.map((event) => event.type).slice(0, 4)).toEqual([
        'workflow.created',
        'workflow.activated',
        'task.queued',
        'workflow.started',
      ]);
      expect(history[0].data).toMatchObject({ status: 'scheduled', startAt });

      // A delayed run cancelled before its time never starts.
      const later = await call('POST', '/workflows', writer, {
        definitionKey: 'nightly',
        startAt: new Date(Date.now() + 1_000).toISOString(),
      });
      expect(
        (await call('POST', `/workflows/${later.body.data.id}/cancel`, writer)).body.data.status,
      ).toBe('cancelled');
      await new Promise((done) => setTimeout(done, 2_000));
      expect((await call('GET', `/workflows/${later.body.data.id}`, reader)).body.data.status).toBe(
        'cancelled',
      );
      expect(await claim()).toEqual([]);

      // A time already past starts at once; a bad one is a 400 that starts nothing.
      const past = await call('POST', '/workflows', writer, {
        definitionKey: 'nightly',
        startAt: '2020-01-01T00:00:00Z',
      });
      expect(past.body.data).toMatchObject({ status: 'pending', startAt: null, waiting: null });
      const count = async () =>
        Number((await db.query(`SELECT count(*) FROM workflow_runs`)).rows[0].count);
      const runs = await count();
      for (const startAt of ['tomorrow', '2026-13-01T00:00:00Z', 5])
        expect(
          (await call('POST', '/workflows', writer, { definitionKey: 'nightly', startAt })).status,
        ).toBe(400);
      expect(await count()).toBe(runs);
    } finally {
      await b.app.close();
    }
  });
});
