import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { isDatabaseUnavailable } from '../src/database/database-errors';
import { UnitOfWork } from '../src/database/unit-of-work';
import { adminQuery, databaseName } from './utils/databases';
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
