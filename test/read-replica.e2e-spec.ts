import { randomBytes } from 'node:crypto';
import { createKey, startTestApp, TestApp } from './utils/test-app';
import { replicaSupport, ReplicaPair, startReplicaPair } from './utils/replica-pair';

/**
 * Reads of read-only routes on a real streaming replica: a second PostgreSQL cluster, started
 * by this test with initdb and pg_basebackup from the same binaries. Where those cannot run,
 * the tests are reported as skipped with the reason, never passed.
 */
const support = replicaSupport();
const describeWithReplica = 'bindir' in support ? describe : describe.skip;
if ('missing' in support) {
  process.stderr.write(`read replica tests skipped: ${support.missing}\n`);
}

jest.setTimeout(120_000);

describeWithReplica('reads from a streaming replica (DATABASE_READ_URL)', () => {
  let pair: ReplicaPair;
  let test: TestApp;
  let strict: TestApp;
  let reader: { authorization: string };
  let writer: { authorization: string };

  const noDrop = (url: string) => ({ url, drop: async () => undefined });
  const runIds = async (app: TestApp, key: { authorization: string }) => {
    const response = await app.http.get('/api/v1/workflows?limit=100').set(key);
    expect(response.status).toBe(200);
    return (response.body.data.workflows as Array<{ id: string }>).map((run) => run.id);
  };
  const startRun = async () => {
    const response = await test.http
      .post('/api/v1/workflows')
      .set(writer)
      .send({ type: 'replica', steps: [{ key: 'a', skill: 'replica-skill' }] });
    expect(response.status).toBe(201);
    return response.body.data.id as string;
  };
  const reads = async (app: TestApp, target: string, reason: string) => {
    const text = (await app.http.get('/metrics')).text;
    const line = text
      .split('\n')
      .find((row) => row.startsWith(`db_reads_total{target="${target}",reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const replicaReads = (app: TestApp) => reads(app, 'replica', 'current');
  const until = async (check: () => Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    const { bindir } = support as { bindir: string };
    pair = await startReplicaPair(
      bindir,
      `agentmesh_replica_test_${randomBytes(4).toString('hex')}`,
    );
    // A lag bound long enough that a paused replica still counts as current...
    test = await startTestApp(
      { DATABASE_READ_URL: pair.replicaUrl, DATABASE_READ_MAX_LAG_MS: '60000' },
      { db: noDrop(pair.primaryUrl) },
    );
    // ...and one so short that the same pause sends this replica's reads to the primary.
    strict = await startTestApp(
      {
        DATABASE_READ_URL: pair.replicaUrl,
        DATABASE_READ_MAX_LAG_MS: '300',
        WORKERS: 'off',
        MIGRATIONS_RUN: 'false',
      },
      { db: noDrop(pair.primaryUrl) },
    );
    reader = await createKey(test, {
      name: 'reader',
      scopes: ['workflows:read', 'agents:read', 'audit:read', 'webhooks:admin'],
    });
    writer = await createKey(test, {
      name: 'writer',
      scopes: ['workflows:read', 'workflows:write'],
    });
    await pair.caughtUp();
  });

  afterAll(async () => {
    await pair?.resumeReplay().catch(() => undefined);
    await strict?.close();
    await test?.close();
    await pair?.stop();
  });

  it('serves lists from the replica when it is current', async () => {
    const id = await startRun();
    await pair.caughtUp();
    // The writer's own window ends after the lag bound; the reader never wrote.
    const before = await replicaReads(test);
    expect(await runIds(test, reader)).toContain(id);
    expect((await test.http.get('/api/v1/agents').set(reader)).status).toBe(200);
    expect((await test.http.get('/api/v1/audit?limit=5').set(reader)).status).toBe(200);
    expect(await replicaReads(test)).toBeGreaterThanOrEqual(before + 3);
  });

  it('counts runs and deliveries on the replica when it is current', async () => {
    const id = await startRun();
    await pair.caughtUp();
    const since = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const before = await replicaReads(test);
    const runs = await test.http.get(`/api/v1/workflows/summary?since=${since}`).set(reader);
    expect(runs.status).toBe(200);
    expect(runs.body.data.created).toBeGreaterThanOrEqual(1);
    expect(await runIds(test, reader)).toContain(id);
    const deliveries = await test.http
      .get(`/api/v1/webhooks/deliveries/summary?since=${since}`)
      .set(reader);
    expect(deliveries.status).toBe(200);
    expect(await replicaReads(test)).toBeGreaterThanOrEqual(before + 3);
  });

  it('a key reads its own writes from the primary while others read the replica', async () => {
    await pair.pauseReplay();
    try {
      const id = await startRun();
      // The replica has not replayed the run: the reader, on it, does not see it yet...
      expect(await runIds(test, reader)).not.toContain(id);
      // ...the writer, reading its own write, does.
      expect(await runIds(test, writer)).toContain(id);
      // Where the lag bound is short, the paused replica is too far behind: the primary answers.
      await until(async () => (await runIds(strict, reader)).includes(id));
    } finally {
      await pair.resumeReplay();
    }
    await until(async () => (await runIds(test, reader)).length > 0);
    await pair.caughtUp();
    const id = (await runIds(test, writer))[0];
    expect(await runIds(test, reader)).toContain(id);
  });

  it('a replica that goes down costs no error: reads go to the primary, then come back', async () => {
    await pair.stopReplica();
    try {
      const id = await startRun();
      const lagging = await reads(test, 'primary', 'replica_lagging');
      const down = await reads(test, 'primary', 'replica_down');
      for (let i = 0; i < 5; i++) {
        expect(await runIds(test, reader)).toContain(id);
        const agents = await test.http.get('/api/v1/agents').set(reader);
        expect(agents.status).toBe(200);
        const audit = await test.http.get('/api/v1/audit?limit=5').set(reader);
        expect(audit.status).toBe(200);
      }
      const lag = (await test.http.get('/metrics')).text
        .split('\n')
        .find((row) => row.startsWith('db_replica_lag_seconds'));
      expect(lag).toBe('db_replica_lag_seconds -1');
      // Said as down, not as lagging: what the on-call looks at differs.
      expect(await reads(test, 'primary', 'replica_down')).toBeGreaterThan(down);
      expect(await reads(test, 'primary', 'replica_lagging')).toBe(lagging);
    } finally {
      await pair.startReplica();
    }
    await pair.caughtUp();
    const before = await replicaReads(test);
    await until(async () => {
      await runIds(test, reader);
      return (await replicaReads(test)) > before;
    });
  });

  it('the audit export reads the chain from the replica and stays whole', async () => {
    await pair.caughtUp();
    const exported = await test.http.get('/api/v1/audit/export').set(test.admin);
    expect(exported.status).toBe(200);
    const lines = exported.text.trim().split('\n').filter(Boolean);
    const seqs = lines.map((line) => Number(JSON.parse(line).seq));
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});
