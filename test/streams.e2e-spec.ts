import { Client } from 'pg';
import { EventFeed } from '../src/streams/event-feed';
import { FEED_READ_SQL } from '../src/streams/horizon';
import { StreamsService } from '../src/streams/streams.service';
import { SseClient } from './utils/sse-client';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Headers = { authorization: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Claimed {
  id: string;
  workflowId: string;
  leaseToken: string;
  leaseExpiresAt: string;
}

/**
 * Live streams (SSE) and task progress, on the real app over real sockets: history then live
 * events in position order, resume with Last-Event-ID, commits out of position order, slow
 * clients, keepalives, 200 streams at once, shutdown, and a second replica.
 */
describe('live streams and task progress', () => {
  let test: TestApp;
  let base: string;
  let admin: Headers;
  let worker: Headers;
  let reader: Headers;
  let db: Client;
  const clients: SseClient[] = [];

  const call = async (path: string, headers: Headers, body: unknown = {}) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  /** A run whose step no agent here works on stays as it is unless a test claims it. */
  const idle = () => start([{ key: 'a', skill: 'idle' }]);
  const start = async (steps: Json[] = [{ key: 'a', skill: 'stream' }]) => {
    const response = await call('/workflows', admin, { type: 'streamed', steps });
    expect(response.status).toBe(201);
    return response.body.data.id as string;
  };
  const claim = async (): Promise<Claimed> => {
    const response = await call('/agents/streamer/tasks/claim', worker, { waitSeconds: 5 });
    expect(response.status).toBe(200);
    expect(response.body.data.tasks).toHaveLength(1);
    return response.body.data.tasks[0] as Claimed;
  };
  const complete = async (task: Claimed) =>
    expect(
      (await call(`/tasks/${task.id}/complete`, worker, { leaseToken: task.leaseToken })).status,
    ).toBe(200);
  const history = async (runId: string) => {
    const { rows } = await db.query<{ position: string; type: string }>(
      `SELECT e.position::text AS position, e.type FROM events e
        WHERE e.subject_type = 'workflow' AND e.subject_id = $1 ORDER BY e.position`,
      [runId],
    );
    return rows;
  };
  const open = async (path: string, headers: Record<string, string> = reader) => {
    const client = await SseClient.open(`${base}/api/v1${path}`, headers);
    clients.push(client);
    return client;
  };
  const insertEvent = (
    client: Client,
    runId: string,
    type = 'inbound.test.marker',
    data: Json = {},
  ) =>
    client.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data)
       VALUES (gen_random_uuid(), 'default', $2, 'workflow', $1, $3) RETURNING position::text`,
      [runId, type, JSON.stringify(data)],
    );

  /** A second app on the same database whose streams keep 64 KiB unread at most. */
  const smallBufferApp = () =>
    startTestApp(
      { STREAM_BUFFER_BYTES: '65536', RATE_LIMIT_PER_MINUTE: '1000000' },
      { db: test.db },
    );

  beforeAll(async () => {
    test = await startTestApp({
      RATE_LIMIT_PER_MINUTE: '1000000',
      STREAM_KEEPALIVE_MS: '300',
      PROGRESS_INTERVAL_MS: '400',
    });
    base = await listenOnLoopback(test);
    admin = test.admin;
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    reader = {
      authorization: (await createKey(test, { scopes: ['workflows:read'] })).authorization,
    };
    const agent = await call('/agents', admin, {
      id: 'streamer',
      name: 'streamer',
      skills: [{ id: 'stream', name: 'stream' }],
    });
    expect(agent.status).toBe(201);
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('sends the history, then each event as it commits, and ends after the terminal one', async () => {
    const runId = await start([
      { key: 'a', skill: 'stream' },
      { key: 'b', skill: 'stream', dependsOn: ['a'] },
    ]);
    const first = await claim();
    const stream = await open(`/workflows/${runId}/stream`);
    expect(stream.status).toBe(200);
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.response.headers['x-request-id']).toBeDefined();
    await stream.until((s) => s.messages.length >= 3, 5_000, 'the history');
    await complete(first);
    await complete(await claim());
    expect(await stream.ended).toBe('end');
    const stored = await history(runId);
    expect(stream.messages.map((m) => [m.id, m.event])).toEqual(
      stored.map((row) => [row.position, row.type]),
    );
    expect(stored[stored.length - 1].type).toBe('workflow.succeeded');
    const [event] = stream.events;
    expect(event.data).toMatchObject({
      position: event.id,
      type: 'workflow.created',
      subject: { type: 'workflow', id: runId },
      data: expect.objectContaining({ workflowId: runId }),
    });
  });

  it('a retried run is followed past the terminal event of its first end, to its new one', async () => {
    const runId = await start([{ key: 'a', skill: 'stream', maxAttempts: 1 }]);
    const task = await claim();
    const failed = await call(`/tasks/${task.id}/fail`, worker, {
      leaseToken: task.leaseToken,
      error: { message: 'broke' },
      retryable: false,
    });
    expect(failed.status).toBe(200);
    expect((await call(`/workflows/${runId}/retry`, admin)).status).toBe(200);
    // Its history holds workflow.failed, then workflow.retried: the stream goes on past both.
    const stream = await open(`/workflows/${runId}/stream`);
    await stream.until(
      (s) => s.messages.some((m) => m.event === 'workflow.retried'),
      5_000,
      'the history up to the retry',
    );
    await complete(await claim());
    expect(await stream.ended).toBe('end');
    const stored = await history(runId);
    expect(stored.map((row) => row.type)).toContain('workflow.failed');
    expect(stored[stored.length - 1].type).toBe('workflow.succeeded');
    expect(stream.messages.map((m) => [m.id, m.event])).toEqual(
      stored.map((row) => [row.position, row.type]),
    );
  });

  it('a stream resumed with Last-Event-ID loses nothing and repeats nothing', async () => {
    const runId = await start([
      { key: 'a', skill: 'stream' },
      { key: 'b', skill: 'stream', dependsOn: ['a'] },
    ]);
    const first = await open(`/workflows/${runId}/stream`);
    await first.until((s) => s.messages.length >= 1, 5_000, 'the first event');
    const task = await claim();
    await first.until((s) => s.messages.some((m) => m.event === 'task.claimed'));
    first.close();
    const seen = first.messages.map((m) => m.id!);
    // Events commit while no client listens.
    await complete(task);
    const resumed = await open(`/workflows/${runId}/stream`, {
      ...reader,
      'last-event-id': seen[seen.length - 1],
    });
    await resumed.until((s) => s.messages.some((m) => m.event === 'task.succeeded'));
    await complete(await claim());
    expect(await resumed.ended).toBe('end');
    const ids = [...seen, ...resumed.messages.map((m) => m.id!)];
    expect(ids).toEqual((await history(runId)).map((row) => row.position));
    // Resuming after the terminal event: nothing to send, the stream ends at once.
    const after = await open(`/workflows/${runId}/stream`, {
      ...reader,
      'last-event-id': ids[ids.length - 1],
    });
    expect(await after.ended).toBe('end');
    expect(after.messages).toEqual([]);
    // An empty header is no id (what EventSource means by one): the query's id is used.
    const queried = await open(`/workflows/${runId}/stream?lastEventId=${seen[0]}`, {
      ...reader,
      'last-event-id': '',
    });
    expect(await queried.ended).toBe('end');
    expect(queried.messages.map((m) => m.id!)).toEqual(ids.slice(1));
  });

  it('holds back an event committed before an earlier position, then sends both in order', async () => {
    const runId = await start();
    const stream = await open(`/workflows/${runId}/stream`);
    await stream.until((s) => s.messages.length >= 2, 5_000, 'the history');
    const slow = new Client({ connectionString: test.db.url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      // Position taken now, committed last: the earlier position commits later.
      const held = (await insertEvent(slow, runId, 'inbound.test.early')).rows[0]
        .position as string;
      const later = (await insertEvent(db, runId, 'inbound.test.late')).rows[0].position as string;
      expect(BigInt(later)).toBeGreaterThan(BigInt(held));
      // Wake the feed (one commit through the app) and give it several reads.
      await complete(await claim());
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stream.messages.map((m) => m.event)).not.toContain('inbound.test.late');
      await slow.query('COMMIT');
      await stream.until(
        (s) => s.messages.some((m) => m.event === 'inbound.test.late'),
        5_000,
        'late',
      );
      const ids = stream.messages.map((m) => BigInt(m.id!));
      expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
      expect(stream.messages.map((m) => m.event)).toEqual(
        expect.arrayContaining(['inbound.test.early', 'inbound.test.late']),
      );
    } finally {
      await slow.end();
    }
  });

  it('holds back a position whose transaction took its id after the one that committed', async () => {
    const runId = await idle();
    const stream = await open(`/workflows/${runId}/stream`);
    await stream.until((s) => s.messages.length >= 2, 5_000, 'the history');
    const first = new Client({ connectionString: test.db.url });
    const second = new Client({ connectionString: test.db.url });
    await first.connect();
    await second.connect();
    try {
      // `first` takes its transaction id before `second`; `second` takes the earlier position
      // and commits last. A snapshot's xmax counts only ids up to the last one completed, so
      // after `first` commits, `second` (running, with a higher id) is not below it.
      await first.query('BEGIN');
      await first.query('SELECT pg_current_xact_id()');
      await second.query('BEGIN');
      await second.query('SELECT pg_current_xact_id()');
      const early = (await insertEvent(second, runId, 'inbound.test.early')).rows[0]
        .position as string;
      const late = (await insertEvent(first, runId, 'inbound.test.late')).rows[0]
        .position as string;
      expect(BigInt(late)).toBeGreaterThan(BigInt(early));
      await first.query('COMMIT');
      // What the feed reads now must count `second` as running: its bound is past its id.
      const [{ xmax }] = (await db.query(FEED_READ_SQL, ['0', 1])).rows as Array<{ xmax: string }>;
      const { rows: own } = await second.query<{ xid: string }>(
        'SELECT pg_current_xact_id()::text AS xid',
      );
      expect(BigInt(xmax)).toBeGreaterThan(BigInt(own[0].xid));
      // Several reads of the feed while `second` is still open.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(stream.messages.map((m) => m.event)).not.toContain('inbound.test.late');
      await second.query('COMMIT');
      await stream.until(
        (s) =>
          ['inbound.test.early', 'inbound.test.late'].every((type) =>
            s.messages.some((m) => m.event === type),
          ),
        5_000,
        'both events',
      );
      const ids = stream.messages.map((m) => BigInt(m.id!));
      expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    } finally {
      await first.end();
      await second.end();
    }
  });

  it('skips a position whose transaction rolled back, once it is final', async () => {
    const runId = await idle();
    const stream = await open(`/workflows/${runId}/stream`);
    await stream.until((s) => s.messages.length >= 2, 5_000, 'the history');
    const slow = new Client({ connectionString: test.db.url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await insertEvent(slow, runId, 'inbound.test.rolled_back');
      await insertEvent(db, runId, 'inbound.test.after_gap');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(stream.messages.map((m) => m.event)).not.toContain('inbound.test.after_gap');
      await slow.query('ROLLBACK');
      await stream.until(
        (s) => s.messages.some((m) => m.event === 'inbound.test.after_gap'),
        5_000,
        'the event after the gap',
      );
      expect(stream.messages.map((m) => m.event)).not.toContain('inbound.test.rolled_back');
    } finally {
      await slow.end();
    }
  });

  it('progress: holder only, extends the lease, coalesced, the latest always in the stream', async () => {
    const runId = await start();
    const task = await claim();
    const stream = await open(`/workflows/${runId}/stream`);
    const bad = await call(`/tasks/${task.id}/progress`, worker, { leaseToken: 'nope' });
    expect(bad.status).toBe(409);
    const invalid = await call(`/tasks/${task.id}/progress`, worker, {
      leaseToken: task.leaseToken,
      percent: 150,
    });
    expect(invalid.status).toBe(400);
    const huge = await call(`/tasks/${task.id}/progress`, worker, {
      leaseToken: task.leaseToken,
      data: { blob: 'x'.repeat(20_000) },
    });
    expect(huge.status).toBe(400);
    expect(huge.body.type).toBe('urn:agentmesh:problem:progress-too-large');
    const answers: Json[] = [];
    for (let step = 1; step <= 20; step += 1) {
      const response = await call(`/tasks/${task.id}/progress`, worker, {
        leaseToken: task.leaseToken,
        message: `step ${step}`,
        percent: step * 5,
        data: { step },
      });
      expect(response.status).toBe(200);
      answers.push(response.body.data as Json);
    }
    expect(answers[0].emitted).toBe(true);
    expect(answers.some((answer) => answer.emitted === false)).toBe(true);
    expect(new Date(answers[19].leaseExpiresAt).getTime()).toBeGreaterThan(
      new Date(task.leaseExpiresAt).getTime(),
    );
    // The trailing write: the last report reaches the stream though no report follows it.
    await stream.until(
      (s) => s.events.some((e) => e.event === 'task.progress' && e.data.data.message === 'step 20'),
      5_000,
      'the latest progress',
    );
    const progress = stream.events.filter((e) => e.event === 'task.progress');
    expect(progress.length).toBeLessThan(20);
    expect(progress[progress.length - 1].data.data).toMatchObject({
      taskId: task.id,
      workflowId: runId,
      stepKey: 'a',
      attempt: 1,
      message: 'step 20',
      percent: 100,
      data: { step: 20 },
    });
    // A report owed at completion is written before the completion.
    for (const message of ['last-1', 'last-2']) {
      await call(`/tasks/${task.id}/progress`, worker, { leaseToken: task.leaseToken, message });
    }
    await complete(task);
    expect(await stream.ended).toBe('end');
    const types = stream.events.map((e) => e.event);
    const lastProgress = stream.events.filter((e) => e.event === 'task.progress').pop()!;
    expect(lastProgress.data.data.message).toBe('last-2');
    expect(types.lastIndexOf('task.progress')).toBeLessThan(types.indexOf('task.succeeded'));
    // After the completion, progress is refused.
    const late = await call(`/tasks/${task.id}/progress`, worker, {
      leaseToken: task.leaseToken,
      message: 'too late',
    });
    expect(late.status).toBe(409);
    // Nothing owed is left: no trailing write repeats the last report after the completion.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM events WHERE subject_id = $1 AND type = 'task.progress'
          AND position > (SELECT position FROM events WHERE subject_id = $1 AND type = 'task.succeeded')`,
      [runId],
    );
    expect(rows[0].n).toBe(0);
  });

  it('a report that commits while the completion waits for the task is written before it', async () => {
    const runId = await start();
    const task = await claim();
    const report = (message: string) =>
      call(`/tasks/${task.id}/progress`, worker, { leaseToken: task.leaseToken, message });
    expect((await report('first')).body.data).toMatchObject({ emitted: true });
    /** Waits until a statement beginning with `start` waits for a lock. */
    const waiting = async (start: string) => {
      for (let i = 0; i < 300; i += 1) {
        const { rows } = await db.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND starts_with(ltrim(query), $1)`,
          [start],
        );
        if (rows.length > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`no statement "${start}" waiting`);
    };
    // The task held (as a heartbeat holds it): the report queues for it, then the completion,
    // which has begun its statement. The report commits first, inside the interval: owed.
    const holder = new Client({ connectionString: test.db.url });
    await holder.connect();
    let answers: Array<{ status: number; body: Json }>;
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM workflow_tasks WHERE id = $1 FOR UPDATE`, [task.id]);
      const owed = report('owed');
      await waiting('WITH lease AS');
      const completed = call(`/tasks/${task.id}/complete`, worker, {
        leaseToken: task.leaseToken,
      });
      await waiting('WITH locked AS MATERIALIZED');
      await holder.query('COMMIT');
      answers = await Promise.all([owed, completed]);
    } finally {
      await holder.end();
    }
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers[0].body.data).toMatchObject({ emitted: false });
    // Past the interval, when a trailing write would have come.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const types = (await history(runId)).map((event) => event.type);
    expect(types.lastIndexOf('task.progress')).toBeLessThan(types.indexOf('task.succeeded'));
    const { rows } = await db.query(
      `SELECT data->>'message' AS message FROM events
        WHERE subject_id = $1 AND type = 'task.progress' ORDER BY position`,
      [runId],
    );
    expect(rows.map((row) => row.message)).toEqual(['first', 'owed']);
  });

  it('a report owed when an attempt fails, times out or is cancelled is written before it ends', async () => {
    const endings: Array<{ type: string; end(task: Claimed, runId: string): Promise<void> }> = [
      {
        type: 'task.failed',
        end: async (task) => {
          const failed = await call(`/tasks/${task.id}/fail`, worker, {
            leaseToken: task.leaseToken,
            error: { message: 'broken' },
            retryable: false,
          });
          expect(failed.status).toBe(200);
        },
      },
      {
        type: 'task.cancelled',
        end: async (_task, runId) =>
          expect((await call(`/workflows/${runId}/cancel`, admin)).status).toBe(200),
      },
      {
        type: 'task.timed_out',
        end: async (task) => {
          await db.query(
            `UPDATE workflow_tasks SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
            [task.id],
          );
          await waitFor(
            async () => {
              const { rows } = await db.query(
                `SELECT 1 FROM events WHERE subject_id = $1 AND type = 'task.timed_out'`,
                [task.workflowId],
              );
              return rows.length > 0 ? true : undefined;
            },
            10_000,
            'the attempt timed out',
          );
        },
      },
    ];
    for (const ending of endings) {
      const runId = await start([{ key: 'a', skill: 'stream', maxAttempts: 1 }]);
      const task = await claim();
      const report = async (message: string) =>
        (await call(`/tasks/${task.id}/progress`, worker, { leaseToken: task.leaseToken, message }))
          .body.data as Json;
      expect(await report('first')).toMatchObject({ emitted: true });
      expect(await report('owed')).toMatchObject({ emitted: false });
      await ending.end(task, runId);
      // Past the interval, when a trailing write would have come.
      await new Promise((resolve) => setTimeout(resolve, 800));
      const { rows } = await db.query<{ type: string; message: string | null }>(
        `SELECT type, data->>'message' AS message FROM events
          WHERE subject_type = 'workflow' AND subject_id = $1 ORDER BY position`,
        [runId],
      );
      const types = rows.map((row) => row.type);
      expect(types).toContain(ending.type);
      expect(types.lastIndexOf('task.progress')).toBeLessThan(types.indexOf(ending.type));
      expect(rows.filter((row) => row.type === 'task.progress').map((row) => row.message)).toEqual([
        'first',
        'owed',
      ]);
    }
  });

  it('the tenant stream filters by type patterns and run; keepalives while idle', async () => {
    const runA = await idle();
    const runB = await idle();
    const all = await open('/events/stream');
    const onlyA = await open(`/events/stream?types=task.*,inbound.test.*&workflowId=${runA}`);
    for (const client of [all, onlyA]) expect(client.status).toBe(200);
    await onlyA.until((s) => s.comments.includes('keepalive'), 3_000, 'a keepalive');
    await insertEvent(db, runB, 'inbound.test.b');
    await insertEvent(db, runA, 'inbound.test.a');
    await all.until(
      (s) => s.messages.some((m) => m.event === 'inbound.test.a'),
      5_000,
      'inbound.test.a',
    );
    await onlyA.until(
      (s) => s.messages.some((m) => m.event === 'inbound.test.a'),
      5_000,
      'inbound.test.a',
    );
    expect(all.messages.map((m) => m.event)).toEqual(['inbound.test.b', 'inbound.test.a']);
    expect(onlyA.messages.map((m) => m.event)).toEqual(['inbound.test.a']);
    // Resume from the first: everything after it, filtered the same way.
    const resumed = await open('/events/stream?types=inbound.test.*', {
      ...reader,
      'last-event-id': all.messages[0].id!,
    });
    await resumed.until((s) => s.messages.length >= 1, 5_000, 'the catch-up');
    expect(resumed.messages.map((m) => m.event)).toEqual(['inbound.test.a']);
  });

  it('refuses bad input and missing scopes before streaming anything', async () => {
    const runId = await idle();
    const get = (path: string, headers: Record<string, string>) =>
      fetch(`${base}/api/v1${path}`, { headers });
    expect((await get(`/workflows/${runId}/stream`, {})).status).toBe(401);
    const noRead = (await createKey(test, { scopes: ['tasks:work'] })).authorization;
    expect((await get(`/workflows/${runId}/stream`, { authorization: noRead })).status).toBe(403);
    const unknown = await get('/workflows/00000000-0000-4000-8000-000000000000/stream', reader);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/problem\+json/);
    const badId = await get(`/workflows/${runId}/stream`, { ...reader, 'last-event-id': 'abc' });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as Json).type).toBe('urn:agentmesh:problem:invalid-last-event-id');
    expect((await get('/events/stream?types=Bad Type', reader)).status).toBe(400);
    // A well-formed pattern that no event type matches would stream keepalives forever.
    const typo = await get('/events/stream?types=task.*,workflows.*', reader);
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as Json).errors).toEqual([
      {
        field: 'types',
        message: '"workflows.*" matches no known event type (GET /api/v1/event-types lists them)',
      },
    ]);
    expect((await get('/events/stream?workflowId=nope', reader)).status).toBe(400);
  });

  it('ends a stream whose key is revoked, rotated or expires: nothing after that is sent', async () => {
    const runId = await idle();
    const keyed = async (body: Json = {}) => {
      const response = await test.http
        .post('/api/v1/api-keys')
        .set(admin)
        .send({ name: 'stream key', scopes: ['workflows:read'], ...body });
      expect(response.status).toBe(201);
      return response.body.data as { id: string; key: string };
    };
    const live = async (key: string) => {
      // From a known position: "from now on" is wherever the stream found the horizon.
      const { rows: newest } = await db.query<{ position: string }>(
        'SELECT max(position)::text AS position FROM events',
      );
      const stream = await open(
        `/events/stream?types=inbound.test.*&workflowId=${runId}&lastEventId=${newest[0].position}`,
        { authorization: `Bearer ${key}` },
      );
      expect(stream.status).toBe(200);
      const { rows } = await insertEvent(db, runId);
      await stream.until(
        (s) => s.messages.some((m) => m.id === rows[0].position),
        5_000,
        'the stream to be live',
      );
      return stream;
    };
    const endsUnsent = async (stream: SseClient) => {
      expect(await stream.ended).toBe('end');
      expect(stream.comments.join(' ')).toMatch(/key/);
      const sent = stream.messages.length;
      await insertEvent(db, runId);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stream.messages).toHaveLength(sent);
    };

    const revoked = await keyed();
    const revokedStream = await live(revoked.key);
    const untouched = await live((await keyed()).key);
    const gone = await test.http.delete(`/api/v1/api-keys/${revoked.id}`).set(admin);
    expect(gone.status).toBe(204);
    await endsUnsent(revokedStream);

    const rotated = await keyed();
    const rotatedStream = await live(rotated.key);
    expect((await test.http.post(`/api/v1/api-keys/${rotated.id}/rotate`).set(admin)).status).toBe(
      201,
    );
    await endsUnsent(rotatedStream);

    const expiring = await keyed({ expiresAt: new Date(Date.now() + 2_500).toISOString() });
    await endsUnsent(await live(expiring.key));

    // Streams of other keys go on.
    const { rows } = await insertEvent(db, runId);
    await untouched.until(
      (s) => s.messages.some((m) => m.id === rows[0].position),
      5_000,
      'the other key to go on',
    );
  });

  it('a tenant stream opened without Last-Event-ID sends every event committed after its answer', async () => {
    const runId = await idle();
    // The feed's first read waits for this lock: the stream's start is not known meanwhile.
    const holder = new Client({ connectionString: test.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      let answered = false;
      const opening = open(`/events/stream?types=inbound.test.*&workflowId=${runId}`).then(
        (stream) => {
          answered = true;
          return stream;
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      let position: string;
      if (answered) {
        // The client has its answer: an event committed now is after it.
        position = (await insertEvent(holder, runId)).rows[0].position as string;
        await holder.query('COMMIT');
      } else {
        await holder.query('COMMIT');
        await opening;
        position = (await insertEvent(db, runId)).rows[0].position as string;
      }
      const stream = await opening;
      expect(stream.status).toBe(200);
      await stream.until(
        (s) => s.messages.some((m) => m.id === position),
        5_000,
        'the event committed after the answer',
      );
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('a tenant stream answers while a long writing transaction holds its start back', async () => {
    const runId = await idle();
    // A session with a transaction id, open: the feed cannot settle its start until it ends.
    const holder = new Client({ connectionString: test.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      const opened = await Promise.race([
        open(`/events/stream?types=inbound.test.*&workflowId=${runId}`),
        new Promise<'no answer'>((resolve) =>
          setTimeout(() => resolve('no answer'), 8_000).unref(),
        ),
      ]);
      expect(opened).not.toBe('no answer');
      const stream = opened as SseClient;
      expect(stream.status).toBe(200);
      await holder.query('COMMIT');
      // Once the transaction has ended, the stream goes on as any other.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { rows } = await insertEvent(db, runId);
      await stream.until(
        (s) => s.messages.some((m) => m.id === rows[0].position),
        5_000,
        'the event after the transaction ended',
      );
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('resumes after an event that retention has purged since, the newest one too', async () => {
    // A dispatched event that is no run's history, the newest: retention deletes such events
    // once they are old, and a quiet service's newest events are such.
    const { rows } = await db.query<{ position: string }>(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data)
       VALUES (gen_random_uuid(), 'default', 'agent.offline', 'agent', 'purged', '{}')
       RETURNING position::text`,
    );
    const purged = rows[0].position;
    await db.query('BEGIN');
    await db.query('DELETE FROM event_outbox WHERE position = $1', [purged]);
    await db.query('DELETE FROM events WHERE position = $1', [purged]);
    await db.query('COMMIT');
    for (const path of ['/events/stream', '/events/stream?types=inbound.test.*']) {
      const resumed = await open(path, { ...reader, 'last-event-id': purged });
      expect(resumed.status).toBe(200);
      // It goes on from there: the next event is sent.
      const runId = await idle();
      const [next] = (await insertEvent(db, runId)).rows as Array<{ position: string }>;
      await resumed.until(
        (s) => s.messages.some((m) => m.id === next.position),
        5_000,
        'the event after it',
      );
      expect(resumed.messages.every((m) => BigInt(m.id!) > BigInt(purged))).toBe(true);
    }
  });

  it('refuses a Last-Event-ID past every event, and an unknown run on the tenant stream', async () => {
    const runId = await idle();
    const get = (path: string, headers: Record<string, string>) =>
      fetch(`${base}/api/v1${path}`, { headers });
    // The newest position given to an event (a rolled-back one's included).
    const { rows } = await db.query<{ newest: string }>(
      `SELECT greatest(pg_sequence_last_value(pg_get_serial_sequence('events', 'position')::regclass),
                       (SELECT max(position) FROM events))::text AS newest`,
    );
    const beyond = (BigInt(rows[0].newest) + 1_000n).toString();
    for (const path of [`/workflows/${runId}/stream`, '/events/stream']) {
      const refused = await get(path, { ...reader, 'last-event-id': beyond });
      expect(refused.status).toBe(400);
      const problem = (await refused.json()) as Json;
      expect(problem.type).toBe('urn:agentmesh:problem:invalid-last-event-id');
      // Digits, well formed: the detail says what is wrong with it (not "digits only").
      expect(problem.detail).toBe(
        `Last-Event-ID ${beyond} is past the newest event (${rows[0].newest}): it was not sent ` +
          'by this service on this database.',
      );
      const query = await get(`${path}?lastEventId=${beyond}`, reader);
      expect(query.status).toBe(400);
    }
    // The newest event itself is a fine place to resume from.
    const newest = await open(`/workflows/${runId}/stream`, {
      ...reader,
      'last-event-id': rows[0].newest,
    });
    expect(newest.status).toBe(200);
    // A run the tenant does not have: 404 before streaming, as on the run's own route.
    for (const id of ['00000000-0000-4000-8000-000000000000']) {
      const unknown = await get(`/events/stream?workflowId=${id}`, reader);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/problem\+json/);
    }
    // And the OpenAPI document says so, as it does for the run's own stream.
    const document = (await (await fetch(`${base}/docs-json`)).json()) as Json;
    for (const path of ['/api/v1/events/stream', '/api/v1/workflows/{id}/stream'])
      expect(Object.keys(document.paths[path].get.responses as Json)).toContain('404');
  });

  it('200 concurrent streams on one replica each get every event, from one shared read', async () => {
    const runId = await idle();
    const many = await Promise.all(
      Array.from({ length: 200 }, () => open(`/events/stream?workflowId=${runId}`)),
    );
    expect(many.every((client) => client.status === 200)).toBe(true);
    // Every stream has reached the live part before the events commit.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const feed = test.app.get(EventFeed);
    const readsBefore = feed.reads;
    const started = Date.now();
    for (let index = 0; index < 5; index += 1) await insertEvent(db, runId, 'inbound.test.fanout');
    // Counted by type: the run's own later events (its start's reactions, dispatched in the
    // background, late on a loaded machine) may reach the streams too.
    const fanout = (client: SseClient) =>
      client.messages.filter((message) => message.event === 'inbound.test.fanout');
    await Promise.all(
      many.map((client) =>
        client.until((c) => fanout(c).length === 5, 10_000, 'five events on every stream'),
      ),
    );
    // One shared read per wake-up or poll for all 200, not one per stream.
    const polls = Math.ceil((Date.now() - started) / 500) + 1;
    expect(feed.reads - readsBefore).toBeLessThanOrEqual(polls + 10);
    const positions = fanout(many[0]).map((m) => m.id);
    expect(
      many.every(
        (client) =>
          fanout(client)
            .map((m) => m.id)
            .join() === positions.join(),
      ),
    ).toBe(true);
  });

  it('a client that reads keeps its stream through a burst larger than the bound', async () => {
    // One delivery (a commit of many events, or events held behind a gap) was written whole and
    // judged event by event against everything not yet sent: past the bound, a reader that kept
    // up was cut off as too slow.
    const small = await smallBufferApp();
    try {
      const url = await listenOnLoopback(small);
      const runId = await idle();
      const stream = await SseClient.open(
        `${url}/api/v1/events/stream?workflowId=${runId}`,
        reader,
      );
      // The run's own stream ends after its terminal event, once the burst before it is sent.
      const run = await SseClient.open(`${url}/api/v1/workflows/${runId}/stream`, reader);
      clients.push(stream, run);
      for (const opened of [stream, run]) {
        await opened.until((client) => client.comments.length > 0, 5_000, 'the stream to open');
      }
      const blob = 'z'.repeat(10_000);
      const indexes = Array.from({ length: 60 }, (_, index) => index);
      await db.query('BEGIN');
      for (const index of indexes) {
        await insertEvent(db, runId, 'inbound.test.burst', { blob, index });
      }
      await insertEvent(db, runId, 'workflow.cancelled');
      await db.query('COMMIT');
      await stream.until((client) => client.messages.length >= 61, 10_000, 'the whole burst');
      expect(stream.events.slice(0, 60).map((event) => event.data.data.index)).toEqual(indexes);
      expect(stream.done).toBe(false);
      expect(await run.ended).toBe('end');
      const sent = run.events.filter((event) => event.event === 'inbound.test.burst');
      expect(sent.map((event) => event.data.data.index)).toEqual(indexes);
      expect(run.events.at(-1)?.event).toBe('workflow.cancelled');
      expect(small.app.get(StreamsService).openCount).toBe(1);
    } finally {
      await small.app.close();
    }
  });

  it('drops a client that does not read, instead of buffering for it', async () => {
    const small = await smallBufferApp();
    try {
      const url = await listenOnLoopback(small);
      const runId = await idle();
      const stalled = await SseClient.open(
        `${url}/api/v1/events/stream?workflowId=${runId}`,
        reader,
      );
      clients.push(stalled);
      stalled.response.pause();
      const blob = 'x'.repeat(50_000);
      // Far more than the socket buffers and the bound together.
      for (let index = 0; index < 200; index += 1) {
        await insertEvent(db, runId, 'inbound.test.bulk', { blob, index });
      }
      await waitFor(
        async () => (small.app.get(StreamsService).openCount === 0 ? true : undefined),
        10_000,
        'the slow stream to be dropped',
      );
    } finally {
      await small.app.close();
    }
    // A client that stops reading during the catch-up (its run's history) is dropped as well,
    // after two keepalive intervals without reading (300 ms each here).
    const runId = await idle();
    const blob = 'y'.repeat(50_000);
    for (let index = 0; index < 100; index += 1) {
      await insertEvent(db, runId, 'inbound.test.bulk', { blob, index });
    }
    const streams = test.app.get(StreamsService);
    const stalled = await SseClient.open(`${base}/api/v1/workflows/${runId}/stream`, reader);
    clients.push(stalled);
    stalled.response.pause();
    expect(streams.openCount).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () => (streams.openCount === 0 ? true : undefined),
      10_000,
      'the stalled catch-up to be dropped',
    );
  });

  it('an event committed on one replica reaches streams on the other; shutdown ends them cleanly', async () => {
    // B serves the API only; A's workers take its own wake-ups (no NOTIFY to B for them).
    const b = await startTestApp({ WORKERS: 'off', STREAM_POLL_MS: '200' }, { db: test.db });
    let closed = false;
    try {
      const baseB = await listenOnLoopback(b);
      const onB = await SseClient.open(
        `${baseB}/api/v1/events/stream?types=workflow.created`,
        reader,
      );
      const onA = await open('/events/stream?types=workflow.created');
      clients.push(onB);
      expect(onB.status).toBe(200);
      const viaA = await idle();
      await onB.until((s) => s.events.some((e) => e.data.subject.id === viaA), 5_000, 'A on B');
      const viaB = await fetch(`${baseB}/api/v1/workflows`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'streamed', steps: [{ key: 'a', skill: 'idle' }] }),
      });
      expect(viaB.status).toBe(201);
      const idB = ((await viaB.json()) as Json).data.id as string;
      await onA.until((s) => s.events.some((e) => e.data.subject.id === idB), 5_000, 'B on A');
      await onB.until((s) => s.events.some((e) => e.data.subject.id === idB), 5_000, 'B on B');
      // Shutdown: the stream ends (not cut off), and the app closes without waiting for it.
      const started = Date.now();
      await b.app.close();
      closed = true;
      expect(await onB.ended).toBe('end');
      expect(onB.comments.some((comment) => comment.includes('stopping'))).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      if (!closed) await b.app.close();
    }
  });
});
