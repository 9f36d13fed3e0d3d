import { Client } from 'pg';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

/**
 * Outputs that fit the body limit one by one, but not PostgreSQL once put together: a jsonb
 * value holds at most 256 MB as stored, and an array of small numbers takes six times its JSON
 * text there (`[0,0,…]`: 2 bytes of text, 12 stored). A completion that made such a value (a
 * fan-out's output, the run's output) was a 500 on every try, its work lost each time.
 */
jest.setTimeout(300_000);

/** `length` characters of text that does not compress (PostgreSQL stores it as it is). */
function blob(seed: number, length: number): string {
  let text = '';
  let x = seed + 1;
  while (text.length < length) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    text += x.toString(36);
  }
  return text.slice(0, length);
}

describe('outputs too large to put together', () => {
  let test: TestApp;
  let writer: Headers;
  let worker: Headers;
  let db: Client;

  /** Just under 1 MB of JSON (the default body limit), 6 MB once stored as jsonb. */
  const ZEROS = 499_000;
  const zeros = () => new Array<number>(ZEROS).fill(0);
  /** More such outputs than one stored value holds (256 MB / 6 MB). */
  const OUTPUTS = 46;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = test.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json };
  };
  const claim = async (agentId: string, max: number) => {
    const response = await call('POST', `/agents/${agentId}/tasks/claim`, worker, { max });
    expect(response.status).toBe(200);
    return response.body.data.tasks as Json[];
  };
  const complete = (task: Json, output: unknown) =>
    call('POST', `/tasks/${task.id}/complete`, worker, { leaseToken: task.leaseToken, output });
  const view = async (id: string) => (await call('GET', `/workflows/${id}`, writer)).body.data;
  const step = (run: Json, key: string) => run.steps.find((s: Json) => s.key === key) as Json;
  const start = async (definitionKey: string, input: Json = {}) => {
    const response = await call('POST', '/workflows', writer, { definitionKey, input });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  beforeAll(async () => {
    test = await startTestApp({
      RATE_LIMIT_PER_MINUTE: '10000000',
      // Building a value past 256 MB takes PostgreSQL seconds before it says no; a 1 MB
      // completion, a busy machine's while.
      DB_STATEMENT_TIMEOUT_MS: '120000',
      TASK_LEASE_SECONDS: '600',
    });
    writer = {
      authorization: (
        await createKey(test, {
          scopes: ['workflows:write', 'workflows:read', 'agents:write', 'agents:read'],
        })
      ).authorization,
    };
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    const registered = await call('POST', '/agents', writer, {
      id: 'wide',
      name: 'wide',
      skills: [{ id: 'wide', name: 'wide' }],
      heartbeatIntervalSeconds: 3600,
    });
    expect(registered.status).toBe(201);
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('GET /workflows stops a page of runs holding megabytes at its byte budget; the cursor brings the rest', async () => {
    expect(
      (
        await call('POST', '/workflow-definitions', writer, {
          key: 'paged',
          steps: [{ key: 'a', skill: 'paged' }],
        })
      ).status,
    ).toBe(201);
    // 900 KB of text that does not compress, per run: eight of them are 7 MB as stored.
    const started: string[] = [];
    for (let i = 0; i < 8; i++) started.push((await start('paged', { blob: blob(i, 900_000) })).id);
    const pages: Json[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await call(
        'GET',
        `/workflows?type=paged&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        writer,
      );
      expect(page.status).toBe(200);
      pages.push(page.body.data.workflows);
      cursor = page.body.meta.nextCursor;
    }
    // Four of them fit a page of 4 MiB and a fifth starts before it is full: two pages.
    expect(pages.map((page) => page.length)).toEqual([5, 3]);
    const runs = pages.flat();
    expect(runs.map((run) => run.id)).toEqual([...started].reverse());
    for (const run of runs) expect(run.input.blob).toBe(blob(started.indexOf(run.id), 900_000));
  });

  it("a fan-out's elements and an agent's tasks holding megabytes come in pages cut at the byte budget", async () => {
    const registered = await call('POST', '/agents', writer, {
      id: 'pager',
      name: 'pager',
      skills: [{ id: 'pager', name: 'pager' }],
      heartbeatIntervalSeconds: 3600,
    });
    expect(registered.status).toBe(201);
    expect(
      (
        await call('POST', '/workflow-definitions', writer, {
          key: 'paged-elements',
          steps: [{ key: 'each', skill: 'pager', forEach: '$.input.items' }],
        })
      ).status,
    ).toBe(201);
    // Each element's input holds its step's, the run input: 800 KB of text that does not
    // compress. Five of them fill 4 MB, a sixth starts before 4 MiB: pages of six and two.
    const { id } = await start('paged-elements', {
      items: [0, 1, 2, 3, 4, 5, 6, 7],
      pad: blob(0, 800_000),
    });
    const pagesOf = async (path: string, collection: string) => {
      const pages: Json[][] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page = await call(
          'GET',
          `${path}?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
          writer,
        );
        expect(page.status).toBe(200);
        pages.push(page.body.data[collection]);
        cursor = page.body.meta.nextCursor;
      }
      return pages;
    };
    const elements = await pagesOf(`/workflows/${id}/steps/each/elements`, 'elements');
    expect(elements.map((page) => page.length)).toEqual([6, 2]);
    expect(elements.flat().map((element) => element.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const claimed: Json[] = [];
    while (claimed.length < 8) {
      const response = await call('POST', '/agents/pager/tasks/claim', worker, { max: 10 });
      expect(response.status).toBe(200);
      claimed.push(...response.body.data.tasks);
    }
    const tasks = await pagesOf('/agents/pager/tasks', 'tasks');
    expect(tasks.map((page) => page.length)).toEqual([6, 2]);
    expect(new Set(tasks.flat().map((task) => task.id))).toEqual(
      new Set(claimed.map((task) => task.id)),
    );
    for (const task of tasks.flat()) expect(task.input.input.pad).toHaveLength(800_000);
  });

  it('the last completion of a run whose outputs together are too large is kept; the run fails, saying why', async () => {
    const steps = Array.from({ length: OUTPUTS }, (_, i) => ({ key: `s${i}`, skill: 'wide' }));
    const defined = await call('POST', '/workflow-definitions', writer, { key: 'wide', steps });
    expect(defined.status).toBe(201);
    const run = await start('wide');
    const tasks: Json[] = [];
    while (tasks.length < OUTPUTS) tasks.push(...(await claim('wide', 10)));
    // All but one done as a completion leaves them, their outputs made by PostgreSQL (sending
    // 45 MB of JSON through the API only makes the test slower), then the last one sent.
    const [lastTask] = tasks.splice(-1);
    await db.query(
      `UPDATE workflow_tasks SET status = 'succeeded', finished_at = now(),
              output = (SELECT jsonb_agg(0) FROM generate_series(1, $2::int))
        WHERE id = ANY($1::uuid[])`,
      [tasks.map((task) => task.id), ZEROS],
    );
    const last = await complete(lastTask, zeros());
    expect(last.status).toBe(200);
    expect(last.body.data).toMatchObject({ status: 'succeeded' });

    const failed = await view(run.id);
    expect(failed.status).toBe('failed');
    expect(failed.output).toBeNull();
    expect(failed.error).toMatchObject({
      code: 'run_value_too_large',
      taskId: last.body.data.id,
      message: expect.stringMatching(/256 MB/),
    });
    // Every step's work is kept: each output as its agent sent it.
    expect(failed.steps.map((s: Json) => s.status)).toEqual(steps.map(() => 'succeeded'));
    expect(step(failed, 's0').task.output).toHaveLength(ZEROS);

    // Retrying would fail the same way (the outputs are kept): refused, and nothing changes.
    const retried = await call('POST', `/workflows/${run.id}/retry`, writer);
    expect(retried.status).toBe(422);
    expect(retried.body).toMatchObject({
      type: 'urn:agentmesh:problem:run-value-too-large',
      detail: expect.stringMatching(/Nothing was changed/),
    });
    const after = await view(run.id);
    expect({ status: after.status, error: after.error }).toEqual({
      status: 'failed',
      error: failed.error,
    });
    expect(after.steps.map((s: Json) => [s.status, s.task.attempt])).toEqual(
      steps.map(() => ['succeeded', 1]),
    );
  });
});

/** An application for the runs below, with a key that registers agents, starts runs and works. */
interface LargeRuns {
  db: Client;
  api: (path: string, body: object) => ReturnType<TestApp['http']['post']>;
  /**
   * A completion as an agent sends it: a 503 (a statement out of time on a loaded machine) is
   * sent again, up to three times, as the SDK does. One that is a 503 on every try stays so.
   */
  complete(task: Json, output: unknown): Promise<Awaited<ReturnType<TestApp['http']['post']>>>;
  /** Defines `key` of `steps` and starts a run of it with `input`; answers the run's id. */
  start(key: string, steps: Json[], input?: Json): Promise<string>;
  /** Claims as the agent until it holds `count` tasks. */
  claim(count: number): Promise<Json[]>;
  close(): Promise<void>;
}

/** Starts it with `statementTimeoutMs`, and registers `agent`, of skill `skill`. */
async function largeRuns(
  statementTimeoutMs: string,
  agent: string,
  skill: string,
): Promise<LargeRuns> {
  const test = await startTestApp({
    RATE_LIMIT_PER_MINUTE: '10000000',
    DB_STATEMENT_TIMEOUT_MS: statementTimeoutMs,
    TASK_LEASE_SECONDS: '600',
  });
  const { authorization } = await createKey(test, {
    scopes: ['workflows:write', 'workflows:read', 'agents:write', 'tasks:work'],
  });
  const api = (path: string, body: object) =>
    test.http.post(`/api/v1${path}`).set({ authorization }).send(body);
  const db = new Client({ connectionString: test.db.url });
  await db.connect();
  const registered = await api('/agents', {
    id: agent,
    name: agent,
    skills: [{ id: skill, name: skill }],
    heartbeatIntervalSeconds: 3600,
  });
  expect(registered.status).toBe(201);
  const complete = async (task: Json, output: unknown) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await api(`/tasks/${task.id}/complete`, {
        leaseToken: task.leaseToken,
        output,
      });
      if (answer.status !== 503 || attempt === 3) return answer;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const start = async (key: string, steps: Json[], input: Json = {}) => {
    expect((await api('/workflow-definitions', { key, steps })).status).toBe(201);
    const started = await api('/workflows', { definitionKey: key, input });
    expect(started.status).toBe(201);
    return started.body.data.id as string;
  };
  const claim = async (count: number) => {
    const tasks: Json[] = [];
    while (tasks.length < count) {
      const claimed = await api(`/agents/${agent}/tasks/claim`, { max: 10 });
      expect(claimed.status).toBe(200);
      tasks.push(...claimed.body.data.tasks);
    }
    return tasks;
  };
  return {
    db,
    api,
    complete,
    start,
    claim,
    close: async () => {
      await db.end();
      await test.close();
    },
  };
}

/**
 * A run whose outputs add up to megabytes: finishing it wrote them out twice more (the run's
 * output and its `workflow.succeeded` event), each read into the service, made into JSON text
 * and parsed again by PostgreSQL: 30 MB of text took 3.7 s of the 5 s statement timeout, and
 * some more failed on every try. PostgreSQL now puts both together from the stored outputs
 * (workflow_run_output), in 1.4 s for the same 30 MB: checked here is what they hold.
 */
describe('a run whose outputs add up to megabytes', () => {
  let runs: LargeRuns;

  /** Steps, and the characters of each one's text: just under the 1 MB body limit. */
  const STEPS = 12;
  const CHARS = 1_000_000;

  // What the run holds is checked here, not how fast: a busy machine's while.
  beforeAll(async () => (runs = await largeRuns('30000', 'writer', 'write')));
  afterAll(() => runs.close());

  it("the last completion finishes the run, its output and its event holding every step's", async () => {
    const { api, db } = runs;
    const steps = Array.from({ length: STEPS }, (_, i) => ({ key: `s${i}`, skill: 'write' }));
    const runId = await runs.start('long', steps);
    const tasks = await runs.claim(STEPS);
    // All but one done as a completion leaves them, each text its own (made by PostgreSQL:
    // sending 11 MB through the API only makes the test slower), then the last one sent.
    const [lastTask] = tasks.splice(-1);
    await db.query(
      `UPDATE workflow_tasks
          SET status = 'succeeded', finished_at = now(),
              output = jsonb_build_object('text', repeat(md5(id::text), $2::int / 32))
        WHERE id = ANY($1::uuid[])`,
      [tasks.map((task) => task.id), CHARS],
    );
    const text = 'abcdefghijklmnopqrstuvwxyz012345'.repeat(CHARS / 32);
    const last = await api(`/tasks/${lastTask.id}/complete`, {
      leaseToken: lastTask.leaseToken,
      output: { text },
    });
    expect(last.status).toBe(200);

    // Read here rather than through the API: 24 MB of views take a while to send.
    const {
      rows: [run],
    } = await db.query(
      `SELECT r.status, r.error,
              (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r.output) k) AS keys,
              (SELECT array_agg(DISTINCT length(v->>'text')) FROM jsonb_each(r.output) x(k, v))
                AS lengths,
              r.output->$3->>'text' = $2 AS "lastKept",
              (SELECT e.data->'output' = r.output FROM events e
                WHERE e.subject_id = r.id::text AND e.type = 'workflow.succeeded') AS "eventHolds"
         FROM workflow_runs r WHERE r.id = $1`,
      [runId, text, lastTask.stepKey],
    );
    expect(run).toEqual({
      status: 'succeeded',
      error: null,
      keys: steps.map((step) => step.key).sort(),
      lengths: [CHARS],
      lastKept: true,
      eventHolds: true,
    });
  });
});

/**
 * A run whose finish takes longer than the statement timeout: however fast the finish, its
 * work grows with the run's outputs (two copies of them, the run's and its event's), as a
 * fan-out's end does with its elements'. It was a 503 on every try, until the lease ran out and
 * the run failed. A completion whose first try ran out of time once it was putting outputs
 * together goes again at once with ten times the time.
 */
describe('a run whose finish outlives the statement timeout', () => {
  let runs: LargeRuns;

  /** Steps, each with an array of this many numbers: six times their JSON once stored. */
  const STEPS = 5;
  const NUMBERS = 600_000;

  // Putting together 3 million numbers, twice, takes PostgreSQL seconds here.
  beforeAll(async () => (runs = await largeRuns('1000', 'measurer', 'measure')));
  afterAll(() => runs.close());

  it('its last completion goes through, and the run succeeds with every output', async () => {
    const { db } = runs;
    const steps = Array.from({ length: STEPS }, (_, i) => ({ key: `m${i}`, skill: 'measure' }));
    const runId = await runs.start('measures', steps);
    const tasks = await runs.claim(STEPS);
    expect(tasks).toHaveLength(STEPS);
    // All but one done as a completion leaves them, their outputs made by PostgreSQL.
    const [lastTask] = tasks.splice(-1);
    await db.query(
      `UPDATE workflow_tasks SET status = 'succeeded', finished_at = now(),
              output = (SELECT jsonb_agg(0) FROM generate_series(1, $2::int))
        WHERE id = ANY($1::uuid[])`,
      [tasks.map((task) => task.id), NUMBERS],
    );
    const last = await runs.complete(lastTask, { measured: true });
    expect(last.status).toBe(200);
    expect(last.body.data).toMatchObject({ status: 'succeeded' });

    // Read here rather than through the API, whose reads have a second too.
    const {
      rows: [run],
    } = await db.query(
      `SELECT r.status,
              (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r.output) k) AS keys,
              jsonb_array_length(r.output->$3) AS numbers,
              r.output->$2 AS last,
              (SELECT count(*)::int FROM events e
                WHERE e.subject_id = r.id::text AND e.type = 'workflow.succeeded'
                  AND e.data->'output' = r.output) AS events
         FROM workflow_runs r WHERE r.id = $1`,
      [runId, lastTask.stepKey, tasks[0].stepKey],
    );
    expect(run).toEqual({
      status: 'succeeded',
      keys: steps.map((step) => step.key).sort(),
      numbers: NUMBERS,
      last: { measured: true },
      events: 1,
    });
  });

  it("a fan-out's last element goes through, and its dependent gets every element's output", async () => {
    const { db } = runs;
    const elements = 8;
    const runId = await runs.start(
      'fanned',
      [
        { key: 'each', skill: 'measure', forEach: '$.input.items' },
        { key: 'sum', skill: 'measure', dependsOn: ['each'] },
      ],
      { items: Array.from({ length: elements }, (_, i) => i) },
    );
    const tasks = await runs.claim(elements);
    const [lastTask] = tasks.splice(-1);
    await db.query(
      `UPDATE workflow_tasks SET status = 'succeeded', finished_at = now(),
              output = (SELECT jsonb_agg(0) FROM generate_series(1, $2::int))
        WHERE id = ANY($1::uuid[])`,
      [tasks.map((task) => task.id), NUMBERS / 2],
    );
    // What is checked here is the end of a fan-out: its output gathered, its dependent queued
    // with every element's. (At this size a try that comes after a first one ran out of time
    // may fit the timeout on this machine; the test above is the one whose finish runs out of
    // time on every try without the second, longer one.)
    const last = await runs.complete(lastTask, [1]);
    expect(last.status).toBe(200);

    const {
      rows: [sum],
    } = await db.query(
      `SELECT t.status, jsonb_array_length(t.input->'dependencies'->'each') AS elements,
              t.input->'dependencies'->'each'->$2::int AS last
         FROM workflow_tasks t WHERE t.run_id = $1 AND t.step_key = 'sum'`,
      [runId, lastTask.input.index],
    );
    expect(sum).toEqual({ status: 'queued', elements, last: [1] });
  });
});
