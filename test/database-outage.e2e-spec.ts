import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { guardClientErrors } from '../src/database/client-errors';
import { isDatabaseUnavailable } from '../src/database/database-errors';
import { UnitOfWork } from '../src/database/unit-of-work';
import { adminQuery, createTestDatabase, databaseName, TestDatabase } from './utils/databases';
import { startTestApp, TestApp } from './utils/test-app';

/**
 * The database refusing connections (maintenance: `ALLOW_CONNECTIONS false`, a restart, a
 * failover) is the service being unavailable, not a fault of its own: 503
 * `database-unavailable`, which clients retry and the runbook tells apart from a 500.
 */
describe('a database that refuses connections', () => {
  let test: TestApp;
  let name: string;

  beforeAll(async () => {
    test = await startTestApp();
    name = databaseName(test.db.url);
  });
  afterAll(async () => {
    await adminQuery(test.db.url, `ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    await test.close();
  });

  it('answers 503 database-unavailable, then serves again once it is back', async () => {
    expect((await test.http.get('/api/v1/agents').set(test.admin)).status).toBe(200);
    await adminQuery(test.db.url, `ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await adminQuery(
      test.db.url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    );
    // A write: reads may be answered from the discovery cache, and keys from theirs.
    const register = () =>
      test.http
        .post('/api/v1/agents')
        .set(test.admin)
        .send({ id: 'outage-agent', name: 'Outage', skills: [{ name: 'x' }] });
    const refused = await register();
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ type: 'urn:agentmesh:problem:database-unavailable' });

    await adminQuery(test.db.url, `ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    let status = 0;
    for (let i = 0; i < 50 && status !== 201; i += 1) {
      status = (await register()).status;
      if (status !== 201) await new Promise((done) => setTimeout(done, 100));
    }
    expect(status).toBe(201);
  });
});

/**
 * PostgreSQL ending a connection the service holds (a restart, a failover, an operator's
 * `pg_terminate_backend`) is an outage of that connection, not of the process: the replica
 * stays up, and what ran on it answers 503, which clients retry.
 */
describe('a database connection ended while in use', () => {
  let test: TestApp;
  let pool: Pool;

  beforeAll(async () => {
    test = await startTestApp();
    pool = (test.app.get(DataSource).driver as PostgresDriver).master as Pool;
  });
  afterAll(() => test.close());

  const terminate = (pid: number) =>
    adminQuery(test.db.url, `SELECT pg_terminate_backend(${Number(pid)})`);

  it('does not end the process when the connection was checked out between statements', async () => {
    // What the outbox dispatcher, the prepared statements and the read snapshots do: a client
    // of the pool held across statements. Its `error` with no listener was thrown as an
    // uncaught exception (the process ended; here the test fails).
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise((done) => {
      client.once('end', done);
      timer = setTimeout(done, 5_000);
    });
    await terminate(rows[0].pid);
    await ended;
    clearTimeout(timer);
    client.release();
    // The pool let the dead connection go and serves on.
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect((await test.http.get('/api/v1/agents').set(test.admin)).status).toBe(200);
  });

  it('fails a transaction whose connection was ended as the database being unavailable', async () => {
    const unitOfWork = test.app.get(UnitOfWork);
    const failure = await unitOfWork
      .run(async (tx) => {
        const [{ pid }] = await tx.manager.query<Array<{ pid: number }>>(
          'SELECT pg_backend_pid() AS pid',
        );
        await terminate(pid);
        // The ended connection's error reaches the client before the next statement is sent.
        await new Promise((done) => setTimeout(done, 200));
        return tx.manager.query('SELECT 1');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeDefined();
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect((await test.http.get('/api/v1/agents').set(test.admin)).status).toBe(200);
  });
});

/**
 * A TCP relay in front of PostgreSQL whose client-to-server direction can be held: what the
 * client sends waits while the server's answers still pass.
 */
async function holdingRelay(target: URL): Promise<{ port: number; hold(): void; close(): void }> {
  const sockets: Socket[] = [];
  let held = false;
  // Half-open: the client's end of its sending (after its Terminate) is held too.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    sockets.push(client, upstream);
    client.on('data', (chunk) => {
      if (!held) upstream.write(chunk);
    });
    client.on('end', () => {
      if (!held) upstream.end();
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    hold: () => (held = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/**
 * The service closing its pool (shutdown) while PostgreSQL stops: the embedded database stops
 * right after the pool's end, which does not wait for its connections' goodbyes, so the
 * server's "terminating connection" reaches connections that are closing already. That is no
 * connection in use being lost, and no alarm.
 */
describe('a pool closing while PostgreSQL stops', () => {
  // A database of its own: connections to the template would hold up other files' clones.
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('logs no lost connection for a connection it was closing itself', async () => {
    const target = new URL(db.url);
    const relay = await holdingRelay(target);
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) };
    const pool = new Pool({
      host: '127.0.0.1',
      port: relay.port,
      user: decodeURIComponent(target.username),
      password: decodeURIComponent(target.password) || undefined,
      database: target.pathname.slice(1),
    });
    try {
      // As TypeORM does: an idle connection's error reaches the pool's listener.
      pool.on('error', () => undefined);
      guardClientErrors(pool, log as never);
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      client.release();
      const closed = new Promise((done) => client.once('end', done));
      // The pool's end sends the connection's Terminate, held here; the server, stopping,
      // ends the connection before reading it.
      relay.hold();
      await pool.end();
      await adminQuery(db.url, `SELECT pg_terminate_backend(${Number(rows[0].pid)})`);
      await closed;
      expect(warnings).toEqual([]);
    } finally {
      relay.close();
    }
  });

  it('still logs the loss of a connection in use', async () => {
    const warnings: unknown[] = [];
    const pool = new Pool({ connectionString: db.url });
    pool.on('error', () => undefined);
    guardClientErrors(pool, { warn: (...args: unknown[]) => warnings.push(args) } as never);
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const closed = new Promise((done) => client.once('end', done));
    await adminQuery(db.url, `SELECT pg_terminate_backend(${Number(rows[0].pid)})`);
    await closed;
    client.release();
    await pool.end();
    expect(warnings).toEqual([
      [
        { err: 'terminating connection due to administrator command', code: '57P01' },
        'A database connection in use was lost',
      ],
    ]);
  });
});
