import { Client } from 'pg';
import { violations } from './a2a/a2a-schema';
import { createKey, startTestApp, TestApp } from './utils/test-app';
import { Received, WebhookReceiver } from './webhooks-out-receiver';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = Record<string, string>;

const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * A2A 1.0 push notifications: the push-notification-config operations on the HTTP+JSON
 * binding, configs inside message:send, and a task's updates delivered to a real receiver
 * through the signed webhook pipeline, checked against the schema written from lf.a2a.v1.
 */
describe('A2A 1.0 push notifications', () => {
  let test: TestApp;
  let receiver: WebhookReceiver;
  let db: Client;
  let writer: Headers;
  let reader: Headers;
  let worker: Headers;
  let outsider: Headers;

  const base = '/a2a/v1';
  const configs = (taskId: string) => `${base}/tasks/${taskId}/pushNotificationConfigs`;
  const message = (skillId: string, configuration: Json = { returnImmediately: true }) => ({
    message: {
      messageId: `m-${Math.random().toString(36).slice(2)}`,
      role: 'ROLE_USER',
      parts: [{ data: { text: 'long' } }],
      metadata: { skillId },
    },
    configuration,
  });
  const started = async (skillId = 'summary'): Promise<string> => {
    const response = await test.http
      .post(`${base}/message:send`)
      .set(writer)
      .send(message(skillId));
    expect(response.status).toBe(200);
    return response.body.task.id as string;
  };
  const claimOne = async (): Promise<Json> => {
    const response = await test.http
      .post('/api/v1/agents/summarizer/tasks/claim')
      .set(worker)
      .send({});
    expect(response.status).toBe(200);
    expect(response.body.data.tasks).toHaveLength(1);
    return response.body.data.tasks[0] as Json;
  };
  const complete = async (claimed: Json) =>
    test.http
      .post(`/api/v1/tasks/${claimed.id}/complete`)
      .set(worker)
      .send({ leaseToken: claimed.leaseToken, output: { summary: 'short' } })
      .expect(200);
  /** Waits (up to 30 s) until `check` holds for what the receiver got on `path`. */
  const receivedOn = async (path: string, check: (got: Received[]) => boolean) => {
    const deadline = Date.now() + 30_000;
    while (!check(receiver.on(path))) {
      if (Date.now() > deadline) {
        throw new Error(
          `${path} got ${JSON.stringify(receiver.on(path).map((r) => r.body))} and no more`,
        );
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    return receiver.on(path);
  };
  const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));
  const stateOf = (got: Received): string =>
    (JSON.parse(got.body) as Json).statusUpdate?.status.state ?? 'artifact';
  const isTerminal = (got: Received[]) => got.some((r) => stateOf(r) === 'TASK_STATE_COMPLETED');
  const expectInvalid = (response: { status: number; body: Json }, field: string) => {
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ title: 'InvalidParamsError' });
    expect(response.body.errors.map((error: Json) => error.field)).toContain(field);
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    test = await startTestApp({
      RATE_LIMIT_PER_MINUTE: '1000000',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: '0,300ms,300ms,300ms',
    });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    const key = async (scopes: string[], tenantId?: string) => ({
      authorization: (await createKey(test, { scopes, tenantId })).authorization,
    });
    writer = await key(['workflows:write', 'workflows:read', 'agents:write']);
    reader = await key(['workflows:read']);
    worker = await key(['tasks:work']);
    await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'other', name: 'Other' })
      .expect(201);
    outsider = await key(['workflows:write', 'workflows:read'], 'other');
    await test.http
      .post('/api/v1/agents')
      .set(writer)
      .send({
        id: 'summarizer',
        name: 'Summarizer',
        skills: [{ id: 'summarize', name: 'Summarize' }],
      })
      .expect(201);
    await test.http
      .post('/api/v1/workflow-definitions')
      .set(writer)
      .send({ key: 'summary', steps: [{ key: 'sum', skill: 'summarize' }] })
      .expect(201);
  });

  afterAll(async () => {
    await db.end();
    await test.close();
    await receiver.stop();
  });

  it('the card claims pushNotifications', async () => {
    const card = await test.http.get('/.well-known/agent-card.json').set(reader);
    expect(card.status).toBe(200);
    expect(violations(card.body, 'AgentCard')).toEqual([]);
    expect(card.body.capabilities).toMatchObject({ pushNotifications: true });
  });

  it('create, get, list (paged), replace and delete a task’s configs', async () => {
    const taskId = await started();
    const created = await test.http
      .post(configs(taskId))
      .set(writer)
      .send({
        id: 'c1',
        url: `${receiver.url}/crud/1`,
        token: 'tok-1',
        authentication: { scheme: 'Bearer', credentials: 'abc' },
      });
    expect(created.status).toBe(200);
    expect(violations(created.body, 'TaskPushNotificationConfig')).toEqual([]);
    // Credentials are never answered back.
    expect(created.body).toEqual({
      id: 'c1',
      taskId,
      url: `${receiver.url}/crud/1`,
      token: 'tok-1',
      authentication: { scheme: 'Bearer' },
    });
    expect(created.headers['webhook-secret']).toMatch(SECRET);
    // An answer that shows a secret is never stored by a cache.
    expect(created.headers['cache-control']).toBe('no-store');

    const generated = await test.http
      .post(configs(taskId))
      .set(writer)
      .send({ url: `${receiver.url}/crud/2`, taskId });
    expect(generated.status).toBe(200);
    expect(generated.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.body).not.toHaveProperty('token');
    expect(generated.headers['webhook-secret']).not.toBe(created.headers['webhook-secret']);

    const got = await test.http.get(`${configs(taskId)}/c1`).set(reader);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const listed = await test.http.get(configs(taskId)).set(reader);
    expect(listed.status).toBe(200);
    expect(violations(listed.body, 'ListTaskPushNotificationConfigsResponse')).toEqual([]);
    expect(listed.body).toEqual({ configs: [created.body, generated.body], nextPageToken: '' });

    const first = await test.http.get(configs(taskId)).query({ pageSize: 1 }).set(reader);
    expect(first.body.configs).toEqual([created.body]);
    expect(first.body.nextPageToken).not.toBe('');
    const second = await test.http
      .get(configs(taskId))
      .query({ pageSize: 1, pageToken: first.body.nextPageToken })
      .set(reader);
    expect(second.body).toEqual({ configs: [generated.body], nextPageToken: '' });

    // The same id again replaces the config; its secret stays.
    const replaced = await test.http
      .post(configs(taskId))
      .set(writer)
      .send({ id: 'c1', url: `${receiver.url}/crud/3` });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ id: 'c1', taskId, url: `${receiver.url}/crud/3` });
    expect(replaced.headers['webhook-secret']).toBe(created.headers['webhook-secret']);
    const after = await test.http.get(configs(taskId)).set(reader);
    expect(after.body.configs).toHaveLength(2);

    const deleted = await test.http.delete(`${configs(taskId)}/c1`).set(writer);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({});
    const gone = await test.http.get(`${configs(taskId)}/c1`).set(reader);
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await test.http.delete(`${configs(taskId)}/c1`).set(writer)).status).toBe(404);
    const left = await test.http.get(configs(taskId)).set(reader);
    expect(left.body.configs).toEqual([generated.body]);
    await test.http.post(`${base}/tasks/${taskId}:cancel`).set(writer).send({}).expect(200);

    // Push receivers are not webhook endpoints of the webhooks API.
    const admin = await createKey(test, { scopes: ['webhooks:admin'] });
    const endpoints = await test.http
      .get('/api/v1/webhooks/endpoints')
      .set({ authorization: admin.authorization });
    expect(endpoints.status).toBe(200);
    expect(endpoints.body.data.endpoints).toEqual([]);
    // Each change is audited and evented; the token never is.
    const { rows } = await db.query<{ type: string; data: Json }>(
      `SELECT type, data FROM events WHERE type LIKE 'a2a.push_config.%' AND data->>'taskId' = $1
        ORDER BY id`,
      [taskId],
    );
    expect(rows.map((row) => row.type)).toEqual([
      'a2a.push_config.created',
      'a2a.push_config.created',
      'a2a.push_config.updated',
      'a2a.push_config.deleted',
    ]);
    expect(JSON.stringify(rows)).not.toContain('tok-1');
    const audit = await db.query<{ action: string }>(
      `SELECT action FROM audit_entries WHERE resource_type = 'a2a_push_config' ORDER BY id`,
    );
    expect(audit.rows.map((row) => row.action)).toEqual(
      expect.arrayContaining(['a2a_push_config.create', 'a2a_push_config.delete']),
    );
  });

  it('a task started with a config gets its updates, signed, in order, to the terminal state', async () => {
    const path = '/push/run';
    const sent = await test.http
      .post(`${base}/message:send`)
      .set(writer)
      .send(
        message('summary', {
          returnImmediately: true,
          taskPushNotificationConfig: {
            url: `${receiver.url}${path}`,
            token: 'tok-run',
            authentication: { scheme: 'Bearer', credentials: 'cred-run' },
          },
        }),
      );
    expect(sent.status).toBe(200);
    const taskId = sent.body.task.id as string;
    expect(sent.body.task.status.state).toBe('TASK_STATE_SUBMITTED');
    const secret = sent.headers['webhook-secret'];
    expect(secret).toMatch(SECRET);
    expect(sent.headers['cache-control']).toBe('no-store');
    receiver.trust('run', secret);
    // Another task with its own config: neither gets the other's updates.
    const other = await test.http
      .post(`${base}/message:send`)
      .set(writer)
      .send(
        message('summary', {
          returnImmediately: true,
          pushNotificationConfig: { url: `${receiver.url}/push/other` },
        }),
      );
    expect(other.status).toBe(200);
    const listed = await test.http.get(configs(taskId)).set(reader);
    expect(listed.body.configs).toEqual([
      expect.objectContaining({ taskId, url: `${receiver.url}${path}`, token: 'tok-run' }),
    ]);

    // Both tasks working (each update delivered) before either completes.
    const claims = [await claimOne(), await claimOne()];
    await receivedOn(path, (got) => got.length >= 1);
    await receivedOn('/push/other', (got) => got.length >= 1);
    for (const claimed of claims) await complete(claimed);
    const got = await receivedOn(path, isTerminal);
    await receivedOn('/push/other', isTerminal);

    for (const request of got) {
      expect(request.verifiedBy).toEqual(['run']);
      expect(request.headers['x-a2a-notification-token']).toBe('tok-run');
      expect(request.headers.authorization).toBe('Bearer cred-run');
      expect(request.headers['content-type']).toBe('application/json');
      const body = JSON.parse(request.body) as Json;
      expect(violations(body, 'StreamResponse')).toEqual([]);
      const update = (body.statusUpdate ?? body.artifactUpdate) as Json;
      expect(update).toMatchObject({ taskId, contextId: taskId });
    }
    expect(got.map(stateOf)).toEqual(['TASK_STATE_WORKING', 'artifact', 'TASK_STATE_COMPLETED']);
    expect(JSON.parse(got[1].body).artifactUpdate.artifact.parts).toEqual([
      {
        data: expect.objectContaining({ sum: { summary: 'short' } }),
        mediaType: 'application/json',
      },
    ]);
    expect(new Set(got.map((request) => request.headers['webhook-id'])).size).toBe(got.length);
    for (const request of receiver.on('/push/other')) {
      const body = JSON.parse(request.body) as Json;
      expect((body.statusUpdate ?? body.artifactUpdate).taskId).toBe(other.body.task.id);
    }

    // Delivered to the end: the config goes (the sweeper, every 5 s).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const left = await test.http.get(configs(taskId)).set(reader);
      if (left.body.configs.length === 0) break;
      if (Date.now() > deadline) throw new Error('the ended task’s config was not removed');
      await new Promise((done) => setTimeout(done, 200));
    }
    const removed = await db.query(
      `SELECT 1 FROM events WHERE type = 'a2a.push_config.deleted' AND data->>'taskId' = $1
          AND data->>'reason' = 'task_ended'`,
      [taskId],
    );
    expect(removed.rowCount).toBe(1);
  });

  it('an update waits while the one before it is out or failing: the order holds', async () => {
    const path = '/push/retry';
    // The first request is held open, then answered 503; the rest are answered 200.
    receiver.script(path, { status: 0 }, { status: 200, body: 'ok' });
    const taskId = await started();
    const created = await test.http
      .post(configs(taskId))
      .set(writer)
      .send({ url: `${receiver.url}${path}` });
    expect(created.status).toBe(200);
    receiver.trust('retry', created.headers['webhook-secret']);
    const claimed = await claimOne();
    await receivedOn(path, (got) => got.length >= 1);
    // The task completes while its working update is out: the next two are queued...
    await complete(claimed);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries d
           JOIN a2a_push_configs c ON c.endpoint_id = d.endpoint_id WHERE c.task_id = $1`,
        [taskId],
      );
      if (rows[0].n === 3) break;
      if (Date.now() > deadline) throw new Error('the completed updates were not queued');
      await new Promise((done) => setTimeout(done, 50));
    }
    // ...and not sent while it is out.
    await new Promise((done) => setTimeout(done, 1_000));
    expect(receiver.on(path)).toHaveLength(1);
    // It fails: it is sent again before the next ones go.
    receiver.release(path, { status: 503 });
    const got = await receivedOn(path, isTerminal);
    expect(got.map(stateOf)).toEqual([
      'TASK_STATE_WORKING',
      'TASK_STATE_WORKING',
      'artifact',
      'TASK_STATE_COMPLETED',
    ]);
    expect(got[0].headers['webhook-id']).toBe(got[1].headers['webhook-id']);
    expect(got.every((request) => request.verifiedBy.includes('retry'))).toBe(true);
  });

  it('a send repeated with its Idempotency-Key answers the config’s secret again', async () => {
    // A client whose first answer was lost has only the repeat to learn the secret from.
    const body = message('summary', {
      returnImmediately: true,
      taskPushNotificationConfig: { url: `${receiver.url}/push/replayed` },
    });
    const send = () =>
      test.http
        .post(`${base}/message:send`)
        .set(writer)
        .set('idempotency-key', 'send-with-push-once')
        .send(body);
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.headers['webhook-secret']).toMatch(SECRET);
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.task.id).toBe(first.body.task.id);
    expect(again.headers['webhook-secret']).toBe(first.headers['webhook-secret']);
    expect(again.headers['cache-control']).toBe('no-store');
  });

  it('refuses bad input with 400 InvalidParamsError and changes nothing', async () => {
    const taskId = await started();
    const bad: Array<[Json, string]> = [
      [{}, 'url'],
      [{ url: 'ftp://example.com/x' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'http://user:pw@127.0.0.1/x' }, 'url'],
      [{ url: 'http://169.254.169.254/latest' }, 'url'],
      [{ url: 'http://10.1.2.3/hook' }, 'url'],
      [{ url: `${receiver.url}/x`, token: 'line\nbreak' }, 'token'],
      [{ url: `${receiver.url}/x`, token: 42 }, 'token'],
      [{ url: `${receiver.url}/x`, authentication: {} }, 'authentication.scheme'],
      [
        { url: `${receiver.url}/x`, authentication: { scheme: 'Bear er' } },
        'authentication.scheme',
      ],
      [
        { url: `${receiver.url}/x`, authentication: { scheme: 'Bearer', extra: 1 } },
        'authentication.extra',
      ],
      [{ url: `${receiver.url}/x`, id: 'has/slash' }, 'id'],
      [{ url: `${receiver.url}/x`, taskId: '0190a7b8-0000-7000-8000-000000000000' }, 'taskId'],
    ];
    for (const [body, field] of bad) {
      const response = await test.http.post(configs(taskId)).set(writer).send(body);
      expectInvalid(response, field);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    const unknown = await test.http
      .post(configs(taskId))
      .set(writer)
      .send({ url: `${receiver.url}/x`, pushNotificationConfig: {} });
    expect(unknown.status).toBe(400);
    expect((await test.http.get(configs(taskId)).set(reader)).body.configs).toEqual([]);

    // A task has at most 10 configs.
    for (let i = 0; i < 10; i += 1) {
      await test.http
        .post(configs(taskId))
        .set(writer)
        .send({ url: `${receiver.url}/many/${i}` })
        .expect(200);
    }
    expectInvalid(
      await test.http
        .post(configs(taskId))
        .set(writer)
        .send({ url: `${receiver.url}/many/x` }),
      'taskId',
    );
    expect((await test.http.get(configs(taskId)).set(reader)).body.configs).toHaveLength(10);

    const badPage = await test.http.get(configs(taskId)).query({ pageToken: 'nope' }).set(reader);
    expectInvalid(badPage, 'pageToken');
    expect((await test.http.get(configs(taskId)).query({ pageSize: 0 }).set(reader)).status).toBe(
      400,
    );

    // A bad config in message:send starts no task.
    const before = await test.http.get(`${base}/tasks`).set(reader);
    const refused = await test.http
      .post(`${base}/message:send`)
      .set(writer)
      .send(
        message('summary', {
          returnImmediately: true,
          taskPushNotificationConfig: { url: 'http://169.254.169.254/' },
        }),
      );
    expectInvalid(refused, 'configuration.taskPushNotificationConfig.url');
    const withTask = await test.http
      .post(`${base}/message:send`)
      .set(writer)
      .send(
        message('summary', {
          returnImmediately: true,
          taskPushNotificationConfig: { url: `${receiver.url}/x`, taskId },
        }),
      );
    expectInvalid(withTask, 'configuration.taskPushNotificationConfig.taskId');
    const both = await test.http
      .post(`${base}/message:send`)
      .set(writer)
      .send(
        message('summary', {
          returnImmediately: true,
          taskPushNotificationConfig: { url: `${receiver.url}/x` },
          pushNotificationConfig: { url: `${receiver.url}/x` },
        }),
      );
    expectInvalid(both, 'configuration.pushNotificationConfig');
    const after = await test.http.get(`${base}/tasks`).set(reader);
    expect(after.body.totalSize).toBe(before.body.totalSize);
    await test.http.post(`${base}/tasks/${taskId}:cancel`).set(writer).send({}).expect(200);
  });

  it('a config whose create read the task before a cancel committed still gets the terminal update', async () => {
    const taskId = await started();
    // The create is held at its INSERT (it has read the task, still working) while the task is
    // cancelled and that change is dispatched; then it commits.
    const blocker = new Client({ connectionString: test.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE a2a_push_configs IN SHARE MODE');
      const creating = test.http
        .post(configs(taskId))
        .set(writer)
        .send({ url: `${receiver.url}/late-create` })
        .then((response) => response);
      const held = async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO "a2a_push_configs"%'`,
          )
        ).rows[0].n === 1;
      for (let i = 0; i < 100 && !(await held()); i += 1) await pause(50);
      expect(await held()).toBe(true);
      await test.http.post(`${base}/tasks/${taskId}:cancel`).set(writer).send({}).expect(200);
      await pause(1_000);
      await blocker.query('COMMIT');
      const created = await creating;
      expect(created.status).toBe(200);
      await receivedOn('/late-create', (got) =>
        got.some((r) => stateOf(r) === 'TASK_STATE_CANCELED'),
      );
    } finally {
      await blocker.end();
    }
  });

  it('unknown, terminal and other tenants’ tasks', async () => {
    const missing = '0190a7b8-0000-7000-8000-000000000000';
    for (const id of [missing, 'not-a-uuid']) {
      const created = await test.http
        .post(configs(id))
        .set(writer)
        .send({ url: `${receiver.url}/x` });
      expect(created.status).toBe(404);
      expect(created.body.title).toBe('TaskNotFoundError');
      expect((await test.http.get(configs(id)).set(reader)).status).toBe(404);
    }

    const taskId = await started();
    await test.http
      .post(configs(taskId))
      .set(writer)
      .send({ id: 'mine', url: `${receiver.url}/mine` })
      .expect(200);
    // Another tenant's key does not find the task, nor its configs.
    const requests = [
      test.http
        .post(configs(taskId))
        .set(outsider)
        .send({ url: `${receiver.url}/theirs` }),
      test.http.get(configs(taskId)).set(outsider),
      test.http.get(`${configs(taskId)}/mine`).set(outsider),
      test.http.delete(`${configs(taskId)}/mine`).set(outsider),
    ];
    for (const response of await Promise.all(requests)) {
      expect(response.status).toBe(404);
      expect(response.body.title).toBe('TaskNotFoundError');
    }
    // A read-only key may look but not change.
    expect((await test.http.get(`${configs(taskId)}/mine`).set(reader)).status).toBe(200);
    expect(
      (
        await test.http
          .post(configs(taskId))
          .set(reader)
          .send({ url: `${receiver.url}/r` })
      ).status,
    ).toBe(403);
    expect((await test.http.delete(`${configs(taskId)}/mine`).set(reader)).status).toBe(403);
    expect((await test.http.get(configs(taskId)).set(reader)).body.configs).toHaveLength(1);

    await test.http.post(`${base}/tasks/${taskId}:cancel`).set(writer).send({}).expect(200);
    const late = await test.http
      .post(configs(taskId))
      .set(writer)
      .send({ url: `${receiver.url}/late` });
    expect(late.status).toBe(400);
    expect(late.body.title).toBe('UnsupportedOperationError');
  });
});
