import { startReplicas, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

const RUNS = 40;

/**
 * The two parallel steps of a run completed at the same instant through two replicas, so in two
 * transactions: each locks the run, and the second reads the first's step as it committed, so
 * exactly one of them queues the step that depends on both. A completion that read its run's
 * other steps from before it held the lock would see the other still claimed, and the run would
 * wait forever.
 */
describe('parallel steps completed at once through two replicas', () => {
  let replicas: Awaited<ReturnType<typeof startReplicas>> | undefined;
  let apps: TestApp[];
  let writer: Headers;
  let worker: Headers;

  beforeAll(async () => {
    replicas = await startReplicas(2);
    ({ apps, writer, worker } = replicas);
  });

  afterAll(async () => {
    await replicas?.close();
  });

  const call = async (app: TestApp, path: string, body: unknown, headers: Headers) => {
    const response = await app.http
      .post(`/api/v1${path}`)
      .set(headers)
      .send(body as object);
    return { status: response.status, body: response.body as Json };
  };

  it('queues the joining step of every run exactly once, and every run finishes', async () => {
    for (const id of ['par-a', 'par-b']) {
      const registered = await apps[0].http
        .put(`/api/v1/agents/${id}`)
        .set(writer)
        .send({ name: id, skills: [{ id: 'par', name: 'par' }], heartbeatIntervalSeconds: 3600 });
      expect([200, 201]).toContain(registered.status);
    }
    const runs: string[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const started = await call(
        apps[0],
        '/workflows',
        {
          type: 'parallel-join',
          steps: [
            { key: 'a', skill: 'par' },
            { key: 'b', skill: 'par' },
            { key: 'c', skill: 'par', dependsOn: ['a', 'b'] },
          ],
        },
        writer,
      );
      expect(started.status).toBe(201);
      runs.push(started.body.data.id as string);
    }
    const claimed: Json[] = [];
    for (;;) {
      const { status, body } = await call(
        apps[0],
        '/agents/par-a/tasks/claim',
        { max: 10 },
        worker,
      );
      expect(status).toBe(200);
      if (body.data.tasks.length === 0) break;
      claimed.push(...(body.data.tasks as Json[]));
    }
    expect(claimed).toHaveLength(2 * RUNS);
    const byRun = new Map<string, Json[]>();
    for (const task of claimed)
      byRun.set(task.workflowId, [...(byRun.get(task.workflowId) ?? []), task]);
    // Each run's two steps at once, one through each replica.
    const answers = await Promise.all(
      [...byRun.values()].flatMap(([first, second]) =>
        [first, second].map((task, index) =>
          call(
            apps[index],
            `/tasks/${task.id}/complete`,
            { leaseToken: task.leaseToken, output: { step: task.stepKey } },
            worker,
          ),
        ),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));

    const joins: Json[] = [];
    for (;;) {
      const { body } = await call(apps[1], '/agents/par-b/tasks/claim', { max: 10 }, worker);
      if (body.data.tasks.length === 0) break;
      joins.push(...(body.data.tasks as Json[]));
    }
    expect(joins.map((task) => task.stepKey)).toEqual(joins.map(() => 'c'));
    expect(new Set(joins.map((task) => task.workflowId))).toEqual(new Set(runs));
    expect(joins).toHaveLength(RUNS);
    for (const task of joins) {
      const done = await call(
        apps[1],
        `/tasks/${task.id}/complete`,
        { leaseToken: task.leaseToken, output: { step: 'c' } },
        worker,
      );
      expect(done.status).toBe(200);
    }
    for (const id of runs) {
      const detail = await apps[0].http.get(`/api/v1/workflows/${id}`).set(writer);
      expect(detail.body.data).toMatchObject({
        status: 'succeeded',
        output: { a: { step: 'a' }, b: { step: 'b' }, c: { step: 'c' } },
      });
    }
  });
});
