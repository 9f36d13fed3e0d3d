import { violations } from './a2a/a2a-schema';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = Record<string, string>;

/**
 * The A2A 1.0 surface: the well-known card, tasks over runs, and 0.3/1.0 card import and
 * export, each checked against a schema written from the specification's protobuf.
 */
describe('A2A 1.0', () => {
  let test: TestApp;
  let publicCard: TestApp;
  let writer: Headers;
  let reader: Headers;
  let worker: Headers;

  const send = (body: unknown, headers: Headers = writer) =>
    test.http
      .post('/a2a/v1/message:send')
      .set(headers)
      .send(body as object);
  /** A SendMessageRequest answered at once (returnImmediately) unless `blocking`. */
  const message = (skillId: string, parts: Json[], extra: Json = {}, blocking = false) => ({
    message: {
      messageId: `m-${Math.random().toString(36).slice(2)}`,
      role: 'ROLE_USER',
      parts,
      metadata: { skillId },
      ...extra,
    },
    ...(blocking ? {} : { configuration: { returnImmediately: true } }),
  });
  const taskOf = async (id: string): Promise<Json> => {
    const response = await test.http.get(`/a2a/v1/tasks/${id}`).set(reader);
    expect(response.status).toBe(200);
    expect(violations(response.body, 'Task')).toEqual([]);
    return response.body as Json;
  };
  const started = async (skillId: string, input: Json = {}): Promise<Json> => {
    const response = await send(message(skillId, [{ data: input, mediaType: 'application/json' }]));
    expect(response.status).toBe(200);
    expect(violations(response.body.task, 'Task')).toEqual([]);
    return response.body.task as Json;
  };
  const claimOne = async (agentId: string): Promise<Json> => {
    const response = await test.http
      .post(`/api/v1/agents/${agentId}/tasks/claim`)
      .set(worker)
      .send({});
    expect(response.status).toBe(200);
    expect(response.body.data.tasks).toHaveLength(1);
    return response.body.data.tasks[0] as Json;
  };
  const define = async (key: string, steps: Json[], name?: string) => {
    const response = await test.http
      .post('/api/v1/workflow-definitions')
      .set(writer)
      .send({ key, name, steps });
    expect(response.status).toBe(201);
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    publicCard = await startTestApp(
      { A2A_PUBLIC_CARD: 'true', A2A_SEND_WAIT_SECONDS: '1' },
      { db: test.db },
    );
    const key = async (scopes: string[]) => ({
      authorization: (await createKey(test, { scopes })).authorization,
    });
    writer = await key(['workflows:write', 'workflows:read', 'agents:write', 'agents:read']);
    reader = await key(['workflows:read', 'agents:read']);
    worker = await key(['tasks:work']);
    const registered = await test.http
      .post('/api/v1/agents')
      .set(writer)
      .send({
        id: 'summarizer',
        name: 'Summarizer',
        skills: [{ id: 'summarize', name: 'Summarize' }],
      });
    expect(registered.status).toBe(201);
    await define('summary', [{ key: 'sum', skill: 'summarize' }], 'Summarize a text');
    await define('reviewed', [
      { key: 'draft', skill: 'summarize' },
      { key: 'ship', kind: 'approval', dependsOn: ['draft'] },
    ]);
  });

  afterAll(async () => {
    await publicCard.close();
    await test.close();
  });

  it('the schema checker refuses what the specification does not allow', () => {
    const task = {
      id: 't',
      status: { state: 'TASK_STATE_WORKING', timestamp: '2026-01-01T00:00:00.000Z' },
    };
    expect(violations(task, 'Task')).toEqual([]);
    expect(violations({ ...task, status: { state: 'working' } }, 'Task')).toEqual([
      '$.status.state: not one of the enum',
    ]);
    expect(violations({ id: 't' }, 'Task')).toEqual(['$.status: required']);
    expect(
      violations(
        { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'a', data: {} }] },
        'Message',
      ),
    ).toEqual(['$.parts[0]: exactly one of text|raw|url|data']);
    expect(violations({ name: 'x', url: 'https://x' }, 'AgentCard')).toContain(
      '$.url: unknown field',
    );
  });

  describe('GET /.well-known/agent-card.json', () => {
    it("is the key's tenant as one agent with a skill per definition, current as they change", async () => {
      const response = await test.http.get('/.well-known/agent-card.json').set(worker);
      expect(response.status).toBe(200);
      const card = response.body as Json;
      expect(violations(card, 'AgentCard')).toEqual([]);
      expect(card.supportedInterfaces).toEqual([
        {
          url: `${test.config.publicUrl}/a2a/v1`,
          protocolBinding: 'HTTP+JSON',
          protocolVersion: '1.0',
        },
      ]);
      expect(card.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(Object.keys(card.securitySchemes as Json).sort()).toEqual(['apiKey', 'bearer']);
      expect(card.securitySchemes.apiKey.apiKeySecurityScheme).toMatchObject({
        location: 'header',
        name: 'X-API-Key',
      });
      expect(card.skills.map((skill: Json) => skill.id)).toEqual(
        expect.arrayContaining(['summary', 'reviewed']),
      );
      expect(card.skills.find((skill: Json) => skill.id === 'summary')).toMatchObject({
        name: 'Summarize a text',
        tags: expect.arrayContaining(['workflow', 'summarize']),
      });

      await define('later', [{ key: 'x', skill: 'summarize' }]);
      const after = await test.http.get('/.well-known/agent-card.json').set(reader);
      expect(after.body.skills.map((skill: Json) => skill.id)).toContain('later');
    });

    it('anonymous: 401 problem+json unless A2A_PUBLIC_CARD, then the default tenant', async () => {
      const refused = await test.http.get('/.well-known/agent-card.json');
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body.type).toBe('urn:agentmesh:problem:missing-credentials');

      const open = await publicCard.http.get('/.well-known/agent-card.json');
      expect(open.status).toBe(200);
      expect(violations(open.body, 'AgentCard')).toEqual([]);
      expect(open.body.skills.map((skill: Json) => skill.id)).toContain('summary');

      // A key that is presented is still checked.
      const bogus = await publicCard.http
        .get('/.well-known/agent-card.json')
        .set('authorization', 'Bearer amk_not-a-real-key');
      expect(bogus.status).toBe(401);
    });

    it('a platform admin reads another tenant’s card with X-Tenant-Id', async () => {
      const tenant = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .send({ id: 'acme', name: 'Acme Corp' });
      expect(tenant.status).toBe(201);
      const response = await test.http
        .get('/.well-known/agent-card.json')
        .set(test.admin)
        .set('x-tenant-id', 'acme');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ name: 'Acme Corp', skills: [] });
      expect(violations(response.body, 'AgentCard')).toEqual([]);
    });
  });

  describe('tasks over runs', () => {
    it('submitted → working → completed with the output as a data artifact', async () => {
      const task = await started('summary', { text: 'long' });
      expect(task.status.state).toBe('TASK_STATE_SUBMITTED');
      expect(task.contextId).toBe(task.id);

      const claimed = await claimOne('summarizer');
      expect(claimed.input).toMatchObject({ input: { text: 'long' } });
      expect((await taskOf(task.id as string)).status.state).toBe('TASK_STATE_WORKING');

      const done = await test.http
        .post(`/api/v1/tasks/${claimed.id}/complete`)
        .set(worker)
        .send({ leaseToken: claimed.leaseToken, output: { summary: 'short' } });
      expect(done.status).toBe(200);
      const completed = await taskOf(task.id as string);
      expect(completed.status.state).toBe('TASK_STATE_COMPLETED');
      expect(completed.artifacts).toEqual([
        expect.objectContaining({
          parts: [{ data: { sum: { summary: 'short' } }, mediaType: 'application/json' }],
        }),
      ]);
    });

    it('failed, with the error as the status message', async () => {
      const task = await send(message('summary', [{ text: 'hello' }]));
      expect(task.status).toBe(200);
      const claimed = await claimOne('summarizer');
      expect(claimed.input).toMatchObject({ input: { text: 'hello' } });
      const failed = await test.http
        .post(`/api/v1/tasks/${claimed.id}/fail`)
        .set(worker)
        .send({ leaseToken: claimed.leaseToken, error: { message: 'no words' }, retryable: false });
      expect(failed.status).toBe(200);
      const view = await taskOf(task.body.task.id as string);
      expect(view.status.state).toBe('TASK_STATE_FAILED');
      expect(view.status.message).toMatchObject({
        role: 'ROLE_AGENT',
        parts: [{ text: 'no words' }],
      });
    });

    it('input-required while an approval waits, dated when it began to wait', async () => {
      const task = await started('reviewed');
      const claimed = await claimOne('summarizer');
      const working = (await taskOf(task.id as string)).status.timestamp as string;
      const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
      await pause();
      const between = new Date().toISOString();
      await pause();
      await test.http
        .post(`/api/v1/tasks/${claimed.id}/complete`)
        .set(worker)
        .send({ leaseToken: claimed.leaseToken, output: 'draft' })
        .expect(200);
      const view = await taskOf(task.id as string);
      expect(view.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
      expect(view.status.message.parts[0].text).toContain('approval step "ship"');
      // Its status changed with the approval's arrival, not when the run started working.
      expect(Date.parse(view.status.timestamp)).toBeGreaterThan(Date.parse(between));
      const listed = async (after: string) =>
        (
          await test.http
            .get(`/a2a/v1/tasks?contextId=${task.id}&statusTimestampAfter=${after}`)
            .set(reader)
        ).body.tasks.map((t: Json) => t.id);
      // A client that polls with the time it last looked sees the change once: after the time
      // of the status it saw, not at it.
      expect(await listed(working)).toEqual([task.id]);
      expect(await listed(between)).toEqual([task.id]);
      expect(await listed(view.status.timestamp)).toEqual([]);
    });

    it('canceled, and a finished task is not cancelable (409 TaskNotCancelableError)', async () => {
      const task = await started('summary');
      const canceled = await test.http.post(`/a2a/v1/tasks/${task.id}:cancel`).set(writer).send({});
      expect(canceled.status).toBe(200);
      expect(violations(canceled.body, 'Task')).toEqual([]);
      expect(canceled.body.status.state).toBe('TASK_STATE_CANCELED');
      expect((await taskOf(task.id as string)).status.state).toBe('TASK_STATE_CANCELED');

      const again = await test.http.post(`/a2a/v1/tasks/${task.id}:cancel`).set(writer).send({});
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        title: 'TaskNotCancelableError',
        type: 'urn:agentmesh:problem:a2a-task-not-cancelable',
      });
    });

    it('bad input is a 4xx problem+json naming the A2A error, and starts nothing', async () => {
      const before = await test.http.get('/api/v1/workflows?limit=100').set(reader);
      const cases: Array<[unknown, number, string]> = [
        [{}, 400, 'InvalidParamsError'],
        [{ message: 'hi' }, 400, 'InvalidParamsError'],
        [{ ...message('summary', [{ text: 'x' }]), extra: 1 }, 400, 'InvalidParamsError'],
        [message('summary', [{ text: 5 }]), 400, 'InvalidParamsError'],
        [message('summary', [{}]), 400, 'InvalidParamsError'],
        [message('summary', [{ text: 'x', data: { a: 1 } }]), 400, 'InvalidParamsError'],
        [
          { ...message('summary', [{ text: 'x' }]), configuration: { returnImmediately: 'yes' } },
          400,
          'InvalidParamsError',
        ],
        [
          { ...message('summary', [{ text: 'x' }]), configuration: { bogus: true } },
          400,
          'InvalidParamsError',
        ],
        [message('', [{ text: 'x' }]), 400, 'InvalidParamsError'],
        [
          { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x' }] } },
          400,
          'InvalidParamsError',
        ],
        [message('summary', []), 400, 'InvalidParamsError'],
        [message('summary', [{ text: 'x' }], { role: 'ROLE_AGENT' }), 400, 'InvalidParamsError'],
        [message('summary', [{ data: [1, 2] }]), 400, 'InvalidParamsError'],
        [message('nope', [{ text: 'x' }]), 400, 'InvalidParamsError'],
        [message('../../etc', [{ text: 'x' }]), 400, 'InvalidParamsError'],
        [message('summary', [{ url: 'https://x/y.pdf' }]), 400, 'ContentTypeNotSupportedError'],
        [message('summary', [{ text: 'x' }], { taskId: 'abc' }), 400, 'UnsupportedOperationError'],
      ];
      for (const [body, status, title] of cases) {
        const response = await send(body);
        expect([JSON.stringify(body), response.status, response.body.title]).toEqual([
          JSON.stringify(body),
          status,
          title,
        ]);
        expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      // A refused part is named by its index, as the other part errors are.
      const arrayData = await send(message('summary', [{ text: 'x' }, { data: [1, 2] }]));
      expect(arrayData.body.errors).toEqual([
        { field: 'message.parts[1].data', message: expect.any(String) },
      ]);
      const after = await test.http.get('/api/v1/workflows?limit=100').set(reader);
      expect(after.body.data.workflows).toHaveLength(before.body.data.workflows.length);

      for (const path of [
        '/a2a/v1/tasks/not-a-uuid',
        '/a2a/v1/tasks/0190a000-0000-7000-8000-000000000000',
      ]) {
        const missing = await test.http.get(path).set(reader);
        expect(missing.status).toBe(404);
        expect(missing.body.title).toBe('TaskNotFoundError');
      }
      const verb = await test.http
        .post('/a2a/v1/tasks/0190a000-0000-7000-8000-000000000000:frobnicate')
        .set(writer)
        .send({});
      expect(verb.status).toBe(404);
      // A custom method asked with the wrong HTTP method, or a task's own path posted to: 405.
      const open = await started('summary', { text: 'verbs' });
      for (const [method, path, allow] of [
        ['get', `/a2a/v1/tasks/${open.id}:cancel`, 'POST'],
        ['post', `/a2a/v1/tasks/${open.id}:subscribe`, 'GET'],
        ['post', `/a2a/v1/tasks/${open.id}`, 'GET'],
      ] as const) {
        const wrong = await test.http[method](path)
          .set(method === 'get' ? reader : writer)
          .send();
        expect([method, path, wrong.status, wrong.headers.allow]).toEqual([
          method,
          path,
          405,
          allow,
        ]);
      }
      await test.http.post(`/a2a/v1/tasks/${open.id}:cancel`).set(writer).send({});
      for (const query of ['status=BOGUS', 'pageSize=0', 'pageSize=0x10', 'historyLength=2e1']) {
        const bad = await test.http.get(`/a2a/v1/tasks?${query}`).set(reader);
        expect([query, bad.status, bad.body.title]).toEqual([query, 400, 'InvalidParamsError']);
      }
      // GetTask judges its query as ListTasks does: historyLength is the one it takes.
      for (const query of [
        'historyLength=abc',
        'historyLength=-1',
        'historyLength=0x2',
        'historyLength=1e3',
        // Past the int32 the A2A schema gives it.
        'historyLength=2147483648',
        'foo=1',
      ]) {
        const bad = await test.http.get(`/a2a/v1/tasks/${open.id}?${query}`).set(reader);
        expect([query, bad.status, bad.body.title]).toEqual([query, 400, 'InvalidParamsError']);
      }
      expect(
        (await test.http.get(`/a2a/v1/tasks/${open.id}?historyLength=2`).set(reader)).status,
      ).toBe(200);
      expect((await send(message('summary', [{ text: 'x' }]), reader)).status).toBe(403);
      expect((await test.http.get('/a2a/v1/tasks/x').set(worker)).status).toBe(403);
    });
  });

  describe('blocking send, ListTasks and streams', () => {
    /** The frames of a finished SSE response, each a StreamResponse. */
    const framesOf = (text: string): Json[] =>
      text
        .split('\n\n')
        .map((frame) => frame.split('\n').find((line) => line.startsWith('data: ')))
        .filter((line): line is string => line !== undefined)
        .map((line) => JSON.parse(line.slice('data: '.length)) as Json);
    const completeNext = async (output: Json) => {
      const claimed = await test.http
        .post('/api/v1/agents/summarizer/tasks/claim')
        .set(worker)
        .send({ max: 1, waitSeconds: 10 });
      expect(claimed.status).toBe(200);
      expect(claimed.body.data.tasks).toHaveLength(1);
      const [task] = claimed.body.data.tasks as Json[];
      await test.http
        .post(`/api/v1/tasks/${task.id}/complete`)
        .set(worker)
        .send({ leaseToken: task.leaseToken, output })
        .expect(200);
    };

    it('a blocking send answers once the task completes, or needs input', async () => {
      const [completed] = await Promise.all([
        send(message('summary', [{ text: 'wait for me' }], {}, true)),
        completeNext({ summary: 'done' }),
      ]);
      expect(completed.status).toBe(200);
      expect(violations(completed.body.task, 'Task')).toEqual([]);
      expect(completed.body.task.status.state).toBe('TASK_STATE_COMPLETED');
      expect(completed.body.task.artifacts[0].parts[0].data).toEqual({
        sum: { summary: 'done' },
      });

      const [interrupted] = await Promise.all([
        send(message('reviewed', [{ text: 'ship it' }], {}, true)),
        completeNext({ draft: 'v1' }),
      ]);
      expect(interrupted.status).toBe(200);
      expect(interrupted.body.task.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
    });

    it('a blocking send answers the task as it is after A2A_SEND_WAIT_SECONDS', async () => {
      const response = await publicCard.http
        .post('/a2a/v1/message:send')
        .set(writer)
        .send(message('summary', [{ text: 'nobody works on this' }], {}, true));
      expect(response.status).toBe(200);
      expect(response.body.task.status.state).toBe('TASK_STATE_SUBMITTED');
      // Nobody is left to hold the queue up for the tests after this one.
      await test.http.post(`/a2a/v1/tasks/${response.body.task.id}:cancel`).set(writer).send({});
    });

    it('a blocking send whose key is revoked while it waits answers the task as it was then', async () => {
      const sender = await createKey(test, { scopes: ['workflows:write', 'workflows:read'] });
      const answered = send(message('summary', [{ text: 'revoked meanwhile' }], {}, true), {
        authorization: sender.authorization,
      });
      let settled = false;
      const done = answered.then((response) => {
        settled = true;
        return response;
      });
      // The run has started (the task can be claimed) before the key goes.
      const pending = await test.http
        .get('/api/v1/workflows?status=pending&type=summary')
        .set(writer);
      expect(pending.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const revoked = await test.http.delete(`/api/v1/api-keys/${sender.id}`).set(test.admin);
      expect(revoked.status).toBe(204);
      // Unreferenced: the suite's worker may exit before this bound runs out.
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
      expect(settled).toBe(true);
      // What the agent does after the revocation is not handed to the revoked key.
      await completeNext({ summary: 'after the revocation' });
      const response = await done;
      expect(response.status).toBe(200);
      expect(violations(response.body.task, 'Task')).toEqual([]);
      expect(response.body.task.status.state).not.toBe('TASK_STATE_COMPLETED');
      expect(JSON.stringify(response.body)).not.toContain('after the revocation');
    });

    it('a repeat of a blocking send while it waits is a 409 that says to retry, then replayed', async () => {
      const body = message('summary', [{ text: 'repeated while waiting' }], {}, true);
      const headers = { ...writer, 'idempotency-key': `wait-${Date.now()}` };
      const first = publicCard.http.post('/a2a/v1/message:send').set(headers).send(body);
      const firstDone = first.then((response) => response);
      await new Promise((done) => setTimeout(done, 400));
      // The run has started (its change committed); the answer is still to come.
      const repeat = await publicCard.http.post('/a2a/v1/message:send').set(headers).send(body);
      expect([repeat.status, repeat.body.type]).toEqual([
        409,
        'urn:agentmesh:problem:idempotency-key-committed',
      ]);
      // It cannot read a task whose id it was never told: it is told to retry for the answer.
      expect(repeat.body.detail).toContain('retry shortly to get it replayed');
      const answered = await firstDone;
      expect(answered.status).toBe(200);
      const replayed = await publicCard.http.post('/a2a/v1/message:send').set(headers).send(body);
      expect(replayed.status).toBe(200);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.body.task.id).toBe(answered.body.task.id);
      await test.http.post(`/a2a/v1/tasks/${answered.body.task.id}:cancel`).set(writer).send({});
    });

    it('ListTasks pages newest first, filters by state and context, counts the total', async () => {
      const open = await started('summary', { text: 'listed' });
      const all = await test.http.get('/a2a/v1/tasks?pageSize=2').set(reader);
      expect(all.status).toBe(200);
      expect(violations(all.body, 'ListTasksResponse')).toEqual([]);
      expect(all.body.pageSize).toBe(2);
      expect(all.body.tasks).toHaveLength(2);
      expect(all.body.tasks[0].id).toBe(open.id);
      expect(all.body.totalSize).toBeGreaterThan(2);
      expect(all.body.tasks.every((task: Json) => task.artifacts === undefined)).toBe(true);

      const seen = new Set<string>();
      let token = '';
      let pages = 0;
      do {
        const page = await test.http
          .get(`/a2a/v1/tasks?pageSize=3${token ? `&pageToken=${token}` : ''}`)
          .set(reader);
        expect(page.status).toBe(200);
        for (const task of page.body.tasks as Json[]) seen.add(task.id as string);
        token = page.body.nextPageToken as string;
        pages += 1;
      } while (token && pages < 100);
      expect(seen.size).toBe(all.body.totalSize);

      const byState = async (state: string) => {
        const response = await test.http
          .get(`/a2a/v1/tasks?status=${state}&pageSize=100&includeArtifacts=true`)
          .set(reader);
        expect(response.status).toBe(200);
        expect(violations(response.body, 'ListTasksResponse')).toEqual([]);
        for (const task of response.body.tasks as Json[]) expect(task.status.state).toBe(state);
        return response.body as Json;
      };
      const completed = await byState('TASK_STATE_COMPLETED');
      expect(completed.totalSize).toBeGreaterThan(0);
      expect(completed.tasks[0].artifacts).toHaveLength(1);
      expect((await byState('TASK_STATE_INPUT_REQUIRED')).totalSize).toBeGreaterThan(0);
      expect((await byState('TASK_STATE_SUBMITTED')).tasks.map((t: Json) => t.id)).toContain(
        open.id,
      );
      expect((await byState('TASK_STATE_REJECTED')).totalSize).toBe(0);

      const context = await test.http.get(`/a2a/v1/tasks?contextId=${open.id}`).set(reader);
      expect(context.body.tasks.map((task: Json) => task.id)).toEqual([open.id]);
      expect(context.body.totalSize).toBe(1);
      expect((await test.http.get('/a2a/v1/tasks?contextId=nope').set(reader)).body.totalSize).toBe(
        0,
      );

      for (const query of [
        'pageSize=0',
        'pageSize=101',
        'status=done',
        'pageToken=zzz',
        // Read in the server's own zone: another instant on a server elsewhere.
        'statusTimestampAfter=2026-12-03T13:55:00',
        'statusTimestampAfter=2026-02-30T00:00:00Z',
      ]) {
        const bad = await test.http.get(`/a2a/v1/tasks?${query}`).set(reader);
        expect([query, bad.status]).toEqual([query, 400]);
      }
      expect((await test.http.get('/a2a/v1/tasks').set(worker)).status).toBe(403);
      await test.http.post(`/a2a/v1/tasks/${open.id}:cancel`).set(writer).send({});
    });

    it('message:stream streams the task, its output and its completion, then ends', async () => {
      const [streamed] = await Promise.all([
        test.http
          .post('/a2a/v1/message:stream')
          .set(writer)
          .send(message('summary', [{ text: 'stream me' }], {}, true)),
        completeNext({ summary: 'streamed' }),
      ]);
      expect(streamed.status).toBe(200);
      expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
      const frames = framesOf(streamed.text);
      for (const frame of frames) expect(violations(frame, 'StreamResponse')).toEqual([]);
      expect(frames[0].task.status.state).toBe('TASK_STATE_SUBMITTED');
      const id = frames[0].task.id as string;
      const [artifact, last] = frames.slice(-2);
      expect(artifact.artifactUpdate).toMatchObject({
        taskId: id,
        artifact: { parts: [{ data: { sum: { summary: 'streamed' } } }] },
      });
      expect(last.statusUpdate).toMatchObject({
        taskId: id,
        contextId: id,
        status: { state: 'TASK_STATE_COMPLETED' },
      });
      const states = frames.flatMap((frame) =>
        frame.statusUpdate ? [frame.statusUpdate.status.state as string] : [],
      );
      expect(new Set(states).size).toBe(states.length); // one update per change
    });

    it('tasks/{id}:subscribe follows a task to its end; a finished task is refused', async () => {
      const task = await started('summary', { text: 'subscribe' });
      const [subscribed] = await Promise.all([
        test.http.get(`/a2a/v1/tasks/${task.id}:subscribe`).set(reader),
        completeNext({ summary: 'followed' }),
      ]);
      expect(subscribed.status).toBe(200);
      const frames = framesOf(subscribed.text);
      for (const frame of frames) expect(violations(frame, 'StreamResponse')).toEqual([]);
      expect(frames[0].task.id).toBe(task.id);
      expect(frames[frames.length - 1].statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');

      const again = await test.http.get(`/a2a/v1/tasks/${task.id}:subscribe`).set(reader);
      expect(again.status).toBe(400);
      expect(again.body.title).toBe('UnsupportedOperationError');
      const missing = await test.http
        .get('/a2a/v1/tasks/0190a000-0000-7000-8000-000000000000:subscribe')
        .set(reader);
      expect(missing.status).toBe(404);
      expect((await test.http.get(`/a2a/v1/tasks/${task.id}:subscribe`).set(worker)).status).toBe(
        403,
      );
    });
  });

  describe('AgentCard import and export', () => {
    const cardV1 = {
      name: 'Translator',
      description: 'Translates',
      supportedInterfaces: [
        { url: 'https://t.example/grpc', protocolBinding: 'GRPC', protocolVersion: '1.0' },
        {
          url: 'https://t.example/a2a',
          protocolBinding: 'HTTP+JSON',
          protocolVersion: '1.0',
          tenant: 't1',
        },
      ],
      provider: { organization: 'Example', url: 'https://example.com' },
      version: '3.0.0',
      documentationUrl: 'https://t.example/docs',
      capabilities: {
        streaming: true,
        extendedAgentCard: true,
        extensions: [{ uri: 'urn:x', required: false }],
      },
      securitySchemes: {
        oauth: {
          oauth2SecurityScheme: {
            flows: {
              clientCredentials: {
                tokenUrl: 'https://t.example/token',
                scopes: { t: 'translate' },
              },
            },
          },
        },
      },
      securityRequirements: [{ schemes: { oauth: { list: ['t'] } } }],
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [
        {
          id: 'translate',
          name: 'Translate',
          description: 'Any to any',
          tags: ['language'],
          examples: ['Translate "hi" to French'],
          inputModes: ['text/plain'],
          securityRequirements: [{ schemes: { oauth: { list: ['t'] } } }],
        },
      ],
      signatures: [{ protected: 'eyJhbGciOiJFUzI1NiJ9', signature: 'c2ln', header: { kid: 'k1' } }],
      iconUrl: 'https://t.example/icon.png',
    };

    it('a 1.0 card round-trips; its endpoint is the first JSON-RPC or HTTP+JSON interface', async () => {
      expect(violations(cardV1, 'AgentCard')).toEqual([]);
      const imported = await test.http
        .post('/api/v1/agents/import')
        .set(writer)
        .send({ card: cardV1 });
      expect(imported.status).toBe(201);
      expect(imported.body.data).toMatchObject({
        id: 'translator',
        endpoint: 'https://t.example/a2a',
        version: '3.0.0',
        skills: [
          expect.objectContaining({
            id: 'translate',
            tags: ['language'],
            examples: cardV1.skills[0].examples,
          }),
        ],
      });
      const exported = await test.http.get('/api/v1/agents/translator/card').set(reader);
      expect(exported.status).toBe(200);
      expect(exported.body).toEqual(cardV1);

      // In 0.3 terms: the preferred interface is the url, every interface an additional one.
      const old = await test.http.get('/api/v1/agents/translator/card?version=0.3').set(reader);
      expect(old.body).toMatchObject({
        protocolVersion: '0.3.0',
        url: 'https://t.example/grpc',
        preferredTransport: 'GRPC',
        supportsAuthenticatedExtendedCard: true,
        security: [{ oauth: ['t'] }],
        securitySchemes: {
          oauth: { type: 'oauth2', flows: cardV1.securitySchemes.oauth.oauth2SecurityScheme.flows },
        },
      });
      expect(old.body.additionalInterfaces).toHaveLength(2);
      expect(old.body).not.toHaveProperty('supportedInterfaces');
    });

    it('a 0.3 card round-trips as 0.3 and exports as a valid 1.0 card by default', async () => {
      const card = {
        protocolVersion: '0.3.0',
        name: 'Old Agent',
        description: 'Speaks 0.3',
        url: 'https://old.example/rpc',
        preferredTransport: 'JSONRPC',
        version: '1.0.0',
        capabilities: { pushNotifications: true },
        securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } },
        security: [{ key: [] }],
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain'],
        skills: [
          { id: 'echo', name: 'Echo', description: 'Echoes', tags: ['io'], examples: ['echo hi'] },
        ],
      };
      const imported = await test.http.post('/api/v1/agents/import').set(writer).send({ card });
      expect(imported.status).toBe(201);
      expect(imported.body.data.endpoint).toBe('https://old.example/rpc');
      const old = await test.http.get('/api/v1/agents/old-agent/card?version=0.3').set(reader);
      expect(old.body).toEqual(card);
      const current = await test.http.get('/api/v1/agents/old-agent/card').set(reader);
      expect(violations(current.body, 'AgentCard')).toEqual([]);
      expect(current.body).toMatchObject({
        supportedInterfaces: [
          { url: 'https://old.example/rpc', protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
        ],
        capabilities: { pushNotifications: true },
        securitySchemes: { key: { apiKeySecurityScheme: { location: 'header', name: 'X-Key' } } },
        securityRequirements: [{ schemes: { key: { list: [] } } }],
        skills: [
          { id: 'echo', name: 'Echo', description: 'Echoes', tags: ['io'], examples: ['echo hi'] },
        ],
      });
    });

    it('a registered agent exports as a valid 1.0 card', async () => {
      const card = await test.http.get('/api/v1/agents/summarizer/card').set(reader);
      expect(card.status).toBe(200);
      expect(violations(card.body, 'AgentCard')).toEqual([]);
    });

    it('bad cards and versions are 400, never 500', async () => {
      for (const card of [
        { ...cardV1, supportedInterfaces: [] },
        { ...cardV1, supportedInterfaces: 'https://x' },
        { ...cardV1, supportedInterfaces: [{ protocolBinding: 'GRPC' }] },
        { ...cardV1, supportedInterfaces: [{ url: 'not a url', protocolBinding: 'JSONRPC' }] },
        { ...cardV1, name: 'Bad skills', skills: 'none' },
        // A 0.3 card without its url: no endpoint at all.
        { protocolVersion: '0.3.0', name: 'No url', description: 'x', version: '1', skills: [] },
      ] as Array<Record<string, unknown>>) {
        const response = await test.http
          .post('/api/v1/agents/import')
          .set(writer)
          .send({ card, id: 'bad-card' });
        const which = JSON.stringify(card.supportedInterfaces ?? card.name);
        expect([which, response.status]).toEqual([which, 400]);
      }
      const version = await test.http.get('/api/v1/agents/summarizer/card?version=2.0').set(reader);
      expect(version.status).toBe(400);

      // Labels are writable: a kept card that is not one is ignored or refused, never a 500.
      for (const [label, status] of [
        ['junk', 200],
        [{ supportedInterfaces: [{ url: 5 }] }, 400],
      ] as const) {
        const put = await test.http
          .put('/api/v1/agents/labelled')
          .set(writer)
          .send({ name: 'Labelled', skills: [{ name: 'x' }], labels: { 'a2a.card': label } });
        expect(put.status).toBeLessThan(300);
        const card = await test.http.get('/api/v1/agents/labelled/card').set(reader);
        expect([label, card.status]).toEqual([label, status]);
        expect(status === 200 ? violations(card.body, 'AgentCard') : []).toEqual([]);
      }
    });
  });
});
