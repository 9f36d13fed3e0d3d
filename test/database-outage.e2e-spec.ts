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
