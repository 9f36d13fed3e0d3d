import { connect, Socket } from 'node:net';
import { Client } from 'pg';
import { ShutdownState } from '../src/health/shutdown-state';
import { ADMIN_KEY, listenOnLoopback, startTestApp, TestApp } from './utils/test-app';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';

/**
 * The application closes its pool only after the requests it is still working on are done,
 * also those whose client is gone: the HTTP server's close waits for connections, not for
 * handlers, so a request abandoned by its client still runs its transaction.
 */
describe('shutdown with a request still in its transaction', () => {
  let db: TestDatabase;
  let test: TestApp;
  let sql: Client;
  let closing: Promise<void> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    test = await startTestApp({}, { db });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    // The test closes the application; one that failed before that leaves it to here (the
    // table's lock let go first: the close waits for the request that waits for it).
    await sql.query('ROLLBACK').catch(() => undefined);
    await (closing ?? test.app.close()).catch(() => undefined);
    await sql.end();
    await db.drop();
  });

  it('lets a run start whose client went away commit, then closes the pool', async () => {
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    // The run start waits for the runs table (no socket: a request nobody waits for).
    await sql.query('BEGIN');
    await sql.query('LOCK TABLE workflow_runs IN SHARE ROW EXCLUSIVE MODE');
    const started = test.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers,
      payload: { type: 'in-flight', steps: [{ key: 'a', skill: 'later' }] },
    });
    // An answer before the table is let go means the start never waited: say what it was.
    let answeredEarly: string | undefined;
    void started.then((response) => {
      if (!closing) answeredEarly = `${response.statusCode} ${response.body.slice(0, 500)}`;
    });
    await waitFor(
      async () => {
        if (answeredEarly !== undefined) return true;
        // `sql` is in its transaction, which keeps the first look at pg_stat_activity: a start
        // that reached the lock after that look was never seen waiting.
        await sql.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND pid <> pg_backend_pid()`,
        );
        return rows[0].n > 0 ? true : undefined;
      },
      30_000,
      'the run start to wait for the table',
    );
    expect(answeredEarly).toBeUndefined();
    let closed = false;
    closing = test.app.close().then(() => {
      closed = true;
    });
    await new Promise((done) => setTimeout(done, 500));
    // The pool is still open for the request that is in its transaction.
    expect(closed).toBe(false);
    await sql.query('COMMIT');
    const response = await started;
    await closing;
    expect(response.statusCode).toBe(201);
    const { rows } = await sql.query<{ tasks: number }>(
      `SELECT (SELECT count(*)::int FROM workflow_tasks t WHERE t.run_id = r.id) AS tasks
         FROM workflow_runs r WHERE r.type = 'in-flight'`,
    );
    expect(rows).toEqual([{ tasks: 1 }]);
  });
});

/**
 * A request that reaches the server while it closes (pipelined behind one still being worked
 * on, or sent on a kept-alive connection before it was closed) is refused as every other error
 * is: problem+json with its correlation id, and told to go elsewhere (Connection: close,
 * Retry-After). Fastify's own refusal was a bare `application/json` body.
 */
describe('a request arriving while the server closes', () => {
  let db: TestDatabase;
  let test: TestApp;
  let sql: Client;
  let socket: Socket | undefined;
  let closing: Promise<void> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    test = await startTestApp({}, { db });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    socket?.destroy();
    await sql.query('ROLLBACK').catch(() => undefined);
    await (closing ?? test.app.close()).catch(() => undefined);
    await sql.end();
    await db.drop();
  });

  it('answers 503 problem+json with Connection: close and Retry-After', async () => {
    const url = new URL(await listenOnLoopback(test));
    await sql.query('BEGIN');
    await sql.query('LOCK TABLE workflow_runs IN SHARE ROW EXCLUSIVE MODE');
    // A run start that waits for the table holds its connection open while the server closes.
    const start = JSON.stringify({ type: 'closing', steps: [{ key: 'a', skill: 'later' }] });
    const auth = `authorization: Bearer ${ADMIN_KEY}`;
    let received = '';
    socket = connect(Number(url.port), url.hostname);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const ended = new Promise<void>((done) => socket!.once('close', () => done()));
    socket.write(
      `POST /api/v1/workflows HTTP/1.1\r\nhost: x\r\n${auth}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(start)}\r\n\r\n${start}`,
    );
    await waitFor(
      async () => {
        await sql.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND pid <> pg_backend_pid()`,
        );
        return rows[0].n > 0 ? true : undefined;
      },
      30_000,
      'the run start to wait for the table',
    );
    closing = test.app.close();
    // The server closes (no new connection accepted) only after the application's shutdown
    // hooks; the run start is still waiting then, and the read behind it not yet read.
    await waitFor(
      () =>
        new Promise<true | undefined>((done) => {
          const probe = connect(Number(url.port), url.hostname);
          probe.once('connect', () => {
            probe.destroy();
            done(undefined);
          });
          probe.once('error', () => done(true));
        }),
      30_000,
      'the server to stop accepting connections',
    );
    // The connection is busy (not idle), so it is still open: a read sent on it now arrives
    // while the server closes.
    socket.write(`GET /api/v1/api-keys HTTP/1.1\r\nhost: x\r\n${auth}\r\n\r\n`);
    await new Promise((done) => setTimeout(done, 200));
    await sql.query('COMMIT');
    await ended;
    await closing;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 201 /);
    const [head, body] = responses[1].split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/^content-type: application\/problem\+json/im);
    expect(head).toMatch(/^connection: close/im);
    expect(head).toMatch(/^retry-after: \d+/im);
    const correlationId = /^x-request-id: (.+)$/im.exec(head)?.[1]?.trim();
    expect(JSON.parse(body)).toEqual({
      type: 'urn:agentmesh:problem:shutting-down',
      title: 'Service Unavailable',
      status: 503,
      detail: expect.stringContaining('stopping'),
      instance: '/api/v1/api-keys',
      correlationId,
    });
  });
});

describe('a replica told to stop (SIGTERM)', () => {
  let db: TestDatabase;
  let test: TestApp;

  // An app of its own for each test: once told to stop, a replica stays stopping.
  beforeEach(async () => {
    db = await createTestDatabase();
    test = await startTestApp({}, { db });
  });

  afterEach(async () => {
    await test.app.close();
    await db.drop();
  });

  it('from SIGTERM on, answers with Connection: close, so clients leave before the listener closes', async () => {
    const url = await listenOnLoopback(test);
    const read = () =>
      fetch(`${url}/api/v1/api-keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const before = await read();
    expect(before.status).toBe(200);
    expect(before.headers.get('connection')).toBe('keep-alive');
    // What the SIGTERM handler does first (src/shutdown.ts); readiness turns 503 with it.
    test.app.get(ShutdownState).begin();
    const draining = await read();
    expect(draining.status).toBe(200);
    expect(draining.headers.get('connection')).toBe('close');
  });

  it('answers Connection: close also to a request sent before SIGTERM and answered during the drain (a waiting claim)', async () => {
    const url = await listenOnLoopback(test);
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const registered = await fetch(`${url}/api/v1/agents`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: 'drain-waiter', name: 'Waiter', skills: [{ name: 'idle' }] }),
    });
    expect(registered.status).toBe(201);
    // Sent before the drain, answered during it: its client would send its next request on a
    // connection the close is about to reset.
    const claim = fetch(`${url}/api/v1/agents/drain-waiter/tasks/claim`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ waitSeconds: 1 }),
    });
    await new Promise((done) => setTimeout(done, 200));
    test.app.get(ShutdownState).begin();
    const answered = await claim;
    expect(answered.status).toBe(200);
    expect(answered.headers.get('connection')).toBe('close');
  });
});

describe('the close, with a connection whose first request has not been answered', () => {
  let db: TestDatabase;
  let test: TestApp;
  let socket: Socket | undefined;

  // Each test closes its app.
  beforeEach(async () => {
    db = await createTestDatabase();
    test = await startTestApp({}, { db });
  });

  afterEach(async () => {
    socket?.destroy();
    await db.drop();
  });

  /** A raw connection to the app, connected; `ended` once the server has closed it. */
  const connected = async () => {
    const url = new URL(await listenOnLoopback(test));
    const opened = connect(Number(url.port), url.hostname);
    socket = opened;
    await new Promise<void>((done) => opened.once('connect', () => done()));
    const ended = new Promise<void>((done) => opened.once('close', () => done()));
    return { socket: opened, ended };
  };

  // Node counts a connection as busy until its first request has been answered, so closing
  // only idle ones left it open, and the close waiting for it until the headers timeout (60 s).
  // A client that connects ahead of its requests (a pool warming up, a load balancer's
  // pre-opened connections) is common.
  it('does not wait for one that never sent a request: it is closed at once', async () => {
    const { ended } = await connected();
    const started = Date.now();
    let closed = false;
    const closing = test.app.close().then(() => (closed = true));
    // Unreferenced: the suite's worker may exit before this bound runs out.
    await Promise.race([closing, new Promise((done) => setTimeout(done, 10_000).unref())]);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    await ended;
  });

  it('keeps one whose first request has begun to arrive, and answers the request', async () => {
    const { socket: open, ended } = await connected();
    open.setEncoding('utf8');
    let received = '';
    open.on('data', (chunk: string) => (received += chunk));
    // Half of the request's head, then the close (a few of its sweeps), then the rest.
    open.write(`GET /api/v1/api-keys HTTP/1.1\r\nhost: x\r\n`);
    await new Promise((done) => setTimeout(done, 100));
    const closing = test.app.close();
    await new Promise((done) => setTimeout(done, 300));
    open.write(`authorization: Bearer ${ADMIN_KEY}\r\n\r\n`);
    await ended;
    await closing;
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received).toMatch(/urn:agentmesh:problem:shutting-down/);
  });
});
