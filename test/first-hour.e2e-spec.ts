import { Client } from 'pg';
import { startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a new user hit in the first hour: each answer tells what to do next. */
describe('first-hour answers', () => {
  let test: TestApp;
  let base: string;
  let db: Client;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...test.admin,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: (text ? JSON.parse(text) : null) as Json,
    };
  };
  const agent = async (id: string, skill: string) => {
    const response = await call('POST', '/agents', {
      id,
      name: id,
      skills: [{ id: skill, name: skill }],
    });
    expect(response.status).toBe(201);
  };
  const run = async (skill: string, extra: Json = {}) => {
    const response = await call('POST', '/workflows', {
      type: 'first-hour',
      steps: [{ key: 'a', skill, ...extra }],
    });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const claim = async (agentId: string) => {
    const response = await call('POST', `/agents/${agentId}/tasks/claim`, { max: 1 });
    expect(response.status).toBe(200);
    return response.body.data.tasks as Json[];
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    base = await listenOnLoopback(test);
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  describe('claims by agents that are not online', () => {
    it('brings an offline agent back online with its claim, audited, and hands it work', async () => {
      await agent('fh-offline', 'fh-offline-skill');
      await run('fh-offline-skill');
      await db.query(`UPDATE agents SET status = 'offline' WHERE id = 'fh-offline'`);

      const tasks = await claim('fh-offline');
      expect(tasks).toHaveLength(1);
      const read = await call('GET', '/agents/fh-offline');
      expect(read.body.data.status).toBe('online');
      const { rows } = await db.query(
        `SELECT action, before, after FROM audit_entries
          WHERE resource_type = 'agent' AND resource_id = 'fh-offline' AND action = 'agent.status'`,
      );
      expect(rows).toEqual([
        { action: 'agent.status', before: { status: 'offline' }, after: { status: 'online' } },
      ]);
      const events = await db.query(
        `SELECT type FROM events WHERE subject_id = 'fh-offline' AND type = 'agent.online'`,
      );
      expect(events.rowCount).toBe(1);
    });

    it('hands work to an offline agent whose beat brought it online while its claim was doing so', async () => {
      await agent('fh-raced', 'fh-raced-skill');
      await run('fh-raced-skill');
      await db.query(`UPDATE agents SET status = 'offline' WHERE id = 'fh-raced'`);
      // The agent's row held, so the claim's own bringing back waits on it; meanwhile its beat
      // (here, as the heartbeat writes it: FOR NO KEY UPDATE, as every change that keeps the
      // row) brings it online and commits first.
      const beat = new Client({ connectionString: test.db.url });
      await beat.connect();
      try {
        await beat.query('BEGIN');
        await beat.query(`SELECT 1 FROM agents WHERE id = 'fh-raced' FOR NO KEY UPDATE`);
        const claimed = claim('fh-raced');
        claimed.catch(() => undefined); // judged below, once the beat has committed
        for (let waited = 0; ; waited += 50) {
          const { rows } = await db.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'
                AND query LIKE 'UPDATE agents SET status = ''online''%'`,
          );
          if (rows.length > 0) break;
          if (waited > 10_000) throw new Error('the claim never came to bring the agent back');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await beat.query(
          `UPDATE agents SET status = 'online', last_heartbeat_at = now() WHERE id = 'fh-raced'`,
        );
        await beat.query('COMMIT');
        expect(await claimed).toHaveLength(1);
      } finally {
        await beat.end();
      }
    });

    it('answers a draining agent 409 agent-draining at once, even with waitSeconds', async () => {
      await agent('fh-draining', 'fh-draining-skill');
      await run('fh-draining-skill');
      const beat = await call('POST', '/agents/fh-draining/heartbeat', { status: 'draining' });
      expect(beat.status).toBe(200);

      const started = Date.now();
      const response = await call('POST', '/agents/fh-draining/tasks/claim', {
        max: 1,
        waitSeconds: 5,
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(response.status).toBe(409);
      expect(response.type).toContain('application/problem+json');
      expect(response.body.type).toBe('urn:agentmesh:problem:agent-draining');
      expect(response.body.detail).toMatch(/healthy/);
      const queued = await db.query(
        `SELECT count(*)::int AS n FROM workflow_tasks WHERE skill = 'fh-draining-skill' AND status = 'queued'`,
      );
      expect(queued.rows[0].n).toBe(1);
    });
  });

  describe('content types', () => {
    it('answers 415 naming Content-Type: application/json for a form or text body', async () => {
      for (const contentType of ['application/x-www-form-urlencoded', 'text/plain']) {
        const response = await call('POST', '/agents', 'id=fh-form&name=x', {
          'content-type': contentType,
        });
        expect(response.status).toBe(415);
        expect(response.type).toContain('application/problem+json');
        expect(response.body.detail).toContain('Content-Type: application/json');
      }
      const none = await call('GET', '/agents/fh-form');
      expect(none.status).toBe(404);
    });

    it('still takes application/json with a charset, and bodiless POSTs', async () => {
      const response = await call(
        'POST',
        '/agents',
        { id: 'fh-charset', name: 'x', skills: [{ name: 'fh-c' }] },
        { 'content-type': 'application/json; charset=utf-8' },
      );
      expect(response.status).toBe(201);
      const started = await run('fh-bodiless');
      const cancel = await fetch(`${base}/api/v1/workflows/${started.id}/cancel`, {
        method: 'POST',
        headers: test.admin,
      });
      expect(cancel.status).toBe(200);
    });
  });

  describe('tasks', () => {
    it('GET /tasks/{id} answers the task with its attempts; a retried success shows no error', async () => {
      await agent('fh-retry', 'fh-retry-skill');
      const started = await run('fh-retry-skill', {
        maxAttempts: 3,
        retryBackoff: { initialSeconds: 0 },
      });
      const [first] = await claim('fh-retry');
      const failed = await call('POST', `/tasks/${first.id}/fail`, {
        leaseToken: first.leaseToken,
        error: { message: 'flaky', code: 'E_FLAKY' },
      });
      expect(failed.status).toBe(200);
      const [second] = await claim('fh-retry');
      expect(second.id).toBe(first.id);
      const done = await call('POST', `/tasks/${second.id}/complete`, {
        leaseToken: second.leaseToken,
        output: { ok: true },
      });
      expect(done.status).toBe(200);

      const detail = await call('GET', `/workflows/${started.id}`);
      expect(detail.body.data.steps[0].task.error).toBeNull();
      expect(detail.body.data.steps[0].task.output).toEqual({ ok: true });

      const task = await call('GET', `/tasks/${first.id}`);
      expect(task.status).toBe(200);
      expect(task.body.data).toMatchObject({
        id: first.id,
        workflowId: started.id,
        stepKey: 'a',
        skill: 'fh-retry-skill',
        status: 'succeeded',
        attempt: 2,
        error: null,
        output: { ok: true },
      });
      expect(task.body.data.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          status: 'failed',
          agentId: 'fh-retry',
          error: { message: 'flaky', code: 'E_FLAKY' },
        }),
        expect.objectContaining({ attempt: 2, status: 'succeeded', agentId: 'fh-retry' }),
      ]);
      expect(task.body.data.attempts[1].error).toBeNull();
    });

    it('GET /tasks/{id} answers 404 for an unknown or malformed id', async () => {
      const unknown = await call('GET', '/tasks/0190a4f0-0000-7000-8000-000000000000');
      expect(unknown.status).toBe(404);
      const malformed = await call('GET', '/tasks/not-a-uuid');
      expect(malformed.status).toBe(404);
    });
  });

  describe('event types', () => {
    it('GET /event-types lists every type with a description and the JSON Schema of its data', async () => {
      const response = await call('GET', '/event-types');
      expect(response.status).toBe(200);
      const types = response.body.data.eventTypes as Json[];
      expect(response.body.meta).toEqual({ nextCursor: null });
      for (const entry of types) {
        expect(entry).toEqual(
          expect.objectContaining({
            type: expect.any(String),
            description: expect.any(String),
            schema: expect.any(Object),
          }),
        );
      }
      const byType = new Map(types.map((entry) => [entry.type, entry]));
      for (const type of ['agent.offline', 'workflow.succeeded', 'task.failed', 'inbound.*']) {
        expect(byType.has(type)).toBe(true);
      }
      expect(byType.get('task.failed')!.schema).toMatchObject({
        type: 'object',
        required: expect.arrayContaining(['taskId', 'workflowId', 'attempt']),
      });
      expect(byType.get('inbound.*')!.family).toBe(true);
    });

    it('GET /event-types pages by limit and cursor, refusing what it does not take', async () => {
      const all = ((await call('GET', '/event-types')).body.data.eventTypes as Json[]).map(
        (entry) => entry.type as string,
      );
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=10${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await call('GET', `/event-types${query}`);
        expect(page.status).toBe(200);
        expect((page.body.data.eventTypes as Json[]).length).toBeLessThanOrEqual(10);
        walked.push(...(page.body.data.eventTypes as Json[]).map((entry) => entry.type as string));
        cursor = page.body.meta.nextCursor as string | null;
      } while (cursor);
      expect(walked).toEqual(all);
      for (const query of ['?limit=0', '?limit=5000', '?cursor=%25%25%25', '?foo=bar']) {
        expect((await call('GET', `/event-types${query}`)).status).toBe(400);
      }
    });

    it('refuses endpoint patterns that match no known type, naming them; accepts known ones', async () => {
      const refused = await call('POST', '/webhooks/endpoints', {
        url: 'https://example.com/hook',
        eventTypes: ['workflows.*', 'agent.offline', 'agent.gone'],
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        { field: 'eventTypes', message: expect.stringContaining('"workflows.*", "agent.gone"') },
      ]);
      for (const eventTypes of [
        ['*'],
        ['workflow.*', 'agent.offline'],
        ['inbound.github.*', 'inbound.mysource.push'],
        ['webhook.*'],
      ]) {
        const accepted = await call('POST', '/webhooks/endpoints', {
          url: 'https://example.com/hook',
          eventTypes,
        });
        expect([accepted.status, eventTypes]).toEqual([201, eventTypes]);
        const patched = await call('PATCH', `/webhooks/endpoints/${accepted.body.data.id}`, {
          eventTypes: ['task.nothing'],
        });
        expect(patched.status).toBe(400);
        expect(patched.body.errors[0].message).toContain('"task.nothing"');
      }
    });
  });

  describe('skills', () => {
    it('GET /skills: agents online/total, queued tasks and the oldest wait of each skill', async () => {
      await agent('fh-sk-1', 'fh-sk');
      await agent('fh-sk-2', 'fh-sk');
      await db.query(`UPDATE agents SET status = 'offline' WHERE id = 'fh-sk-2'`);
      await run('fh-sk');
      const orphan = await call('POST', '/workflows', {
        type: 'first-hour',
        steps: [{ key: 'a', skill: 'fh-sk-nobody' }],
      });
      expect(orphan.status).toBe(201);
      await db.query(
        `UPDATE workflow_tasks SET available_at = now() - interval '90 seconds' WHERE skill = 'fh-sk-nobody'`,
      );

      const response = await call('GET', '/skills');
      expect(response.status).toBe(200);
      const bySkill = new Map(
        (response.body.data.skills as Json[]).map((entry) => [entry.skill, entry]),
      );
      expect(bySkill.get('fh-sk')).toMatchObject({
        agentsOnline: 1,
        agentsTotal: 2,
        queuedTasks: 1,
      });
      expect(bySkill.get('fh-sk-nobody')).toMatchObject({
        agentsOnline: 0,
        agentsTotal: 0,
        queuedTasks: 1,
      });
      expect(bySkill.get('fh-sk-nobody')!.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(89);

      // Page by page, by name: each skill once, with the same figures.
      const walked: Json[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await call('GET', `/skills${query}`);
        expect(page.status).toBe(200);
        expect((page.body.data.skills as Json[]).length).toBeLessThanOrEqual(1);
        walked.push(...(page.body.data.skills as Json[]));
        cursor = page.body.meta.nextCursor as string | null;
      } while (cursor);
      // (The oldest wait grows between the calls.)
      const counts = (entries: Json[]) =>
        entries.map(({ oldestQueuedAgeSeconds: _age, ...entry }) => entry);
      expect(counts(walked)).toEqual(counts(response.body.data.skills as Json[]));
      for (const query of ['?limit=0', '?limit=999', '?cursor=zzz', '?foo=bar']) {
        expect((await call('GET', `/skills${query}`)).status).toBe(400);
      }
    });

    it('accepts a definition or run naming a never-registered skill, with a warning naming it', async () => {
      await agent('fh-warn', 'fh-known');
      const definition = await call('POST', '/workflow-definitions', {
        key: 'fh-warned',
        steps: [
          { key: 'a', skill: 'fh-known' },
          { key: 'b', skill: 'fh-typo', dependsOn: ['a'] },
        ],
      });
      expect(definition.status).toBe(201);
      expect(definition.body.warnings).toEqual([
        { field: 'steps[1].skill', message: expect.stringContaining('"fh-typo"') },
      ]);
      const started = await call('POST', '/workflows', { definitionKey: 'fh-warned' });
      expect(started.status).toBe(201);
      expect(started.body.warnings).toEqual([
        { field: 'steps[1].skill', message: expect.stringContaining('"fh-typo"') },
      ]);
      const clean = await call('POST', '/workflows', {
        type: 'fh-clean',
        steps: [{ key: 'a', skill: 'fh-known' }],
      });
      expect(clean.status).toBe(201);
      expect(clean.body).not.toHaveProperty('warnings');
    });

    it('exports queue gauges by skill and agents by status', async () => {
      await agent('fh-metrics', 'fh-metric-skill');
      await run('fh-metric-skill');
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(/^task_queue_depth\{skill="fh-metric-skill"\} 1$/m);
      expect(text).toMatch(/^task_queue_oldest_age_seconds\{skill="fh-metric-skill"\} [\d.e+-]+$/m);
      expect(text).toMatch(/^task_queue_depth\{skill="other"\} 0$/m);
      const online = /^agents\{status="online"\} (\d+)$/m.exec(text);
      expect(Number(online?.[1])).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/^agents\{status="draining"\} \d+$/m);
    });
  });

  it('names WEBHOOK_ALLOWED_CIDRS when a webhook target is loopback or private', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://10.1.2.3/hook']) {
      const response = await call('POST', '/webhooks/endpoints', {
        url,
        eventTypes: ['workflow.succeeded'],
      });
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain('WEBHOOK_ALLOWED_CIDRS');
    }
  });

  it('reports one message per invalid field', async () => {
    const response = await call('POST', '/workflow-definitions', { key: 'fh-def' });
    expect(response.status).toBe(400);
    const fields = (response.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual([...new Set(fields)]);
    expect(response.body.errors).toEqual([{ field: 'steps', message: 'steps is required' }]);

    const many = await call('POST', '/agents', { name: 7, skills: 'none', extra: true });
    expect(many.status).toBe(400);
    const names = (many.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(names.sort()).toEqual(['extra', 'name', 'skills']);
  });
});
