import { createKey, startTestApp, TestApp } from './utils/test-app';

/** GET /agents/{id}/tasks: an agent's tasks, latest claim first, as its console page lists them. */
describe('an agent’s recent tasks', () => {
  let test: TestApp;
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  const call = async (
    method: 'get' | 'post',
    path: string,
    body?: object,
    headers = test.admin,
  ) => {
    const request = test.http[method](`/api/v1${path}`).set(headers);
    return body === undefined ? request : request.send(body);
  };
  const tasksOf = async (agentId: string, query = '', headers = test.admin) =>
    call('get', `/agents/${agentId}/tasks${query}`, undefined, headers);

  beforeAll(async () => {
    test = await startTestApp();
    for (const id of ['lister-1', 'lister-2']) {
      expect(
        (
          await call('post', '/agents', {
            id,
            name: id,
            skills: [{ id: 'listing', name: 'Listing' }],
          })
        ).status,
      ).toBe(201);
    }
  });

  afterAll(async () => {
    await test?.close();
  });

  it('lists held and finished tasks, latest claim first, with status filter and keyset pages', async () => {
    const runs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const started = await call('post', '/workflows', {
        type: 'listing',
        steps: [{ key: `step-${i}`, skill: 'listing' }],
      });
      expect(started.status).toBe(201);
      runs.push(started.body.data.id);
    }
    const claimed: Json[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await call('post', '/agents/lister-1/tasks/claim', { max: 1 });
      expect(response.status).toBe(200);
      claimed.push(response.body.data.tasks[0]);
    }
    // Three finish (two succeed, one fails for good), one stays held.
    for (const task of claimed.slice(0, 2)) {
      const done = await call('post', `/tasks/${task.id}/complete`, {
        leaseToken: task.leaseToken,
        output: { ok: true },
      });
      expect(done.status).toBe(200);
    }
    const failed = await call('post', `/tasks/${claimed[2].id}/fail`, {
      leaseToken: claimed[2].leaseToken,
      error: { message: 'no' },
      retryable: false,
    });
    expect(failed.status).toBe(200);

    const all = await tasksOf('lister-1');
    expect(all.status).toBe(200);
    const listed = all.body.data.tasks as Json[];
    expect(listed.map((task) => task.id)).toEqual(claimed.map((task) => task.id).reverse());
    expect(listed.map((task) => task.status)).toEqual([
      'claimed',
      'failed',
      'succeeded',
      'succeeded',
    ]);
    expect(listed[0]).toMatchObject({
      workflowId: runs[3],
      stepKey: 'step-3',
      skill: 'listing',
      attempt: 1,
    });
    expect(listed[0]).not.toHaveProperty('leaseToken');

    const succeeded = await tasksOf('lister-1', '?status=succeeded');
    expect((succeeded.body.data.tasks as Json[]).map((task) => task.id)).toEqual([
      claimed[1].id,
      claimed[0].id,
    ]);

    const first = await tasksOf('lister-1', '?limit=3');
    expect(first.body.data.tasks).toHaveLength(3);
    const cursor = first.body.meta.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await tasksOf('lister-1', `?limit=3&cursor=${encodeURIComponent(cursor)}`);
    expect((second.body.data.tasks as Json[]).map((task) => task.id)).toEqual([claimed[0].id]);
    expect(second.body.meta.nextCursor).toBeNull();

    // Another agent's list holds none of them.
    expect((await tasksOf('lister-2')).body.data.tasks).toEqual([]);
  });

  it('answers 404 for an unknown agent, 400 for bad input, 403 without workflows:read', async () => {
    expect((await tasksOf('nobody-here')).status).toBe(404);
    expect((await tasksOf('bad id!')).status).toBe(404);
    expect((await tasksOf('lister-1', '?cursor=not-ours')).status).toBe(400);
    expect((await tasksOf('lister-1', '?status=sleeping')).status).toBe(400);
    expect((await tasksOf('lister-1', '?limit=0')).status).toBe(400);
    const agentsOnly = await createKey(test, { scopes: ['agents:read'] });
    expect(
      (await tasksOf('lister-1', '', { authorization: agentsOnly.authorization })).status,
    ).toBe(403);
  });
});
